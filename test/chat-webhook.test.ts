// Webhooks: a MESSAGE to a webhook address is POSTed to a real local receiver by the REAL module
// on the engine emulator, on both SIP paths and from the HTTP API; the sender hears the
// webhook's outcome, and its reply comes back as a MESSAGE from the address.
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { test } from 'node:test';
import { loadConfig } from '../src/config/index.js';
import { route } from '../src/chat/messaging/decide.js';
import { payloadOf, sign } from '../src/chat/messaging/webhook.js';
import { bytes, command, contact, delivered, PATHS, rules, send, sentTo, until, withLab } from './fixtures/chat-lab.js';
import { receiver, SECRET, withHttpLab, withReceiver, type Receiver } from './fixtures/http-lab.js';
import { writeRules } from './config-fixtures.js';

const hookRules = (url: string, extra: Record<string, unknown> = {}) => rules({ webhooks: { bot: url }, webhookSecret: SECRET, ...extra });

test('the routing decision sends a webhook address, or an alias of one, to its URL', () => {
  const config = loadConfig(writeRules({ webhooks: { bot: 'http://127.0.0.1:9/hook' }, webhookSecret: SECRET, aliases: { help: 'bot' } }), { env: {} });
  const devices = () => [];
  assert.deepEqual(route('bot', { config, devices }), { kind: 'webhook', recipient: 'bot', url: 'http://127.0.0.1:9/hook' });
  assert.deepEqual(route('help', { config, devices }), { kind: 'webhook', recipient: 'bot', url: 'http://127.0.0.1:9/hook' });
  assert.equal(route('234', { config, devices }).kind, 'lookup');
});

test('the signature is sha256= and the hex HMAC-SHA256 of the exact body with the secret', () => {
  const body = JSON.stringify(payloadOf({ sender: '123', domain: 'h', called: 'bot', type: 'text/plain', body: 'hi', encoding: '', antiloop: 20, sentAt: 0 }, 'bot'));
  assert.equal(body, '{"from":"123","to":"bot","body":"hi","contentType":"text/plain","date":"1970-01-01T00:00:00.000Z"}');
  assert.equal(sign(SECRET, body), `sha256=${createHmac('sha256', SECRET).update(body).digest('hex')}`);
});

for (const path of PATHS) {
  test(`${path} path: a MESSAGE to the bot is POSTed signed, the sender gets 200, and the bot's reply comes back to the sender from the bot`, async () => {
    await withReceiver((hit) => ({ status: 200, json: { reply: `you said: ${(JSON.parse(hit.body) as { body: string }).body}` } }), async (r) => {
      await withLab({ rules: hookRules(r.url) }, async (lab) => {
        await lab.register('123', 5071);
        assert.equal(await send(lab, path, { called: 'bot', body: bytes('naïve ping'), contentType: 'text/plain;charset=utf-8' }), 200);
        assert.equal(r.hits.length, 1);
        const hit = r.hits[0]!;
        assert.equal(hit.headers['content-type'], 'application/json');
        assert.equal(hit.headers['x-yate-chat-signature'], `sha256=${createHmac('sha256', SECRET).update(hit.body).digest('hex')}`);
        const payload = JSON.parse(hit.body) as Record<string, string>;
        assert.deepEqual({ ...payload, date: 'D' }, { from: '123', to: 'bot', body: 'naïve ping', contentType: 'text/plain;charset=utf-8', date: 'D' });
        assert.ok(Math.abs(Date.parse(payload.date!) - Date.now()) < 60_000);
        const [reply] = await delivered(lab, contact('123', 5071), 1);
        assert.equal(Buffer.from(reply!.body!, 'latin1').toString('utf8'), 'you said: naïve ping');
        assert.equal(reply!.headers.find(([h]) => h === 'From')?.[1], '<sip:bot@127.0.0.1>');
        assert.equal(reply!.headers.find(([h]) => h === 'To')?.[1], '<sip:123@127.0.0.1>');
      });
    });
  });
}

test('an alias of the webhook address reaches the webhook, which is told its own address', async () => {
  await withReceiver(() => ({ status: 204, text: '' }), async (r) => {
    await withLab({ rules: hookRules(r.url, { aliases: { support: 'bot' } }) }, async (lab) => {
      assert.equal(await send(lab, 'generic', { called: 'support' }), 200);
      assert.equal((JSON.parse(r.hits[0]!.body) as { to: string }).to, 'bot');
    });
  });
});

test('a webhook answering 500 gets the sender 503 and sends nothing back', async () => {
  await withReceiver(() => ({ status: 500, json: { reply: 'never sent' } }), async (r) => {
    await withLab({ rules: hookRules(r.url) }, async (lab) => {
      await lab.register('123', 5071);
      for (const path of PATHS) assert.equal(await send(lab, path, { called: 'bot' }), 503, path);
      assert.equal(r.hits.length, 2);
      assert.equal(sentTo(lab, contact('123', 5071)).length, 0);
    });
  });
});

test('a webhook that does not answer within webhookTimeoutMs gets the sender 504', async () => {
  await withReceiver(() => 'hang', async (r) => {
    await withLab({ rules: hookRules(r.url, { webhookTimeoutMs: 300 }) }, async (lab) => {
      for (const path of PATHS) assert.equal(await send(lab, path, { called: 'bot' }), 504, path);
      assert.equal(r.hits.length, 2);
    });
  });
});

test('a webhook that refuses the connection gets the sender 503', async () => {
  const r = await receiver(() => ({ status: 200 }));
  const url = r.url;
  await r.close(); // nothing listens there now
  await withLab({ rules: hookRules(url) }, async (lab) => {
    for (const path of PATHS) assert.equal(await send(lab, path, { called: 'bot' }), 503, path);
    assert.match((await lab.emu.log.waitForLog(/=> 503 webhook of bot unreachable/)).text, /ECONNREFUSED/);
  });
});

test('a 2xx without a usable reply is 200 and sends nothing back: no JSON, a reply that is not text, one too long to send', async () => {
  const answers = [{ status: 200, text: 'ok' }, { status: 200, json: { reply: 42 } }, { status: 200, json: { reply: 'x'.repeat(5000) } }, { status: 202, json: {} }];
  let i = 0;
  await withReceiver(() => answers[i++]!, async (r) => {
    await withLab({ rules: hookRules(r.url) }, async (lab) => {
      await lab.register('123', 5071);
      for (let n = 0; n < answers.length; n++) assert.equal(await send(lab, 'generic', { called: 'bot' }), 200);
      await lab.emu.log.waitForLog(/not sent: the webhook's reply of 5000 bytes exceeds maxBodyBytes 4096/);
      await lab.emu.log.waitForLog(/no reply sent: expected \{"reply": "text"\}/);
      assert.equal(sentTo(lab, contact('123', 5071)).length, 0);
    });
  });
});

test('the reply to an offline sender is kept for them like any message (202) and goes out when they register', async () => {
  await withReceiver(() => ({ status: 200, json: { reply: 'later' } }), async (r) => {
    await withLab({ rules: hookRules(r.url) }, async (lab) => {
      // 555 is defined in regfile but not registered: the reply is kept.
      assert.equal(await send(lab, 'generic', { caller: '555', called: 'bot' }), 200);
      await lab.emu.log.waitForLog(/MESSAGE bot -> 555 .*=> 202 webhook reply: stored for 555/);
      await lab.register('555', 5075);
      const [out] = await delivered(lab, contact('555', 5075), 1);
      assert.equal(out!.body, 'later');
    });
  });
});

test('POST /v1/messages to the bot answers with the webhook\'s outcome and the reply goes to the API sender', async () => {
  await withReceiver(() => ({ status: 200, json: { reply: 'hello API' } }), async (r) => {
    await withHttpLab({ webhooks: { bot: r.url }, webhookSecret: SECRET }, async (lab) => {
      await lab.register('123', 5071);
      const res = await lab.api('/v1/messages', { body: { from: '123', to: 'bot', body: 'hi bot' } });
      assert.equal(res.status, 200);
      assert.deepEqual(await res.json(), { code: 200, detail: 'webhook of bot answered 200, reply follows' });
      assert.equal((JSON.parse(r.hits[0]!.body) as { body: string }).body, 'hi bot');
      const [reply] = await delivered(lab, contact('123', 5071), 1);
      assert.equal(reply!.body, 'hello API');
    });
  });
});

test('the webhook outcome is counted: /metrics has each outcome', async () => {
  let status = 200;
  await withReceiver(() => ({ status }), async (r) => {
    await withHttpLab({ webhooks: { bot: r.url }, webhookSecret: SECRET }, async (lab) => {
      await send(lab, 'generic', { called: 'bot' });
      status = 404;
      await send(lab, 'native', { called: 'bot' });
      const text = await until('the metrics', async () => (await fetch(`${lab.base}/metrics`)).text());
      assert.match(text, /^yatechat_webhook_calls_total\{outcome="ok"\} 1$/m);
      assert.match(text, /^yatechat_webhook_calls_total\{outcome="refused"\} 1$/m);
      assert.match(text, /^yatechat_messages_total\{path="generic",code="200"\} 1$/m);
      assert.match(text, /^yatechat_messages_total\{path="native",code="503"\} 1$/m);
    });
  });
});

// Issue 21, finding 1: a webhook's reply went back to its sender even when that sender was a
// webhook address itself, which replied again, and so on (254 POSTs in 3 s from one API request).
const chatty = () => ({ status: 200, json: { reply: 'and you?' } });

test('an API message from one webhook address to another makes one POST: the reply is never routed to a webhook address', async () => {
  await withReceiver(chatty, async (r1) => {
    await withReceiver(chatty, async (r2) => {
      await withHttpLab({ webhooks: { bot1: r1.url, bot2: r2.url }, webhookSecret: SECRET }, async (lab) => {
        const res = await lab.api('/v1/messages', { body: { from: 'bot1', to: 'bot2', body: 'hello' } });
        assert.equal(res.status, 200);
        await lab.emu.log.waitForLog(/MESSAGE bot2 -> bot1 .*not sent: bot1 is a webhook address/);
        await command(lab, 'chat stats'); // a round trip more: nothing else was under way
        assert.deepEqual([r1.hits.length, r2.hits.length], [0, 1]);
      });
    });
  });
});

test('an API message from a webhook address to itself makes one POST and no reply', async () => {
  await withReceiver(chatty, async (r) => {
    await withHttpLab({ webhooks: { bot: r.url }, webhookSecret: SECRET }, async (lab) => {
      assert.equal((await lab.api('/v1/messages', { body: { from: 'bot', to: 'bot', body: 'hello me' } })).status, 200);
      await lab.emu.log.waitForLog(/MESSAGE bot -> bot .*not sent: bot is a webhook address/);
      await command(lab, 'chat stats');
      assert.equal(r.hits.length, 1);
    });
  });
});

test('with allowUnauthenticated, a SIP client claiming From bot1 to bot2 makes one POST, on both paths', async () => {
  await withReceiver(chatty, async (r1) => {
    await withReceiver(chatty, async (r2) => {
      const extra = { webhooks: { bot1: r1.url, bot2: r2.url }, webhookSecret: SECRET, allowUnauthenticated: true };
      await withLab({ rules: rules(extra), ysipchan: { auth: false } }, async (lab) => {
        for (const path of PATHS) assert.equal(await send(lab, path, { caller: 'bot1', called: 'bot2' }), 200, path);
        await until('both replies refused', () => lab.emu.log.grep(/not sent: bot1 is a webhook address/).length === 2);
        await command(lab, 'chat stats');
        assert.deepEqual([r1.hits.length, r2.hits.length], [0, 2]);
      });
    });
  });
});

test('a webhook\'s reply carries the antiloop of the message it answers, less one, and takes from the webhook address\'s own rate bucket', async () => {
  await withReceiver(chatty, async (r) => {
    await withLab({ rules: rules({ webhooks: { bot: r.url }, webhookSecret: SECRET, rateLimit: { messages: 2, intervalSeconds: 3600 } }) }, async (lab) => {
      await lab.register('123', 5071);
      await lab.register('234', 5072);
      assert.equal(await send(lab, 'generic', { called: 'bot', maxForwards: 10 }), 200);
      const [first] = await delivered(lab, contact('123', 5071), 1);
      // ysipchan: antiloop = Max-Forwards - 1 = 9; the reply is one hop further: 8.
      assert.equal(first!.maxForwards, 8);
      // 234's MESSAGE takes 234's token; the second reply the bot's second; the third none is left.
      assert.equal(await send(lab, 'generic', { caller: '234', called: 'bot' }), 200);
      await delivered(lab, contact('234', 5072), 1);
      assert.equal(await send(lab, 'generic', { caller: '234', called: 'bot' }), 200);
      await lab.emu.log.waitForLog(/MESSAGE bot -> 234 .*not sent: the replies of webhook bot are over the rate limit/);
      assert.equal(sentTo(lab, contact('234', 5072)).length, 1);
    });
  });
});
