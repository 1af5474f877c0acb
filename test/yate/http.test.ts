// On a real Yate, with the rules' `http` on: the send API delivers to a registered phone and
// answers 200 with "code": 200, refuses a request without the token with 401, and /metrics
// counts it, GET /healthz answers 200 without a token; a MESSAGE from a phone to a webhook address reaches a real local receiver, and
// the receiver's reply comes back to the phone as a MESSAGE from that address.
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { test } from 'node:test';
import type { SipPath } from './configs.js';
import { withYate, type RunningYate } from './engine.js';
import { header, uriOf } from './sip-wire.js';
import { needsYate, registeredUa, yateInstall } from './suite.js';

const PATHS: SipPath[] = ['generic', 'native'];
const TOKEN = 'yate-suite-token-0123456789';
const SECRET = 'yate-suite-webhook-secret';

/** http://127.0.0.1:PORT of the module's HTTP face, from its banner (the rules ask for port 0). */
async function baseOf(yate: RunningYate): Promise<string> {
  const m = await yate.waitForLog(/yate-chat \S+ ready on stdio: .*, http=(\S+)/, 20000);
  return `http://${m[1]}`;
}

for (const sipPath of PATHS) {
  test(`${sipPath} path: POST /v1/messages delivers to a registered phone and answers 200 with "code": 200; without the token 401; /metrics counts it`, needsYate, async (t) => {
    await withYate(yateInstall(), { sipPath, rules: { http: { listen: '127.0.0.1:0', token: TOKEN } } }, async (yate) => {
      const base = await baseOf(yate);
      const bob = await registeredUa(t, yate, '234');
      const send = (headers: Record<string, string>) => fetch(`${base}/v1/messages`, {
        method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify({ from: '123', to: '234', body: 'hello from curl' }),
      });

      const res = await send({ authorization: `Bearer ${TOKEN}` });
      assert.equal(res.status, 200);
      const json = (await res.json()) as { code: number; detail: string };
      assert.equal(json.code, 200, json.detail);
      const got = await bob.waitForRequest((r) => r.method === 'MESSAGE');
      assert.equal(got.body.toString('utf8'), 'hello from curl');
      assert.equal(header(got.headers, 'Content-Type'), 'text/plain');

      const refused = await send({});
      assert.equal(refused.status, 401);
      assert.equal((await send({ authorization: 'Bearer not-the-token-0123456789' })).status, 401);
      assert.equal(bob.received.filter((r) => r.method === 'MESSAGE').length, 1, 'nothing sent without the token');

      const health = await fetch(`${base}/healthz`);
      assert.deepEqual([health.status, await health.json()], [200, { status: 'ok', engine: 'up', store: 'ok', subscriptions: 'ok' }]);

      const metrics = await (await fetch(`${base}/metrics`)).text();
      assert.match(metrics, /^yatechat_messages_total\{path="http",code="200"\} 1$/m);
      assert.match(metrics, /^yatechat_engine_roundtrip_seconds_count [1-9]/m);
    });
  });

  test(`${sipPath} path: a MESSAGE from a phone to the bot reaches the webhook receiver, signed, and its reply comes back to the phone from the bot`, needsYate, async (t) => {
    const hits: { signature: string | undefined; body: string }[] = [];
    const receiver = createServer((req, res) => {
      let body = '';
      req.setEncoding('utf8');
      req.on('data', (d: string) => (body += d));
      req.on('end', () => {
        hits.push({ signature: req.headers['x-yate-chat-signature'] as string | undefined, body });
        const text = (JSON.parse(body) as { body: string }).body;
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ reply: `bot heard: ${text}` }));
      });
    });
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    t.after(() => new Promise<void>((resolve) => receiver.close(() => resolve())));
    const url = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`;

    await withYate(yateInstall(), { sipPath, rules: { webhooks: { bot: url }, webhookSecret: SECRET } }, async (yate) => {
      const phone = await registeredUa(t, yate, '123');
      const res = await phone.message('bot', 'ping');
      assert.equal(res.code, 200);
      assert.equal(hits.length, 1);
      assert.equal(hits[0]!.signature, `sha256=${createHmac('sha256', SECRET).update(hits[0]!.body).digest('hex')}`);
      const payload = JSON.parse(hits[0]!.body) as Record<string, string>;
      assert.deepEqual([payload.from, payload.to, payload.body], ['123', 'bot', 'ping']);
      assert.match(payload.contentType ?? '', /^text\/plain\b/);
      const reply = await phone.waitForRequest((r) => r.method === 'MESSAGE');
      assert.equal(reply.body.toString('utf8'), 'bot heard: ping');
      assert.equal(uriOf(header(reply.headers, 'From') ?? ''), 'sip:bot@127.0.0.1');
      assert.equal(uriOf(header(reply.headers, 'To') ?? ''), 'sip:123@127.0.0.1');
    });
  });
}
