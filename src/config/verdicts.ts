// The verdict on each deny regex (redos.ts), kept per pattern for as long as the module runs: a
// regex is checked once, at start or at the first reload that brings it, and every later load
// of a file holding it takes the same verdict at once (issue 21). The module owns one (cli/run.ts
// hands it to every load); a file checked in a worker (load-rules.ts) sends its verdicts back
// here. Not module-level state: whoever loads rules holds the cache.
import { backtrackingProblem } from './redos.js';

/** A verdict: null (runs in linear time) or why not. */
export type Verdict = string | null;

export class RegexVerdicts {
  readonly #byPattern = new Map<string, Verdict>();
  #checked = 0;

  constructor(known: Iterable<readonly [string, Verdict]> = []) {
    for (const [k, v] of known) this.#byPattern.set(k, v);
  }

  /** The verdict on `/source/flags`, checked now if it never was. */
  verdict(source: string, flags: string): Verdict {
    const key = `/${source}/${flags}`;
    const known = this.#byPattern.get(key);
    if (known !== undefined) return known;
    const v = backtrackingProblem(source, flags);
    this.#checked++;
    this.#byPattern.set(key, v);
    return v;
  }

  /** Regexes checked by this cache (not taken from it). */
  get checked(): number {
    return this.#checked;
  }

  /** Every verdict held, to send to another thread. */
  entries(): [string, Verdict][] {
    return [...this.#byPattern];
  }

  /** Take verdicts reached elsewhere (a worker). */
  add(entries: Iterable<readonly [string, Verdict]>): void {
    for (const [k, v] of entries) this.#byPattern.set(k, v);
  }
}
