// The messages we emit and wait for (dispatch): each has an id of ours, is settled by Yate's
// answer with that id exactly once, and is rejected instead when its timeout passes
// (ENGINE_TIMEOUT), when Yate refuses its line (ENGINE_REFUSED) or when the link drops. A late
// answer to one given up on changes nothing. The counterpart of incoming.ts.
import { YateChatError } from '../errors.js';
import type { DispatchResult } from './message.js';

interface Pending {
  resolve(r: DispatchResult): void;
  reject(e: Error): void;
  timer: NodeJS.Timeout | undefined;
}

export class Outgoing {
  readonly #pending = new Map<string, Pending>();
  /** Unique across restarts of the module, so an answer meant for an earlier run matches nothing. */
  readonly #prefix = `yc${process.pid}.${Date.now().toString(36)}.`;
  #seq = 0;

  get size(): number {
    return this.#pending.size;
  }

  /** The id the next message will carry. */
  peekId(): string {
    return this.#prefix + (this.#seq + 1);
  }

  nextId(): string {
    return this.#prefix + ++this.#seq;
  }

  /** Wait for the answer to `id` (its line is written); `timeoutMs` 0: as long as the link lasts. */
  wait(id: string, name: string, timeoutMs = 0): Promise<DispatchResult> {
    return new Promise((resolve, reject) => {
      const pending: Pending = { resolve, reject, timer: undefined };
      if (timeoutMs) {
        pending.timer = setTimeout(() => {
          this.#pending.delete(id);
          reject(new YateChatError('ENGINE_TIMEOUT', `Yate did not answer ${name} within ${timeoutMs} ms`));
        }, timeoutMs);
      }
      this.#pending.set(id, pending);
    });
  }

  /** Yate answered `id`; false when nothing waits for it (given up on, or not ours). */
  settle(id: string, result: DispatchResult): boolean {
    const p = this.#take(id);
    p?.resolve(result);
    return p !== undefined;
  }

  /** Yate refused the line of `id`. */
  fail(id: string, err: Error): void {
    this.#take(id)?.reject(err);
  }

  /** The link is gone: everything waiting fails with `err`. */
  failAll(err: Error): void {
    for (const id of [...this.#pending.keys()]) this.fail(id, err);
  }

  #take(id: string): Pending | undefined {
    const p = this.#pending.get(id);
    if (!p) return undefined;
    this.#pending.delete(id);
    clearTimeout(p.timer);
    return p;
  }
}
