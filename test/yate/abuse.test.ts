// On a real Yate, the checks of issue 21 ("Abuse, round two"): an API message from one webhook
// address to another makes at most two POSTs (one: a reply never goes to a webhook); a PUBLISH
// with `Expires: 4294967295` is answered with a bounded Expires and GET /v1/presence stays 200;
// a loopback HTTP face without a token refuses a text/plain POST with an Origin and a GET with
// `Host: evil.example`; a `?password=` in the store's url appears neither in `status` nor in
// Yate's log; check-config exits 2 for YATE_CHAT_PG_URL=mysql://... and for
// offline.expirySeconds 1e15.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { createServer, request } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { test, type TestContext } from 'node:test';
import { LAUNCHER, withYate, type RunningYate } from './engine.js';
import { header } from './sip-wire.js';
import { needsYate, registeredUa, yateInstall } from './suite.js';

const TOKEN = 'yate-suite-token-0123456789';
const SECRET = 'yate-suite-webhook-secret';

/** http://127.0.0.1:PORT of the module's HTTP face, from its banner (the rules ask for port 0). */
async function baseOf(yate: RunningYate): Promise<string> {
  const m = await yate.waitForLog(/yate-chat \S+ ready on stdio: .*, http=(\S+)/, 20000);
  return `http://${m[1]}`;
}

/** A webhook receiver on 127.0.0.1 that always replies; counts its POSTs. */
async function chattyReceiver(t: TestContext): Promise<{ url: string; hits: () => number }> {
  let hits = 0;
  const server = createServer((req, res) => {
    req.resume().on('end', () => {
      hits++;
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ reply: 'and you?' }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(() => new Promise<void>((resolve) => server.close(() => resolve())));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`, hits: () => hits };
}

/** One request with exactly these headers (node:http sends the Host and Origin it is given). */
function raw(base: string, method: string, p: string, headers: Record<string, string>, body?: string): Promise<{ status: number; body: string }> {
  const u = new URL(base);
  return new Promise((resolve, reject) => {
    const req = request({ host: u.hostname, port: u.port, method, path: p, headers }, (res) => {
      let text = '';
      res.setEncoding('utf8').on('data', (d: string) => (text += d)).on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

test('an API message from one webhook address to another makes at most two POSTs: the reply is never routed to a webhook', needsYate, async (t) => {
  const bot1 = await chattyReceiver(t);
  const bot2 = await chattyReceiver(t);
  const rules = { http: { listen: '127.0.0.1:0', token: TOKEN }, webhooks: { bot1: bot1.url, bot2: bot2.url }, webhookSecret: SECRET };
  await withYate(yateInstall(), { sipPath: 'generic', rules }, async (yate) => {
    const base = await baseOf(yate);
    const res = await fetch(`${base}/v1/messages`, {
      method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${TOKEN}` }, body: JSON.stringify({ from: 'bot1', to: 'bot2', body: 'hello' }),
    });
    assert.equal(res.status, 200);
    await yate.waitForLog(/MESSAGE bot2 -> bot1 .*not sent: bot1 is a webhook address/, 15000);
    await yate.rmanager('chat stats'); // a round trip more: nothing else under way
    assert.ok(bot1.hits() + bot2.hits() <= 2, `${bot1.hits() + bot2.hits()} POSTs`);
    assert.deepEqual([bot1.hits(), bot2.hits()], [0, 1]);
  });
});

test('a PUBLISH with Expires: 4294967295 is answered with a bounded Expires, and GET /v1/presence stays 200', needsYate, async (t) => {
  await withYate(yateInstall(), { sipPath: 'generic', rules: { http: { listen: '127.0.0.1:0', token: TOKEN } } }, async (yate) => {
    const base = await baseOf(yate);
    const phone = await registeredUa(t, yate, '234');
    const pidf = '<?xml version="1.0" encoding="UTF-8"?><presence xmlns="urn:ietf:params:xml:ns:pidf" entity="sip:234@127.0.0.1"><tuple id="t"><status><basic>open</basic></status></tuple></presence>';
    const res = await phone.publish(pidf, { expires: 4294967295 });
    assert.equal(res.code, 200);
    const granted = Number(header(res.headers, 'Expires'));
    assert.ok(granted > 0 && granted <= 3600, `Expires: ${header(res.headers, 'Expires')}`);
    const all = await fetch(`${base}/v1/presence`, { headers: { authorization: `Bearer ${TOKEN}` } });
    assert.equal(all.status, 200);
    const [p] = (await all.json()) as { user: string; basic: string; expires: string }[];
    assert.deepEqual([p!.user, p!.basic], ['234', 'open']);
    assert.ok(Date.parse(p!.expires) <= Date.now() + 3600_000 + 5000, p!.expires);
  });
});

test('a loopback HTTP face without a token refuses a text/plain POST with an Origin and a GET with Host: evil.example', needsYate, async (t) => {
  await withYate(yateInstall(), { sipPath: 'generic', rules: { http: { listen: '127.0.0.1:0' } } }, async (yate) => {
    const base = await baseOf(yate);
    const phone = await registeredUa(t, yate, '234');
    const host = new URL(base).host;
    const fromPage = await raw(base, 'POST', '/v1/messages', { host, origin: 'https://evil.example', 'content-type': 'text/plain' }, JSON.stringify({ from: '123', to: '234', body: 'from a web page' }));
    assert.equal(fromPage.status, 403);
    assert.equal((await raw(base, 'GET', '/v1/queue/555', { host: 'evil.example' })).status, 421);
    assert.equal((await raw(base, 'GET', '/v1/queue/555', { host })).status, 200, 'the same GET from a client');
    await yate.rmanager('chat stats');
    assert.equal(phone.received.filter((r) => r.method === 'MESSAGE').length, 0, 'nothing reached the phone');
  });
});

test('a ?password= or sslpassword= in the store url appears neither in status nor anywhere in Yate\'s log', needsYate, async () => {
  const url = 'postgres://yate@127.0.0.1:1/chat?sslmode=disable&password=hunter2&sslpassword=keypass';
  await withYate(yateInstall(), { sipPath: 'generic', rules: { offline: { store: { kind: 'postgres', url } } } }, async (yate) => {
    await yate.waitForLog(/offline store postgres:\/\/\S+ unreachable/, 20000);
    const status = await yate.rmanager('status yate-chat');
    assert.match(status, /store=postgres:\/\/yate@127\.0\.0\.1:1\/chat\?sslmode=disable&password=\*\*\*&sslpassword=\*\*\*/);
    assert.doesNotMatch(status, /hunter2|keypass/);
    assert.doesNotMatch(yate.log(), /hunter2|keypass/);
  });
});

test('check-config exits 2 for YATE_CHAT_PG_URL=mysql://... and for offline.expirySeconds 1e15, saying which', needsYate, async () => {
  await withYate(yateInstall(), { sipPath: 'generic' }, async (yate) => {
    const env = { ...process.env, YATE_CHAT_NODE: process.execPath };
    const pg = path.join(yate.dir, 'pg.json');
    writeFileSync(pg, JSON.stringify({ offline: { store: { kind: 'postgres' } } }));
    const a = spawnSync(LAUNCHER, ['check-config', pg], { encoding: 'utf8', env: { ...env, YATE_CHAT_PG_URL: 'mysql://yate:hunter2@db/chat' } });
    assert.equal(a.status, 2, a.stdout);
    assert.match(a.stderr, /YATE_CHAT_PG_URL \(environment\): expected a postgres:\/\/user@host\[:port\]\/database URL \(not mysql:\)/);
    assert.doesNotMatch(a.stderr, /hunter2/);
    const expiry = path.join(yate.dir, 'expiry.json');
    writeFileSync(expiry, JSON.stringify({ offline: { expirySeconds: 1e15 } }));
    const b = spawnSync(LAUNCHER, ['check-config', expiry], { encoding: 'utf8', env });
    assert.equal(b.status, 2, b.stdout);
    assert.match(b.stderr, /offline\.expirySeconds: expected a positive integer up to 315360000, got 1000000000000000/);
    // The rules the running Yate's module uses still check OK.
    assert.equal(spawnSync(LAUNCHER, ['check-config', yate.rulesPath], { encoding: 'utf8', env }).status, 0);
  });
});
