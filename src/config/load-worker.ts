// The worker thread of load-rules.ts: checks the deny regexes of one rules file off the module's
// event loop (recheck can take a second or more per regex) and sends the verdicts back. It loads
// the file the way loadConfig does; the file's other problems are the main thread's to report.
import { parentPort, workerData } from 'node:worker_threads';
import { loadConfig } from './load.js';
import { RegexVerdicts, type Verdict } from './verdicts.js';

const { file, known } = workerData as { file: string; known: [string, Verdict][] };
const verdicts = new RegexVerdicts(known);
try {
  loadConfig(file, { verdicts });
} catch {
  // Reported by the main thread, which loads the file again with these verdicts.
}
parentPort!.postMessage(verdicts.entries());
