// Loading the rules file without blocking the module (issue 21: `chat reload` stopped routing
// while it ran; a MESSAGE waited 4.8 s). The deny regexes not checked yet are checked in a worker
// thread, their verdicts kept (verdicts.ts); then loadConfig reads the file on this thread with
// every verdict at hand, which takes milliseconds. The module uses it at start (cli/run.ts), for
// `check-config` and for `chat reload`.
//
// A regex the checker cannot finish within LOAD_CHECK_MS (its automaton explodes: a bounded
// repeat around an ambiguous group) makes the load fail, saying so; that is a failure of this
// load, not a verdict: nothing is kept for the regex. Every regex the checker finishes gets the
// same verdict on any machine.
import { Worker } from 'node:worker_threads';
import * as path from 'node:path';
import { ConfigError } from './error.js';
import { loadConfig, type LoadOptions } from './load.js';
import type { Config } from './types.js';
import type { RegexVerdicts, Verdict } from './verdicts.js';

/** The longest the worker may take to check a file's new regexes. */
export const LOAD_CHECK_MS = 60_000;

export interface RulesLoadOptions extends Omit<LoadOptions, 'verdicts'> {
  readonly verdicts: RegexVerdicts;
  /** How long the worker may take. [LOAD_CHECK_MS] */
  readonly checkMs?: number;
}

/** Check `file`'s new regexes in a worker, then load it here. Rejects ConfigError like loadConfig. */
export async function loadRules(file: string | undefined, opts: RulesLoadOptions): Promise<Config> {
  if (file) await checkOffThread(path.resolve(file), opts.verdicts, opts.checkMs ?? LOAD_CHECK_MS);
  return loadConfig(file, opts);
}

function checkOffThread(file: string, verdicts: RegexVerdicts, checkMs: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(new URL('./load-worker.js', import.meta.url), { workerData: { file, known: verdicts.entries() } });
    const timer = setTimeout(() => {
      void worker.terminate();
      reject(new ConfigError(file, [{ field: '', message: `expected regexes that can be checked, but checking them took longer than ${checkMs / 1000} s (a bounded repeat around an ambiguous group makes the checker's automaton explode: simplify the deny regexes)` }]));
    }, checkMs);
    worker.once('message', (entries: [string, Verdict][]) => verdicts.add(entries));
    // Whatever happened in the worker, the file is loaded again here and its problems reported.
    worker.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    worker.once('error', () => undefined);
  });
}
