// A Yate message as handlers see it, and the answer that reports what a handler changed.
import type { AnswerChange, ParamOp } from '../protocol/types.js';
import { Params, type ParamInit } from './params.js';

export class Message {
  /** Yate's id for a message offered to us; '' for one we create. */
  readonly id: string;
  /** Seconds since the epoch; 0 means now. */
  readonly time: number;
  name: string;
  retval: string;
  readonly params: Params;

  constructor(name: string, params?: ParamInit, retval = '', id = '', time = 0) {
    this.name = name;
    this.params = params instanceof Params ? params : new Params(params);
    this.retval = retval;
    this.id = id;
    this.time = time;
  }

  get(name: string): string | undefined {
    return this.params.get(name);
  }

  set(name: string, value: string | number | boolean): this {
    this.params.set(name, value);
    return this;
  }
}

/** What Yate sees of a message once a handler ran: name, retval and first value of each param. */
export interface Snapshot {
  readonly name: string;
  readonly retval: string;
  readonly params: Map<string, string>;
}

export function snapshot(msg: Message): Snapshot {
  const params = new Map<string, string>();
  for (const [n, v] of msg.params) if (!params.has(n)) params.set(n, v);
  return { name: msg.name, retval: msg.retval, params };
}

/**
 * The change to write in an answer, or null when nothing changed (then the short form
 * `%%<message:ID:PROCESSED:` is used, which cannot erase anything).
 * The full form always carries the current return value: an empty RETVAL field would ERASE
 * what earlier handlers put there (the engine.status trap in the transcripts' README).
 */
export function answerChange(before: Snapshot, msg: Message): AnswerChange | null {
  const after = snapshot(msg);
  const ops: ParamOp[] = [];
  for (const [n, v] of after.params) if (before.params.get(n) !== v) ops.push([n, v]);
  for (const n of before.params.keys()) if (!after.params.has(n)) ops.push([n, null]);
  const renamed = after.name !== before.name;
  if (!renamed && after.retval === before.retval && ops.length === 0) return null;
  return { name: renamed ? after.name : '', retval: after.retval, params: ops };
}
