// What a module costs the engine, counted the way it is paid on a real Yate (docs/yate-module.md,
// "What a module costs the engine"):
// - every message OFFERED to the module holds the Yate thread that dispatched it until the module
//   answers (or the timeout, or the module's death, releases it): counted by name, with the time
//   the thread was held;
// - every message the module EMITS is queued and run by an engine worker (yate.conf maxworkers):
//   counted by name, with the time its dispatch held the worker (an xsip.generate with wait=true
//   holds it for the whole SIP transaction).
// Simplified: the thread of an offered message is held here for the module's answer time only;
// a real Yate also pays for writing and parsing the line, which grows with its length (`bytes`).

export interface CostCounts {
  readonly offered: Readonly<Record<string, number>>;
  readonly emitted: Readonly<Record<string, number>>;
  /** Bytes of the lines the engine wrote to offer messages. */
  readonly bytes: number;
}

export class Cost {
  readonly offered = new Map<string, number>();
  readonly emitted = new Map<string, number>();
  /** ms each offered message held its thread, in answer order. */
  readonly held: number[] = [];
  /** ms each emitted message held a worker, in completion order. */
  readonly worked: number[] = [];
  bytes = 0;

  /** A message offered with a line of `bytes`; call the result when its thread is released. */
  offer(name: string, bytes: number): () => void {
    this.offered.set(name, (this.offered.get(name) ?? 0) + 1);
    this.bytes += bytes;
    const t0 = performance.now();
    let done = false;
    return () => {
      if (done) return;
      done = true;
      this.held.push(performance.now() - t0);
    };
  }

  /** A message the module emitted; the result is told how long its dispatch held a worker. */
  emit(name: string): (ms: number) => void {
    this.emitted.set(name, (this.emitted.get(name) ?? 0) + 1);
    return (ms) => { this.worked.push(ms); };
  }

  counts(): CostCounts {
    return { offered: Object.fromEntries(this.offered), emitted: Object.fromEntries(this.emitted), bytes: this.bytes };
  }

  /** Counts since an earlier counts() (names that did not move are left out). */
  since(before: CostCounts): CostCounts {
    const diff = (now: Map<string, number>, was: Readonly<Record<string, number>>) =>
      Object.fromEntries([...now].map(([k, v]) => [k, v - (was[k] ?? 0)] as const).filter(([, v]) => v !== 0));
    return { offered: diff(this.offered, before.offered), emitted: diff(this.emitted, before.emitted), bytes: this.bytes - before.bytes };
  }
}
