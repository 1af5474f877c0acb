// `npm run test:yate`: the real-Yate suite. Without an installed Yate it prints ONE line saying
// why it skipped and exits 0; with one it runs `node --test` on this folder's *.test.js files
// (the compiled ones, next to this file) and exits with its code. A YATE_PREFIX that names no
// usable Yate is a setup error: one line, exit 1 (a CI job that asked for Yate must not pass
// by skipping).
import { spawn } from 'node:child_process';
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { findYate } from './find.js';

const found = findYate();
if (!found.ok) {
  if (found.requested) {
    console.log(`test:yate failed: ${found.reason}`);
    process.exit(1);
  }
  console.log(`test:yate skipped: ${found.reason}`);
  process.exit(0);
}
const here = path.dirname(fileURLToPath(import.meta.url));
const files = readdirSync(here).filter((f) => f.endsWith('.test.js')).sort().map((f) => path.join(here, f));
console.log(`test:yate: ${found.yate.version} at ${found.yate.bin}, ${files.length} test files`);
// One file at a time: each starts its own Yate, and the machine may have only 2 cores.
// No test may hang the run: every wait in the suite has its own deadline well below this.
const child = spawn(process.execPath, ['--test', '--test-concurrency=1', '--test-timeout=300000', ...process.argv.slice(2), ...files], { stdio: 'inherit' });
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
