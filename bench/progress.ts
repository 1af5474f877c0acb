// What a long benchmark phase says while it runs: a line on stderr at most every few seconds
// ("store (SQLite): put 40,000 of 100,000, 15 s"), so a person knows it is alive and how far it
// is; stdout keeps only the tables (npm run bench > figures.md stays clean).
import { performance } from 'node:perf_hooks';

export type Progress = (done: number) => void;

const n = (x: number) => x.toLocaleString('en-US');

/** A tick function for a phase of `total` steps: call it with the steps done so far. */
export function progress(what: string, total: number, everyMs = 5000, write = (s: string) => process.stderr.write(s)): Progress {
  const t0 = performance.now();
  let said = t0;
  return (done) => {
    const now = performance.now();
    if (now - said < everyMs && done < total) return;
    if (done >= total && now - t0 < everyMs) return; // short phases say nothing
    said = now;
    write(`  ... ${what}: ${n(done)} of ${n(total)}, ${Math.round((now - t0) / 1000)} s\n`);
  };
}
