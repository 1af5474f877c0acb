// Watched messages (`%%>watch:NAME`): Yate tells us of every dispatched NAME after its dispatch,
// with an empty id, and never waits for an answer. Several local watchers share one watch.
import type { Logger } from './logger.js';
import type { DispatchResult } from './message.js';

/** Called with each notification; what it throws is logged, never answered. */
export type Watcher = (notification: DispatchResult) => void;

export class Watchers {
  readonly #byName = new Map<string, Set<Watcher>>();

  /** True when it is the first for `name` (Yate must be asked to watch it). */
  add(name: string, w: Watcher): boolean {
    const set = this.#byName.get(name);
    if (set) return void set.add(w), false;
    this.#byName.set(name, new Set([w]));
    return true;
  }

  /** Remove one watcher, or every watcher of `name`; true when none is left of a name that had
   *  some (Yate must be told to stop). */
  remove(name: string, w?: Watcher): boolean {
    const set = this.#byName.get(name);
    if (!set) return false;
    if (w) set.delete(w);
    else set.clear();
    if (set.size) return false;
    this.#byName.delete(name);
    return true;
  }

  names(): IterableIterator<string> {
    return this.#byName.keys();
  }

  notify(n: DispatchResult, log: Logger): void {
    for (const w of this.#byName.get(n.message.name) ?? []) {
      try {
        w(n);
      } catch (err) {
        log.error(`watcher for ${n.message.name} failed: ${String(err)}`);
      }
    }
  }
}
