// A counting semaphore with a bounded waiting line, for deliveries yate-chat runs itself. Each
// xsip.generate with wait=true holds one of Yate's worker threads until the SIP transaction
// ends (up to ~32 s for a contact that stopped answering), and Yate has few workers (yate.conf
// maxworkers, default 10) for everything it queues. Capping our own in-flight deliveries below
// that keeps Yate's queue moving. The deliveries that wait for a turn are capped too
// (`maxWaiting`): past it a new one is refused at once (OVERLOADED, answered 503) instead of
// holding its message in memory for as long as the line ahead of it takes.
import { YateChatError } from '../../errors.js';

/** Deliveries waiting for a turn at most, unless Yate says its maxqueue (its default is 1000). */
export const MAX_WAITING = 1000;

export class Semaphore {
  #free: number;
  #size: number;
  #maxWaiting: number;
  readonly #waiting: (() => void)[] = [];

  constructor(size: number, maxWaiting = MAX_WAITING) {
    this.#size = this.#free = Math.max(1, size);
    this.#maxWaiting = Math.max(0, maxWaiting);
  }

  get size(): number {
    return this.#size;
  }

  /** Deliveries running (holding a slot). */
  get running(): number {
    return this.#size - this.#free;
  }

  /** Deliveries waiting for a turn. */
  get waiting(): number {
    return this.#waiting.length;
  }

  /** Would run() refuse a delivery now? */
  get full(): boolean {
    return this.#free <= 0 && this.#waiting.length >= this.#maxWaiting;
  }

  /** Cap the waiting line (yate-chat uses Yate's maxqueue for the module: what Yate would
   *  queue for it, no more). */
  set maxWaiting(n: number) {
    this.#maxWaiting = Math.max(0, n);
  }

  get maxWaiting(): number {
    return this.#maxWaiting;
  }

  resize(size: number): void {
    const n = Math.max(1, size);
    this.#free += n - this.#size;
    this.#size = n;
    while (this.#free > 0 && this.#waiting.length) {
      this.#free--;
      this.#waiting.shift()!();
    }
  }

  /** Run `fn` in a slot; rejects OVERLOADED (fn not called) when the waiting line is full. */
  async run<T>(fn: () => Promise<T>): Promise<T> {
    if (this.#free > 0) this.#free--;
    else if (this.#waiting.length >= this.#maxWaiting) {
      throw new YateChatError('OVERLOADED', `${this.#waiting.length} deliveries already wait for one of ${this.#size} slots`);
    } else await new Promise<void>((resolve) => this.#waiting.push(resolve));
    try {
      return await fn();
    } finally {
      const next = this.#free >= 0 ? this.#waiting.shift() : undefined;
      if (next) next();
      else this.#free++;
    }
  }
}
