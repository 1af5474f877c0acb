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

  /** Delete every param called `name` (a bare `name` in the answer). */
  delete(name: string): this {
    this.params.delete(name);
    return this;
  }
}

/** What Yate holds of a message before a handler runs, to tell what the handler changed. */
export interface Snapshot {
  readonly name: string;
  readonly retval: string;
  readonly pairs: readonly (readonly [string, string])[];
  readonly version: number;
}

export function snapshot(msg: Message): Snapshot {
  return { name: msg.name, retval: msg.retval, pairs: msg.params.pairs(), version: msg.params.version };
}

/** First value of each name: all Yate can address of a repeated name. */
function firsts(pairs: Iterable<readonly [string, string]>): Map<string, string> {
  const out = new Map<string, string>();
  for (const [n, v] of pairs) if (!out.has(n)) out.set(n, v);
  return out;
}

/**
 * The change to write in an answer, or null when nothing changed (then the short form
 * `%%<message:ID:PROCESSED:` is used, which cannot erase anything).
 * The full form always carries the current return value: an empty RETVAL field would ERASE
 * what earlier handlers put there (the engine.status trap in the transcripts' README).
 */
export function answerChange(before: Snapshot, msg: Message): AnswerChange | null {
  const renamed = msg.name !== before.name;
  const ops: ParamOp[] = [];
  if (msg.params.version !== before.version) {
    const was = firsts(before.pairs);
    const now = firsts(msg.params.pairs());
    for (const [n, v] of now) if (was.get(n) !== v) ops.push([n, v]);
    for (const n of was.keys()) if (!now.has(n)) ops.push([n, null]);
  }
  if (!renamed && msg.retval === before.retval && ops.length === 0) return null;
  return { name: renamed ? msg.name : '', retval: msg.retval, params: ops };
}

/** Can Yate read an answer carrying this change? Not with a NUL byte anywhere (its escape is
 *  refused) or a parameter without a name. (The same as decoding the line, without the cost.) */
export function readableChange(c: AnswerChange): boolean {
  if (c.name.includes('\0') || c.retval.includes('\0')) return false;
  for (const [n, v] of c.params) if (n === '' || n.includes('\0') || (v !== null && v.includes('\0'))) return false;
  return true;
}
