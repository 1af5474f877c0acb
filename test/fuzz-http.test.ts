// Fuzz (issue 21): the HTTP face of the REAL module on the emulator, with random requests: every
// method, paths with odd encodings and lengths, the token right, wrong, malformed or missing,
// any Content-Type, Origin and Host, JSON of every shape and bytes that are no JSON, bodies over
// the limit; and a share of raw TCP garbage. Checked: each request gets an answer with a status
// the README documents, JSON but for /metrics, never an internal error; the module stays up,
// answers every message Yate offered exactly once, and writes nothing but protocol lines.
// FUZZ_HTTP sets the number of requests (`npm run fuzz`: 20000); FUZZ_SEED replays a run.
import assert from 'node:assert/strict';
import { request } from 'node:http';
import net from 'node:net';
import { test } from 'node:test';
import fc from 'fast-check';
import { startLab } from '../src/demo/lab.js';
import { httpAddress, TOKEN } from './fixtures/http-lab.js';

const RUNS = Number(process.env['FUZZ_HTTP'] ?? 300);
const SEED = Number(process.env['FUZZ_SEED'] ?? 0x5eed);

/** Every status the face answers with (README, "The HTTP face"). */
const DOCUMENTED = new Set([200, 202, 400, 401, 403, 404, 413, 415, 421, 429, 502, 503, 504, 508]);

const printable = (maxLength: number) => fc.string({ unit: fc.integer({ min: 0x20, max: 0x7e }).map((c) => String.fromCharCode(c)), maxLength });
const text = fc.oneof(fc.constantFrom('123', '234', '555', '999', 'bot', '', '__proto__', 'a@b', 'x'.repeat(300)), fc.string({ maxLength: 40, unit: 'grapheme' }));
const segment = fc.oneof(fc.constantFrom('555', '234', '%00', '..%2f..', '%E9', '%ZZ', 'a%20b', '__proto__', 'x'.repeat(2000)), printable(20).map(encodeURIComponent));
const path = fc.oneof(
  { weight: 6, arbitrary: fc.constantFrom('/metrics', '/v1/messages', '/v1/queue', '/v1/presence', '/', '/v1', '/v1/', '/metrics/', '/v1/messages/x', '//v1/queue') },
  { weight: 4, arbitrary: fc.tuple(fc.constantFrom('/v1/queue/', '/v1/presence/', '/v1/'), segment).map(([a, b]) => a + b) },
  { weight: 1, arbitrary: fc.tuple(fc.array(segment, { maxLength: 4 }), fc.option(printable(30).map(encodeURIComponent), { nil: undefined })).map(([s, q]) => `/${s.join('/')}${q === undefined ? '' : `?${q}`}`) },
);
const json = fc.oneof(
  { weight: 5, arbitrary: fc.record({ from: text, to: text, body: text, contentType: fc.constantFrom('text/plain', 'text/plain;charset=utf-8', 'x', 'a/b;\r\nx', 'image/png') }, { requiredKeys: ['from', 'to', 'body'] }).map((o) => JSON.stringify(o)) },
  { weight: 2, arbitrary: fc.jsonValue({ maxDepth: 3 }).map((v) => JSON.stringify(v)) },
  { weight: 1, arbitrary: fc.constantFrom('{"from":"123","to":"234","body":"hi","extra":1}', '{"__proto__":{"from":"x"}}', '[', '{"from":', 'null', '"', '{"body":' + '"x"'.repeat(1) + ',"from":"123","to":"555"}') },
);
const body = fc.option(fc.oneof(
  { weight: 8, arbitrary: json },
  { weight: 2, arbitrary: fc.uint8Array({ maxLength: 300 }).map((b) => Buffer.from(b).toString('latin1')) },
  { weight: 1, arbitrary: fc.constant('x'.repeat(140 * 1024)) },
), { nil: undefined, freq: 4 });
/** Absent `absent` times in `absent + present`; else a value, mostly a known one. */
const sometimes = <T>(value: fc.Arbitrary<T>, absent: number, present = 1) => fc.oneof({ weight: absent, arbitrary: fc.constant(undefined) }, { weight: present, arbitrary: value });
const headerValue = (...known: string[]) => sometimes(fc.oneof({ weight: 4, arbitrary: fc.constantFrom(...known) }, { weight: 1, arbitrary: printable(40) }), 1, 3);

const anyRequest = fc.record({
  method: fc.oneof({ weight: 6, arbitrary: fc.constantFrom('GET', 'POST') }, { weight: 1, arbitrary: fc.constantFrom('PUT', 'DELETE', 'HEAD', 'OPTIONS', 'PATCH', 'TRACE') }),
  path,
  authorization: headerValue(`Bearer ${TOKEN}`, 'Bearer wrong-token-0123456789', 'Bearer', 'Basic dXNlcjpwdw==', `bearer ${TOKEN}`, `Bearer ${TOKEN} x`),
  contentType: headerValue('application/json', 'application/json; charset=utf-8', 'text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', 'application/jsonx'),
  origin: sometimes(fc.constantFrom('https://evil.example', 'null', 'http://127.0.0.1:8090'), 9),
  host: sometimes(fc.constantFrom('evil.example', 'localhost', '127.0.0.1', '[::1]:1', 'LOCALHOST:80', '127.0.0.1.evil.example', ''), 6),
  body,
});

/** What a client of the API sends (the token, JSON), with random users, texts and types. */
const clientRequest = fc.oneof(
  { weight: 3, arbitrary: json.map((b) => ({ method: 'POST', path: '/v1/messages', body: b })) },
  { weight: 1, arbitrary: fc.tuple(fc.constantFrom('/v1/queue/', '/v1/presence/'), segment).map(([p, s]) => ({ method: 'GET', path: p + s, body: undefined })) },
).map((r) => ({ ...r, authorization: `Bearer ${TOKEN}`, contentType: r.body === undefined ? undefined : 'application/json', origin: undefined, host: undefined }));
const httpRequest = fc.oneof({ weight: 1, arbitrary: anyRequest }, { weight: 1, arbitrary: clientRequest });

/** Raw bytes written to the face's socket: garbage, a request cut short, several at once. */
const garbage = fc.oneof(
  fc.uint8Array({ minLength: 1, maxLength: 500 }).map((b) => Buffer.from(b)),
  fc.constantFrom(
    'GET /metrics HTTP/1.1\r\nHost: 127.0.0.1\r\n', 'POST /v1/messages HTTP/1.1\r\nContent-Length: 99999\r\n\r\n{',
    'GET / HTTP/1.1\r\nHost: a\r\n\r\nGET /metrics HTTP/1.1\r\nHost: b\r\n\r\n', 'GET /v1/queue HTTP/1.1\r\nTransfer-Encoding: chunked\r\nContent-Length: 3\r\n\r\n0\r\n\r\n',
    `GET /${'a'.repeat(70_000)} HTTP/1.1\r\n\r\n`, '\r\n\r\n\r\n', 'PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n',
  ).map((s) => Buffer.from(s, 'latin1')),
);

interface Answer { status: number; contentType: string; body: string }
type HttpRequest = typeof httpRequest extends fc.Arbitrary<infer T> ? T : never;

function send(host: string, port: number, q: HttpRequest): Promise<Answer> {
  const headers: Record<string, string> = {};
  if (q.authorization !== undefined) headers['authorization'] = q.authorization;
  if (q.contentType !== undefined) headers['content-type'] = q.contentType;
  if (q.origin !== undefined) headers['origin'] = q.origin;
  if (q.host !== undefined) headers['host'] = q.host;
  const payload = q.body === undefined ? undefined : Buffer.from(q.body, 'latin1');
  if (payload) headers['content-length'] = String(payload.length);
  return new Promise((resolve, reject) => {
    const req = request({ host, port, method: q.method, path: q.path, headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c)).on('end', () => resolve({ status: res.statusCode ?? 0, contentType: String(res.headers['content-type'] ?? ''), body: Buffer.concat(chunks).toString('utf8') }));
    });
    req.on('error', reject);
    req.end(payload);
  });
}

/** Write `bytes`, read whatever comes back until the face closes or a second passes. */
function raw(host: string, port: number, bytes: Buffer): Promise<string> {
  return new Promise((resolve) => {
    let got = '';
    const s = net.connect(port, host, () => s.end(bytes));
    s.on('data', (d: Buffer) => (got += d.toString('latin1')));
    const done = () => resolve(got);
    s.on('close', done).on('error', () => undefined);
    s.setTimeout(1000, () => s.destroy());
  });
}

test(`${RUNS} random HTTP requests and raw garbage on the HTTP face: a documented status each, JSON but for /metrics, never an internal error, every offered message answered once`, { timeout: 60 * 60_000 }, async (t) => {
  const lab = await startLab({
    rules: {
      rateLimit: false, offline: { store: { kind: 'memory' }, knownUsers: 'anyone', maxMessages: 1000 },
      http: { listen: '127.0.0.1:0', token: TOKEN }, delivery: { waitMs: 300 },
    },
  });
  const statuses = new Map<number, number>();
  let garbageSent = 0;
  try {
    await lab.register('234', 5070);
    const [host, portText] = (await httpAddress(lab)).split(':');
    const port = Number(portText);
    await fc.assert(fc.asyncProperty(fc.oneof({ weight: 9, arbitrary: httpRequest.map((q) => ({ q })) }, { weight: 1, arbitrary: garbage.map((g) => ({ g })) }), async (x) => {
      if ('g' in x) {
        garbageSent++;
        const answer = await raw(host!, port, x.g);
        assert.doesNotMatch(answer, /HTTP\/1\.1 500/);
      } else {
        const a = await send(host!, port, x.q);
        statuses.set(a.status, (statuses.get(a.status) ?? 0) + 1);
        assert.ok(DOCUMENTED.has(a.status), `status ${a.status} for ${x.q.method} ${x.q.path}: ${a.body.slice(0, 200)}`);
        if (x.q.method !== 'HEAD' && !(a.status === 200 && x.q.path.startsWith('/metrics'))) {
          assert.match(a.contentType, /^application\/json/, `${x.q.method} ${x.q.path} ${a.status}`);
          JSON.parse(a.body);
        }
      }
      assert.equal(lab.link.dead, false);
    }), { numRuns: RUNS, seed: SEED });
    await lab.emu.rmanager.command('chat stats'); // a last round trip
    lab.emu.assertExactlyOnce();
    assert.deepEqual(lab.link.traffic.filter((l) => l.startsWith('A: ') && !l.startsWith('A: %%')), []);
    assert.deepEqual(lab.emu.log.grep(/http: .* failed:|Error in:/).map((e) => e.line), []);
    assert.deepEqual(lab.emu.log.entries.filter((e) => e.component === 'stderr').map((e) => e.line), []);
    t.diagnostic(`fuzz-http seed=${SEED}: ${RUNS} inputs (${garbageSent} raw garbage), statuses ${JSON.stringify(Object.fromEntries([...statuses].sort((a, b) => a[0] - b[0])))}`);
  } finally {
    await lab.close();
  }
});
