// Writing the history without a disk write on any MESSAGE's path: record() only puts an entry in
// memory; batches go to the store a moment later (FLUSH_MS, or at once when a batch is full),
// one transaction each, one at a time, from a timer, never from a handler. A store that fails
// keeps its batch for the next try (the wait is bounded: past MAX_WAITING entries new ones are
// dropped and counted), and says so in Yate's log once, and again when it writes again.
import { isStoreUnreachable, type HistoryEntry, type HistoryStore } from '../../store/index.js';
import type { Kernel } from '../core/kernel.js';

/** How long an entry may wait for its batch (ms). */
export const FLUSH_MS = 250;
/** Entries one transaction writes at most. */
export const BATCH = 500;
/** Entries waiting for the store at most (about 2 MB of 100-byte bodies): more are dropped. */
export const MAX_WAITING = 20_000;
/** A store that failed is tried again after this (ms). */
export const RETRY_MS = 1000;

export class Recorder {
  readonly #k: Kernel;
  readonly #store: HistoryStore;
  #waiting: HistoryEntry[] = [];
  #timer: NodeJS.Timeout | null = null;
  #writing: Promise<void> | null = null;
  /** The store failed and has not written since (said once). */
  #failing = false;
  #closed = false;

  constructor(kernel: Kernel, store: HistoryStore) {
    this.#k = kernel;
    this.#store = store;
  }

  /** Entries not written yet. */
  get waiting(): number {
    return this.#waiting.length;
  }

  record(e: HistoryEntry): void {
    if (this.#closed) return;
    if (this.#waiting.length >= MAX_WAITING) {
      this.#k.stats.history.dropped++;
      return;
    }
    this.#waiting.push(e);
    if (this.#waiting.length >= BATCH) this.#schedule(0);
    else this.#schedule(FLUSH_MS);
  }

  /** Write everything recorded so far (before a read, so it sees what was just routed). */
  async flush(): Promise<void> {
    while (this.#waiting.length && !this.#failing) await this.#write();
    await this.#writing;
  }

  /** Write what waits (one try), then stop. */
  async close(): Promise<void> {
    this.#closed = true;
    if (this.#timer) clearTimeout(this.#timer);
    this.#failing = false;
    await this.flush().catch(() => undefined);
    if (this.#waiting.length) this.#k.log.warn(`history: ${this.#waiting.length} entries not written at close (the store failed)`);
  }

  #schedule(ms: number): void {
    if (this.#timer && ms > 0) return;
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = setTimeout(() => {
      this.#timer = null;
      void this.#write().then(() => {
        if (this.#waiting.length && !this.#closed) this.#schedule(this.#failing ? RETRY_MS : 0);
      });
    }, ms);
    this.#timer.unref();
  }

  /** One batch to the store (after the one being written, if any). Never rejects. */
  #write(): Promise<void> {
    const run = (this.#writing ?? Promise.resolve()).then(async () => {
      const batch = this.#waiting.splice(0, BATCH);
      if (!batch.length) return;
      try {
        await this.#store.append(batch);
        this.#k.stats.history.written += batch.length;
        if (this.#failing) this.#k.log.info(`history: the store writes again (${this.#waiting.length} entries still waiting)`);
        this.#failing = false;
      } catch (err) {
        if (isStoreUnreachable(err) || (err as { code?: string }).code === 'STORE_FAILED') {
          // Back at the front, in order, for the next try.
          const kept = batch.slice(0, Math.max(0, MAX_WAITING - this.#waiting.length));
          this.#waiting.unshift(...kept);
          this.#k.stats.history.dropped += batch.length - kept.length;
          if (!this.#failing && !isStoreUnreachable(err)) this.#k.log.error(`history: cannot write to the store, entries wait in memory (at most ${MAX_WAITING}): ${(err as Error).message}`);
          this.#failing = true;
        } else {
          this.#k.stats.history.dropped += batch.length;
          this.#k.log.error(`history: ${batch.length} entries refused by the store, dropped: ${(err as Error).message}`);
        }
      }
    });
    this.#writing = run;
    return run;
  }
}
