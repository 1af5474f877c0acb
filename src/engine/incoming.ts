// Answering the messages Yate offers us: each EXACTLY once, with the handler chain's result;
// unchanged and unprocessed when a handler throws, passes the deadline (kept below Yate's
// timeout), when nothing handles it, and when the link ends. An answer Yate could not read or
// take (a NUL byte, a nameless param, longer than bufsize) is replaced by the short form, since
// Yate would match it to no message and keep its thread waiting until the timeout.
//
// A Yate thread waits on every message we are offered, so the common case is kept cheap: a
// chain that answers synchronously is answered in the same turn, with no timer, promise or
// AbortController; the deadline timer exists only while a handler is still working.
import { encodeLine } from '../protocol/encode.js';
import type { AnswerLine, MessageLine } from '../protocol/types.js';
import { wireLength } from './framing.js';
import { MessageContext, type HandlerTable } from './handlers.js';
import type { Logger } from './logger.js';
import { answerChange, Message, readableChange, snapshot, type Snapshot } from './message.js';
import { Params } from './params.js';

export interface IncomingDeps {
  readonly handlers: HandlerTable;
  readonly log: Logger;
  deadlineMs(): number;
  /** The confirmed bufsize. */
  maxLine(): number;
  /** Write an encoded answer that fits bufsize; never throws (a closed link only loses what
   *  Yate released already). */
  writeText(text: string): void;
}

/** The params of an offered message. (Yate writes no bare names to a module; should one come,
 *  it deletes, as in an answer.) */
function paramsOf(m: MessageLine): Params {
  if (!m.params.some((p) => p[1] === null)) return new Params(m.params as (readonly [string, string])[]);
  const p = new Params();
  for (const [n, v] of m.params) if (v === null) p.delete(n); else p.add(n, v);
  return p;
}

export class Incoming {
  readonly #deps: IncomingDeps;
  /** id -> answer unprocessed and unchanged, for what is still pending on the async path. */
  readonly #pending = new Map<string, () => void>();

  constructor(deps: IncomingDeps) {
    this.#deps = deps;
  }

  get size(): number {
    return this.#pending.size;
  }

  /** Answer everything pending, unprocessed and unchanged (shutdown, quit, link lost). */
  answerAll(): void {
    for (const answer of [...this.#pending.values()]) answer();
    this.#pending.clear();
  }

  handle(m: MessageLine): void {
    const msg = new Message(m.name, paramsOf(m), m.retval, m.id, m.time);
    const before = snapshot(msg);
    const ctx = new MessageContext();
    let result: boolean | Promise<boolean>;
    try {
      result = this.#deps.handlers.run(m.name, msg, ctx);
    } catch (err) {
      this.#failed(m.name, err);
      return this.#answer(m.id, false, null);
    }
    if (typeof result === 'boolean') return this.#answer(m.id, result, answerChange(before, msg));
    this.#wait(m, msg, before, ctx, result);
  }

  #wait(m: MessageLine, msg: Message, before: Snapshot, ctx: MessageContext, result: Promise<boolean>): void {
    let done = false;
    const answer = (processed: boolean, withChanges: boolean): void => {
      if (done) return;
      done = true;
      this.#pending.delete(m.id);
      clearTimeout(timer);
      this.#answer(m.id, processed, withChanges ? answerChange(before, msg) : null);
    };
    const unanswered = (): void => {
      ctx.abort();
      answer(false, false);
    };
    this.#pending.set(m.id, unanswered);
    const deadline = this.#deps.deadlineMs();
    const timer = setTimeout(() => {
      this.#deps.log.warn(`handler for ${m.name} passed its ${deadline} ms deadline; answered unprocessed`);
      unanswered();
    }, deadline);
    result.then((processed) => answer(processed, true), (err: unknown) => {
      this.#failed(m.name, err);
      answer(false, false);
    });
  }

  #failed(name: string, err: unknown): void {
    this.#deps.log.error(`handler for ${name} failed: ${(err as Error)?.stack ?? String(err)}`);
  }

  #answer(id: string, processed: boolean, change: AnswerLine['change']): void {
    const text = encodeLine({ type: 'answer', id, processed, change });
    if (change) {
      let why = '';
      if (!readableChange(change)) why = 'holds what Yate cannot read (a NUL byte, a param name that is empty or holds \'=\')';
      else if (wireLength(text) > this.#deps.maxLine()) why = `would exceed Yate's bufsize (${this.#deps.maxLine()})`;
      if (why) {
        this.#deps.log.error(`answer to ${id} ${why}; answered unprocessed`);
        return this.#deps.writeText(encodeLine({ type: 'answer', id, processed: false, change: null }));
      }
    }
    this.#deps.writeText(text);
  }
}
