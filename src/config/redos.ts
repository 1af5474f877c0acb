// Deny patterns are run on strings the sender chooses (its user name, the recipient it names)
// for every MESSAGE, so a regex that backtracks catastrophically (`/(a+)+$/` takes seconds on
// 30 characters) would let one sender stall the module. Each regex in the rules file is checked
// when the file is loaded, and refused (with the file, the field and the reason) unless it is
// shown to run in linear time.
//
// The checker is recheck (makenowjust-labs/recheck): it decides from the regex's automaton
// whether its backtracking is exponential or polynomial and gives an attack string; unlike
// star-height heuristics (safe-regex2) it also finds overlapping alternatives such as
// `/(a|a)*$/` and polynomial ones such as `/\d+\d+$/`. Its pure JavaScript build runs here,
// synchronously and in this process: no worker, no child process, no native binary (their
// optional packages are not installed, see .npmrc). It is loaded only when a file has a regex.
// The alternative, an engine that cannot backtrack (RE2), needs a native build or WebAssembly
// per match; checking once at load keeps V8's RegExp, and its speed, on the hot path.
import { createRequire } from 'node:module';
import type { checkSync as CheckSync } from 'recheck';

/** The longest one regex may be checked for; past it, it is refused as unproven. */
export const REDOS_CHECK_MS = 3000;

const load = createRequire(import.meta.url);

/** null when `source`/`flags` runs in linear time; otherwise why not, for the admin. */
export function backtrackingProblem(source: string, flags: string): string | null {
  // Loaded on the first regex; Node's module cache keeps it for the next ones.
  const { checkSync } = load('recheck') as { checkSync: typeof CheckSync };
  // recheck reads its backend from the environment on each call: 'pure' is its JavaScript checker.
  const before = process.env['RECHECK_SYNC_BACKEND'];
  process.env['RECHECK_SYNC_BACKEND'] = 'pure';
  let r: ReturnType<typeof CheckSync>;
  try {
    r = checkSync(source, flags, { timeout: REDOS_CHECK_MS });
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
      const why = r.error.kind === 'timeout' ? `not within ${REDOS_CHECK_MS} ms` : 'message' in r.error ? r.error.message : r.error.kind;
      return `it could not be shown to run in linear time (${why})`;
    }
  }
}
