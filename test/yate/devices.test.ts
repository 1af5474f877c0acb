// On a real Yate (regfile loaded: it keeps only the latest REGISTER of a user), on both MESSAGE
// paths: a user registered from two devices gets a MESSAGE on both; a device that answered 480
// gets its copy when it registers again; a device registering for the first time seconds later
// gets the recent message; a device whose Contact URI carries RFC 8599 push parameters and does
// not take a message is woken through push.url (a real local receiver) and gets the message
// when it registers; two Linphone clients registered as one user both show a message.
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createHmac } from 'node:crypto';
import { test, type TestContext } from 'node:test';
import type { SipPath } from './configs.js';
import { withYate, type RunningYate } from './engine.js';
import { needs, phonesOn, versions } from './phones.js';
import { header, uriOf } from './sip-wire.js';
import type { Ua, UaOptions } from './sip-ua.js';
import { needsYate, sleep, uaFor, until, yateInstall } from './suite.js';

const PATHS: SipPath[] = ['generic', 'native'];
const SECRET = 'yate-suite-push-secret-0123';

/** A device of 234: its own UA (its own port, so its own Contact), registered. */
async function device(t: TestContext, yate: RunningYate, extra: Partial<UaOptions> = {}): Promise<Ua> {
  const ua = await uaFor(t, yate, '234', extra);
  const res = await ua.register();
  assert.equal(res.code, 200, `REGISTER answered ${res.code} ${res.reason}`);
  return ua;
}

const messages = (ua: Ua): string[] => ua.received.filter((r) => r.method === 'MESSAGE').map((r) => r.body.toString('utf8'));

for (const sipPath of PATHS) {
  test(`${sipPath} path: a user registered from two devices (regfile keeps the latest) gets a MESSAGE on both, the sender 200`, needsYate, async (t) => {
    await withYate(yateInstall(), { sipPath }, async (yate) => {
      const desk = await device(t, yate);
      const mobile = await device(t, yate);
      const alice = await uaFor(t, yate, '123');
      assert.equal((await alice.message('234', 'to every device')).code, 200);
      const [a, b] = await Promise.all([desk, mobile].map((ua) => ua.waitForRequest((r) => r.method === 'MESSAGE')));
      for (const [got, ua] of [[a!, desk], [b!, mobile]] as const) {
        assert.equal(got.uri, ua.contact);
        assert.equal(uriOf(header(got.headers, 'From') ?? ''), 'sip:123@127.0.0.1');
        assert.equal(uriOf(header(got.headers, 'To') ?? ''), 'sip:234@127.0.0.1');
      }
      await sleep(300);
      assert.deepEqual([messages(desk), messages(mobile)], [['to every device'], ['to every device']]);
      assert.match(await yate.rmanager('chat devices 234'), new RegExp(`${desk.contact} .*\\r\\n${mobile.contact} `));
    });
  });

  test(`${sipPath} path: a device that answered 480 gets its copy when it registers again; the one that took it does not get it twice`, needsYate, async (t) => {
    await withYate(yateInstall(), { sipPath }, async (yate) => {
      const desk = await device(t, yate);
      const mobile = await device(t, yate);
      mobile.answer = (r) => (r.method === 'MESSAGE' ? 480 : 200);
      const alice = await uaFor(t, yate, '123');
      assert.equal((await alice.message('234', 'catch up later')).code, 200);
      await until('the copy kept for the mobile', async () => /owed 1\r\n/.test(await yate.rmanager('chat devices 234')));
      mobile.answer = () => 200;
      assert.equal((await mobile.register()).code, 200);
      await until('the mobile to get its copy', () => messages(mobile).includes('catch up later'));
      assert.equal((await desk.register()).code, 200);
      await sleep(500);
      assert.deepEqual(messages(desk), ['catch up later']);
      assert.deepEqual(messages(mobile), ['catch up later', 'catch up later'], 'the 480 it answered, then its copy');
      assert.match(await yate.rmanager('chat stats'), /late_delivered: 1\r\n/);
    });
  });

  test(`${sipPath} path: a device registering for the first time seconds after a message gets that recent message, once`, needsYate, async (t) => {
    await withYate(yateInstall(), { sipPath }, async (yate) => {
      const desk = await device(t, yate);
      const mobile = await device(t, yate);
      const alice = await uaFor(t, yate, '123');
      assert.equal((await alice.message('234', 'what did I miss?')).code, 200);
      await until('both copies', () => messages(desk).length && messages(mobile).length);
      await sleep(2000);
      const tablet = await device(t, yate);
      await until('the new device to get the recent message', () => messages(tablet).length);
      assert.equal((await tablet.register()).code, 200);
      await sleep(500);
      assert.deepEqual([messages(desk), messages(mobile), messages(tablet)], [['what did I miss?'], ['what did I miss?'], ['what did I miss?']]);
    });
  });
}

interface PushHit {
  readonly headers: IncomingMessage['headers'];
  readonly body: string;
}

/** A push gateway on 127.0.0.1 that records each request and answers 200. */
async function gateway(t: TestContext): Promise<{ url: string; hits: PushHit[] }> {
  const hits: PushHit[] = [];
  const server = createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8').on('data', (d: string) => (body += d)).on('end', () => {
      hits.push({ headers: req.headers, body });
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(() => new Promise<void>((resolve) => {
    server.closeAllConnections();
    server.close(() => resolve());
  }));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/wake`, hits };
}

for (const sipPath of PATHS) {
  test(`${sipPath} path: a device with ;pn-provider=fcm;pn-prid=...;pn-param=... in its Contact URI that does not take a MESSAGE is woken through push.url (the prid in the body) and gets the message when it registers`, needsYate, async (t) => {
    const gw = await gateway(t);
    await withYate(yateInstall(), { sipPath, rules: { push: { url: gw.url, secret: SECRET } } }, async (yate) => {
      const prid = 'dQw4w9WgXcQ:APA91bHun4MxP5egoKMwt2KZFBaFUH-1RYqx';
      const phone = await device(t, yate, { contactUriParams: `;pn-provider=fcm;pn-prid=${prid};pn-param=yate-chat-suite`, contactHeaderParams: ';+sip.instance="<urn:uuid:0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0>"' });
      phone.answer = (r) => (r.method === 'MESSAGE' ? 480 : 200);
      const alice = await uaFor(t, yate, '123');
      assert.equal((await alice.message('234', 'wake up')).code, 202);
      const hit = await until('the push request', () => gw.hits[0]);
      const json = JSON.parse(hit.body) as Record<string, string>;
      assert.deepEqual([json.provider, json.prid, json.param, json.sender, json.recipient, json.device, json.type],
        ['fcm', prid, 'yate-chat-suite', '123', '234', 'urn:uuid:0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0', 'text/plain;charset=utf-8']);
      assert.equal(hit.headers['x-yate-chat-signature'], `sha256=${createHmac('sha256', SECRET).update(hit.body).digest('hex')}`);
      // The app wakes and registers: its copy goes out.
      phone.answer = () => 200;
      assert.equal((await phone.register()).code, 200);
      await until('the woken phone to get the message', () => messages(phone).length === 2);
      const last = phone.received.filter((r) => r.method === 'MESSAGE').at(-1)!;
      assert.equal(last.uri, phone.contact, 'sent to the Contact with its push parameters');
      assert.equal(last.body.toString('utf8'), 'wake up');
      assert.equal(gw.hits.length, 1);
      assert.match(await yate.rmanager('chat stats'), /pushes: 1\r\n/);
    });
  });
}

for (const sipPath of PATHS) {
  test(`${sipPath} path: two Linphone clients registered as one user both show a message`, needs('linphone'), async (t) => {
    t.diagnostic(versions());
    await withYate(yateInstall(), { sipPath }, async (yate) => {
      const phones = phonesOn(t, yate);
      try {
        const sender = await phones.linphone('123', { publish: false });
        const desk = await phones.linphone('234', { publish: false });
        const laptop = await phones.linphone('234', { publish: false });
        await Promise.all([sender.registered(), desk.registered(), laptop.registered()]);
        await until('both devices of 234 in the view', async () => (await yate.rmanager('chat devices 234')).split('\r\n').filter(Boolean).length === 2, 30000);
        sender.chat('234', 'hello both of you');
        await Promise.all([desk, laptop].map((p) => p.waitOutput(/Message received from sip:123@127\.0\.0\.1: hello both of you/)));
        assert.match(await yate.rmanager('chat stats'), /forks: 1\r\n/);
      } finally {
        await phones.quitAll();
      }
    });
  });
}
