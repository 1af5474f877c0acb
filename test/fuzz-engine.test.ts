// Fuzz (issue 10): random and malformed engine lines through the real module over pipes. No
// crash, every %%>message whose id can be read answered exactly once, every line the protocol
// refuses logged once, nothing but protocol lines on stdout. FUZZ_LINES sets the size
// (`npm run fuzz` runs a million); FUZZ_SEED replays a run.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fuzzEngineLines } from './fixtures/fuzz-engine.js';

const LINES = Number(process.env['FUZZ_LINES'] ?? 20_000);
const SEED = Number(process.env['FUZZ_SEED'] ?? 0x5eed);

test(`${LINES} random and malformed engine lines: no crash, each readable message answered once, each bad line logged once`, { timeout: 60 * 60_000 }, async (t) => {
  const t0 = performance.now();
  const r = await fuzzEngineLines({ lines: LINES, seed: SEED });
  const s = ((performance.now() - t0) / 1000).toFixed(1);
  t.diagnostic(`fuzz-engine seed=${SEED}: ${JSON.stringify(r.counts)} in ${s} s, exit ${r.exitCode}`);
  assert.deepEqual(r.problems, []);
  assert.equal(r.counts.lines, LINES);
  assert.ok(r.counts.messages > LINES / 2 && r.counts.malformed > LINES / 10 && r.counts.malformedMessages > 0, JSON.stringify(r.counts));
});
