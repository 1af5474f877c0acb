// Deny regexes and `chat reload` (issue 21, finding 9): the verdict on a regex depends on the
// regex alone (no clock: a busy machine refused at reload what it accepted at start), it is kept
// per pattern for the module's life, and new regexes are checked in a worker so that the thread
// that routes MESSAGEs never waits for the checker.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ConfigError, loadConfig, loadRules, RegexVerdicts } from '../src/config/index.js';
import { backtrackingProblem } from '../src/config/redos.js';
import { ENV, writeRules } from './config-fixtures.js';

/** Regexes that are safe but take the checker a while (Unicode classes): 0.1 to 0.4 s each here. */
const SLOW_SAFE = ['/^\\p{L}[\\p{L}\\p{N}]*$/u', '/^[\\p{L}\\p{N}._-]{1,64}$/u', '/^(?:\\p{Lu}|\\p{Ll}){1,30}$/u', '/^[\\p{L}\\p{N}]{1,30}@[\\p{L}]{1,30}$/u'];

test('a regex\'s verdict does not depend on the clock: with a clock that jumps an hour at every reading, a linear regex is accepted and a catastrophic one refused for its backtracking', () => {
  const realNow = Date.now;
  const realPerf = performance.now.bind(performance);
  let skew = 0;
  Date.now = () => realNow() + (skew += 3_600_000);
  performance.now = () => realPerf() + (skew += 3_600_000);
  try {
    assert.equal(backtrackingProblem('^9\\d{3}$', ''), null);
    assert.equal(backtrackingProblem('^\\p{L}[\\p{L}\\p{N}]*$', 'u'), null);
    assert.match(backtrackingProblem('(a+)+$', '') ?? '', /^it backtracks in exponential time/);
  } finally {
    Date.now = realNow;
    performance.now = realPerf;
  }
});

test('a regex is checked once per module: loading the file again takes the kept verdicts, and only a new regex is checked', () => {
  const verdicts = new RegexVerdicts();
  const rules = { deny: { callers: ['/^9\\d{3}$/', 'mallory'], callees: ['/^(112|911)$/'] }, presence: { deny: { watchers: ['/^guest-/'] } } };
  loadConfig(writeRules(rules), { ...ENV, verdicts });
  assert.equal(verdicts.checked, 3);
  loadConfig(writeRules(rules), { ...ENV, verdicts });
  assert.equal(verdicts.checked, 3, 'nothing checked again');
  loadConfig(writeRules({ ...rules, deny: { ...rules.deny, callees: ['/^(112|911|999)$/'] } }), { ...ENV, verdicts });
  assert.equal(verdicts.checked, 4);
  // A refused regex keeps its verdict too: refused again, without a second check.
  const bad = writeRules({ deny: { callers: ['/(a+)+$/'] } });
  assert.throws(() => loadConfig(bad, { ...ENV, verdicts }), ConfigError);
  assert.throws(() => loadConfig(bad, { ...ENV, verdicts }), /linear time/);
  assert.equal(verdicts.checked, 5);
});

test('loadRules checks new regexes in a worker: timers on the loading thread keep firing meanwhile, and the verdicts come back', async () => {
  const verdicts = new RegexVerdicts();
  const file = writeRules({ deny: { callers: SLOW_SAFE } });
  let ticks = 0;
  const timer = setInterval(() => ticks++, 5);
  try {
    const config = await loadRules(file, { ...ENV, verdicts });
    assert.equal(config.deny.callers.length, SLOW_SAFE.length);
  } finally {
    clearInterval(timer);
  }
  assert.ok(ticks > 0, 'the loading thread was free while the regexes were checked');
  assert.equal(verdicts.checked, 0, 'checked in the worker, not here');
  assert.equal(verdicts.entries().length, SLOW_SAFE.length);
});

test('loadRules refuses a file whose regexes the checker cannot finish within its time, naming the file, and keeps no verdict for them', async () => {
  const verdicts = new RegexVerdicts();
  const file = writeRules({ deny: { callers: ['/^([a-z0-9]+[._-]?){1,30}@example\\.com$/'] } });
  await assert.rejects(loadRules(file, { ...ENV, verdicts, checkMs: 1500 }), (err: unknown) => {
    assert.ok(err instanceof ConfigError);
    assert.equal(err.file, file);
    assert.match(err.message, /checking them took longer than 1\.5 s/);
    return true;
  });
  assert.deepEqual(verdicts.entries(), []);
});
