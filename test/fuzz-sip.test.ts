// Fuzz (issue 10): random SIP param values and bodies through both MESSAGE paths and PUBLISH,
// as the emulated ysipchan dispatches them to the REAL module over pipes. Every request gets a
// final code, every message offered is answered exactly once, the module stays up, and it
// writes nothing but protocol lines. FUZZ_SIP sets the number of requests (`npm run fuzz`: 20000).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { startLab } from '../src/demo/lab.js';

const RUNS = Number(process.env['FUZZ_SIP'] ?? 300);
const SEED = Number(process.env['FUZZ_SEED'] ?? 0x5eed);

const chr = (c: number) => String.fromCharCode(c);
/** Wire bytes without NUL (Yate cannot carry it), heavy in the protocol's and SIP's separators. */
const byte = fc.oneof(
  { arbitrary: fc.constantFrom(':', '%', '=', ';', '<', '>', '"', '@', ' ', '\r', '\n', '\t', '&', '\\', ','), weight: 2 },
  { arbitrary: fc.integer({ min: 0x20, max: 0x7e }).map(chr), weight: 5 },
  { arbitrary: fc.integer({ min: 1, max: 0xff }).map(chr), weight: 2 },
);
const bytes = (maxLength: number) => fc.string({ unit: byte, maxLength });
const user = fc.oneof(fc.constantFrom('123', '234', '555', '999', 'alias', 'out', 'den', '', '__proto__'), bytes(24));
const domain = fc.oneof(fc.constantFrom('127.0.0.1', 'example.com', '[::1]:5060', ''), bytes(30));
const type = fc.option(fc.oneof(
  { arbitrary: fc.constantFrom('text/plain', 'text/plain;charset=utf-8', 'application/pidf+xml', 'application/im-iscomposing+xml', 'image/png', 'x'), weight: 5 },
  { arbitrary: bytes(20), weight: 1 },
), { nil: undefined, freq: 8 });
const body = fc.oneof(
  { arbitrary: bytes(300), weight: 6 },
  { arbitrary: fc.constantFrom('<presence><tuple id="t"><status><basic>open</basic></status><note>n</note></tuple></presence>', '<basic>' + ' '.repeat(30000), '%'.repeat(20000)), weight: 1 },
);
const headers = fc.array(fc.tuple(fc.oneof(fc.constantFrom('sip-if-match', 'expires', 'event', 'contact', 'x-a=b', 'via'), bytes(12)), bytes(40)), { maxLength: 4 });

const request = fc.record({
  kind: fc.constantFrom('generic', 'native', 'publish'),
  caller: user,
  called: user,
  username: fc.option(user, { nil: undefined }),
  callername: fc.option(bytes(20), { nil: undefined }),
  domain,
  type,
  body,
  encoding: fc.option(fc.constantFrom('base64' as const, 'hex' as const), { nil: undefined }),
  headers,
  maxForwards: fc.option(fc.integer({ min: 0, max: 80 }), { nil: undefined }),
  host: fc.constantFrom('127.0.0.1', '127.0.0.2', '10.0.0.1'),
});

test(`${RUNS} random SIP requests on both MESSAGE paths and PUBLISH: a final code each, every offered message answered once, stdout only protocol`, { timeout: 60 * 60_000 }, async (t) => {
  const lab = await startLab({
    rules: {
      rateLimit: false, offline: { store: { kind: 'memory' }, knownUsers: 'anyone', maxMessages: 1000 },
      deny: { callers: ['den'], callees: ['/^9\\d\\d$/'] }, aliases: { alias: '234', out: 'sip:far@127.0.0.1' },
      delivery: { waitMs: 300 },
    },
  });
  const codes = new Map<number, number>();
  try {
    await lab.register('234', 5070);
    await lab.register('555', 5071);
    await fc.assert(fc.asyncProperty(request, async (q) => {
      const o = {
        caller: q.caller, called: q.called, domain: q.domain, headers: q.headers, host: q.host,
        ...(q.username !== undefined ? { username: q.username } : {}),
        ...(q.callername !== undefined ? { callername: q.callername } : {}),
        ...(q.type !== undefined ? { type: q.type, body: q.body } : {}),
        ...(q.encoding !== undefined ? { encoding: q.encoding } : {}),
        ...(q.maxForwards !== undefined ? { maxForwards: q.maxForwards } : {}),
      };
      const code = q.kind === 'publish' ? await lab.sip.receivePublish(o) : await lab.sip.receiveMessage({ ...o, path: q.kind });
      codes.set(code, (codes.get(code) ?? 0) + 1);
      assert.ok(Number.isInteger(code) && code >= 200 && code <= 699, `code ${code}`);
      assert.equal(lab.link.dead, false);
    }), { numRuns: RUNS, seed: SEED });
    await lab.emu.rmanager.command('chat stats'); // a last round trip
    lab.emu.assertExactlyOnce();
    assert.deepEqual(lab.link.traffic.filter((l) => l.startsWith('A: ') && !l.startsWith('A: %%')), []);
    assert.deepEqual(lab.emu.log.grep(/Error in:|ExtModReceiver/).map((e) => e.line), []);
    assert.deepEqual(lab.emu.log.entries.filter((e) => e.component === 'stderr').map((e) => e.line), []);
    const offered = lab.link.traffic.filter((l) => l.startsWith('E: %%>message:')).length;
    t.diagnostic(`fuzz-sip seed=${SEED}: ${RUNS} requests, ${offered} messages offered to the module, codes ${JSON.stringify(Object.fromEntries([...codes].sort((a, b) => a[0] - b[0])))}`);
  } finally {
    await lab.close();
  }
});
