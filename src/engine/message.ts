// A Yate message as handlers see it, and the answer that reports what a handler changed.
import type { AnswerChange, AnswerLine, ParamOp } from '../protocol/types.js';
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

/** A message we emitted as Yate answered it after its dispatch, or a watched notification. */
export interface DispatchResult {
  readonly processed: boolean;
  /** The message as Yate returned it (possibly renamed, with the handlers' params). */
  readonly message: Message;
}

/** The result an engine answer line carries. */
export function resultOf(a: AnswerLine): DispatchResult {
  const change = a.change ?? { name: '', retval: '', params: [] };
  const msg = new Message(change.name, undefined, change.retval);
  for (const [n, v] of change.params) if (v === null) msg.params.delete(n); else msg.params.add(n, v);
  return { processed: a.processed, message: msg };
}

/** What Yate holds of a message before a handler runs, to tell what the handler changed. */
export interface Snapshot {
  readonly name: string;
  readonly retval: string;
  readonly version: number;
}

/** Take the reference point for answerChange(); the params start a new record of writes. */
export function snapshot(msg: Message): Snapshot {
  msg.params.markClean();
  return { name: msg.name, retval: msg.retval, version: msg.params.version };
}

/**
 * The change to write in an answer, or null when nothing changed (then the short form
 * `%%<message:ID:PROCESSED:` is used, which cannot erase anything). Only the first value of a
 * repeated name can be addressed; sets come in the order of the list, deletions last. Only the
 * names written to since the snapshot are looked at (Params remembers what each was).
 * The full form always carries the current return value: an empty RETVAL field would ERASE
 * what earlier handlers put there (the engine.status trap in the transcripts' README).
 */
export function answerChange(before: Snapshot, msg: Message): AnswerChange | null {
  const renamed = msg.name !== before.name;
  const ops: ParamOp[] = [];
  const touched = msg.params.touched;
  if (msg.params.version !== before.version && touched.size) {
    const done = new Set<string>();
    for (const [n, v] of msg.params.pairs()) {
      if (done.has(n) || !touched.has(n)) continue;
      done.add(n);
      if (touched.get(n) !== v) ops.push([n, v]);
    }
    for (const [n, was] of touched) if (was !== undefined && !done.has(n)) ops.push([n, null]);
  }
  if (!renamed && msg.retval === before.retval && ops.length === 0) return null;
  return { name: renamed ? msg.name : '', retval: msg.retval, params: ops };
}

/** Can Yate read a parameter of this name from a module? Not empty, no NUL (its escape `%@` is
 *  refused) and no '=' (written `%}`, which Yate 6.4.1 refuses on a module's line). */
export function writableName(name: string): boolean {
  return name !== '' && !name.includes('\0') && !name.includes('=');
}

/** Can Yate read an answer carrying this change? (The same as decoding the line, without the cost.) */
export function readableChange(c: AnswerChange): boolean {
  if (c.name.includes('\0') || c.retval.includes('\0')) return false;
  for (const [n, v] of c.params) if (!writableName(n) || (v !== null && v.includes('\0'))) return false;
  return true;
}
