// A counting semaphore for deliveries. Each xsip.generate with wait=true holds one of Yate's
// worker threads until the SIP transaction ends (up to ~32 s for a contact that stopped
// answering), and Yate has few workers (yate.conf maxworkers, default 10) for everything it
// queues. Capping our own in-flight deliveries below that keeps Yate's queue moving.
export class Slots {
  #free: number;
  #size: number;
  readonly #waiting: (() => void)[] = [];

  constructor(size: number) {
    this.#size = this.#free = Math.max(1, size);
  }

  get size(): number {
    return this.#size;
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

  async run<T>(fn: () => Promise<T>): Promise<T> {
    if (this.#free > 0) this.#free--;
    else await new Promise<void>((resolve) => this.#waiting.push(resolve));
    try {
      return await fn();
    } finally {
      const next = this.#free >= 0 ? this.#waiting.shift() : undefined;
      if (next) next();
      else this.#free++;
    }
  }
}
