// Answering the messages Yate offers us: each EXACTLY once, with the handler chain's result;
// unchanged and unprocessed when a handler throws, passes the deadline (kept below Yate's
// timeout), when nothing handles it, and when the link ends. An answer Yate could not read or
// take (a NUL byte, a nameless param, longer than bufsize) is replaced by the short form, since
// Yate would match it to no message and keep its thread waiting until the timeout.
import { decodeModuleLine } from '../protocol/decode.js';
import { encodeLine } from '../protocol/encode.js';
import type { AnswerLine, MessageLine } from '../protocol/types.js';
import { wireLength } from './framing.js';
import type { HandlerTable } from './handlers.js';
import type { Logger } from './logger.js';
import { answerChange, Message, snapshot } from './message.js';

export interface IncomingDeps {
  readonly handlers: HandlerTable;
  readonly log: Logger;
  deadlineMs(): number;
  /** The confirmed bufsize. */
  maxLine(): number;
  /** Write an answer; never throws (a closed link only loses what Yate released already). */
  write(line: AnswerLine): void;
}

export class Incoming {
  readonly #deps: IncomingDeps;
  /** id -> answer unprocessed and unchanged, for what is still pending. */
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

  async handle(m: MessageLine): Promise<void> {
    const { handlers, log } = this.#deps;
    const msg = new Message(m.name, undefined, m.retval, m.id, m.time);
    for (const [n, v] of m.params) if (v === null) msg.params.delete(n); else msg.params.add(n, v);
    const before = snapshot(msg);
    const ctl = new AbortController();
    let done = false;
    const answer = (processed: boolean, withChanges: boolean): void => {
      if (done) return;
      done = true;
      this.#pending.delete(m.id);
      clearTimeout(timer);
      ctl.abort();
      this.#answer(m.id, processed, withChanges ? answerChange(before, msg) : null);
    };
    this.#pending.set(m.id, () => answer(false, false));
    const deadline = this.#deps.deadlineMs();
    const timer = setTimeout(() => {
      log.warn(`handler for ${m.name} passed its ${deadline} ms deadline; answered unprocessed`);
      answer(false, false);
    }, deadline);
    try {
      const processed = await handlers.run(m.name, msg, { signal: ctl.signal });
      answer(processed, true);
    } catch (err) {
      log.error(`handler for ${m.name} failed: ${(err as Error)?.stack ?? String(err)}`);
      answer(false, false);
    }
  }

  #answer(id: string, processed: boolean, change: AnswerLine['change']): void {
    const line: AnswerLine = { type: 'answer', id, processed, change };
    const short: AnswerLine = { type: 'answer', id, processed: false, change: null };
    if (change) {
      const text = encodeLine(line);
      // decodeModuleLine is as strict as Yate's reader.
      if (decodeModuleLine(text).type === 'malformed') {
        this.#deps.log.error(`answer to ${id} holds what Yate cannot read (a NUL byte, a param without a name); answered unprocessed`);
        return this.#deps.write(short);
      }
      if (wireLength(text) > this.#deps.maxLine()) {
        this.#deps.log.error(`answer to ${id} would exceed Yate's bufsize (${this.#deps.maxLine()}); answered unprocessed`);
        return this.#deps.write(short);
      }
    }
    this.#deps.write(line);
  }
}
