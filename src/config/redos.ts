// Deny patterns are run on strings the sender chooses (its user name, the recipient it names)
// for every MESSAGE, so a regex that backtracks catastrophically (`/(a+)+$/` takes seconds on
// 30 characters) would let one sender stall the module. Each regex in the rules file is checked
// when the file is loaded, and refused (with the file, the field and the reason) unless it is
// shown to run in linear time.
//
// The checker is recheck (makenowjust-labs/recheck), its automaton checker only: it decides from
// the regex's automaton whether backtracking is exponential or polynomial and gives an attack
// string; unlike star-height heuristics (safe-regex2) it also finds overlapping alternatives
// such as `/(a|a)*$/` and polynomial ones such as `/\d+\d+$/`. The verdict depends on the regex
// alone: no time limit and no fuzzing (recheck's other checker guesses with random strings
// within time limits), so a regex accepted once is accepted on any machine, however busy
// (issue 21: a regex accepted at start was refused at reload because the check timed out). What
// the automaton checker cannot decide (a back-reference it cannot model) is refused as unproven.
// Its pure JavaScript build runs here: no native binary (their optional packages are not
// installed, see .npmrc). It is loaded only when a file has a regex not checked yet (verdicts.ts
// keeps the verdicts per pattern; the module checks a file in a worker, load-rules.ts). The
// alternative, an engine that cannot backtrack (RE2), needs a native build or WebAssembly per
// match; checking once at load keeps V8's RegExp, and its speed, on the hot path.
import { createRequire } from 'node:module';
import type { checkSync as CheckSync } from 'recheck';

const load = createRequire(import.meta.url);

/** null when `source`/`flags` runs in linear time; otherwise why not, for the admin. The same
 *  answer for the same regex, always. */
export function backtrackingProblem(source: string, flags: string): string | null {
  // Loaded on the first regex; Node's module cache keeps it for the next ones.
  const { checkSync } = load('recheck') as { checkSync: typeof CheckSync };
  // recheck reads its backend from the environment on each call: 'pure' is its JavaScript checker.
  const before = process.env['RECHECK_SYNC_BACKEND'];
  process.env['RECHECK_SYNC_BACKEND'] = 'pure';
  let r: ReturnType<typeof CheckSync>;
  try {
    r = checkSync(source, flags, { checker: 'automaton', timeout: null });
  } finally {
    if (before === undefined) delete process.env['RECHECK_SYNC_BACKEND'];
    else process.env['RECHECK_SYNC_BACKEND'] = before;
  }
  switch (r.status) {
    case 'safe':
      return null;
    case 'vulnerable': {
      const how = r.complexity.type === 'exponential' ? 'exponential' : `polynomial (degree ${r.complexity.degree})`;
      return `it backtracks in ${how} time, e.g. on ${r.attack.pattern}`;
    }
    case 'unknown': {
      const why = 'message' in r.error ? r.error.message : r.error.kind;
      return `it could not be shown to run in linear time (${why})`;
    }
  }
}
