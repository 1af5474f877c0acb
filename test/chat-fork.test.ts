// Every device, every time: a MESSAGE for a user registered from several devices (regfile keeps
// only the latest) goes to each, a device that did not take it gets its copy when it registers
// again, a device that registers for the first time soon after gets the recent messages, and a
// device that may sleep (RFC 8599) is woken through the push gateway. The REAL module on the
// engine emulator, on both SIP paths.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Lab } from '../src/demo/lab.js';
import type { SipRequest } from '../src/emulator/index.js';
import { command, contact, PATHS, rules, send, until, withLab } from './fixtures/chat-lab.js';
import { receiver, SECRET, type Receiver } from './fixtures/http-lab.js';

/** Answers per contact port (e.g. {5071: 480}); a contact not named answers 200. */
function answers(by: Record<number, number | { code: number; delay: number }>) {
  return (req: SipRequest) => {
    const port = Number(/:(\d+)(?:;|$)/.exec(req.uri)?.[1]);
    return by[port];
  };
}

/** MESSAGEs that reached `port` (answered 2xx), their bodies. */
const got = (lab: Lab, port: number): string[] =>
  lab.sip.sent.filter((r) => r.method === 'MESSAGE' && r.uri.startsWith(contact('234', port)) && r.code !== null && r.code >= 200 && r.code < 300).map((r) => r.body ?? '');

/** One counter of `chat stats`. */
const statsOf = async (lab: Lab, key: string): Promise<string> => new RegExp(`\\r\\n${key}: (\\S+)\\r\\n`).exec(await command(lab, 'chat stats'))?.[1] ?? '';

for (const path of PATHS) {
  test(`${path} path: a user registered from two devices gets a MESSAGE on both, the sender 200`, async () => {
    await withLab({}, async (lab) => {
      await lab.register('234', 5070);
      await lab.register('234', 5071);
      assert.equal(await send(lab, path, { body: 'to both' }), 200);
      await until('both copies', () => got(lab, 5070).length && got(lab, 5071).length);
      assert.deepEqual([got(lab, 5070), got(lab, 5071)], [['to both'], ['to both']]);
      assert.equal(await statsOf(lab, 'forks'), '1');
    });
  });

  test(`${path} path: a device that answered 480 gets its copy when it registers again, the one that took it never again`, async () => {
    await withLab({ ysipchan: { responder: answers({ 5071: 480 }) } }, async (lab) => {
      await lab.register('234', 5070);
      await lab.register('234', 5071);
      assert.equal(await send(lab, path, { body: 'one took it' }), 200);
      await until('the copy kept for 5071', async () => /owed 1$/m.test(await command(lab, 'chat devices 234')));
      assert.match(await command(lab, 'chat devices 234'), /^sip:234@127\.0\.0\.1:5070 .*owed 0\r\nsip:234@127\.0\.0\.1:5071 .*owed 1\r\n$/);
      lab.sip.opts.responder = undefined;
      await lab.register('234', 5071);
      await until('the late copy', () => got(lab, 5071).length);
      await lab.register('234', 5070);
      await new Promise((r) => setTimeout(r, 200));
      assert.deepEqual([got(lab, 5070), got(lab, 5071)], [['one took it'], ['one took it']]);
      assert.equal(await statsOf(lab, 'late_delivered'), '1');
      assert.match(await command(lab, 'chat queue'), /no stored messages/, 'nothing waits: kept only for the late window');
    });
  });

  test(`${path} path: a device registering for the first time within the late window gets the recent message once, one after it nothing`, async () => {
    await withLab({ rules: rules({ offline: { lateWindowSeconds: 2 } }) }, async (lab) => {
      await lab.register('234', 5070);
      await lab.register('234', 5071);
      assert.equal(await send(lab, path, { body: 'recent' }), 200);
      await until('both copies', () => got(lab, 5070).length && got(lab, 5071).length);
      await new Promise((r) => setTimeout(r, 100)); // the late-window record is written once both answered
      await lab.register('234', 5072);
      await until('the third device\'s copy', () => got(lab, 5072).length);
      await lab.register('234', 5072);
      await new Promise((r) => setTimeout(r, 2100));
      await lab.register('234', 5073);
      await new Promise((r) => setTimeout(r, 300));
      assert.deepEqual([got(lab, 5072), got(lab, 5073)], [['recent'], []]);
    });
  });

  test(`${path} path: every device refusing for good (486, 603) gives the sender the best refusal and keeps nothing`, async () => {
    await withLab({ ysipchan: { responder: answers({ 5070: 486, 5071: 603 }) } }, async (lab) => {
      await lab.register('234', 5070);
      await lab.register('234', 5071);
      assert.equal(await send(lab, path, { body: 'no' }), 603);
      assert.match(await command(lab, 'chat queue'), /no stored messages/);
    });
  });

  test(`${path} path: no device taking it but one answering 480 gives 202, and that device its copy when it registers again`, async () => {
    await withLab({ ysipchan: { responder: answers({ 5070: 486, 5071: 480 }) } }, async (lab) => {
      await lab.register('234', 5070);
      await lab.register('234', 5071);
      assert.equal(await send(lab, path, { body: 'kept for one' }), 202);
      assert.match(await command(lab, 'chat queue'), /^234: 1 waiting/m);
      lab.sip.opts.responder = undefined;
      await lab.register('234', 5070);
      await lab.register('234', 5071);
      await until('the copy', () => got(lab, 5071).length);
      await new Promise((r) => setTimeout(r, 200));
      assert.deepEqual([got(lab, 5070), got(lab, 5071)], [[], ['kept for one']], 'the device that refused for good never gets it');
    });
  });
}

test('devices slower than delivery.waitMs: the sender gets 202 once their copies are kept; a device that then takes its copy does not get it again', async () => {
  await withLab({ rules: rules({ delivery: { waitMs: 200 } }), ysipchan: { responder: answers({ 5070: { code: 200, delay: 600 }, 5071: { code: 480, delay: 600 } }) } }, async (lab) => {
    await lab.register('234', 5070);
    await lab.register('234', 5071);
    assert.equal(await send(lab, 'generic', { body: 'slow' }), 202);
    await until('both answers', () => lab.sip.sent.filter((r) => r.code !== null).length === 2);
    await until('5070 settled', async () => /5070 .*owed 0\r\n.*owed 1\r\n$/s.test(await command(lab, 'chat devices 234')));
    lab.sip.opts.responder = undefined;
    await lab.register('234', 5070);
    await lab.register('234', 5071);
    await until('5071\'s copy', () => got(lab, 5071).length);
    await new Promise((r) => setTimeout(r, 200));
    assert.deepEqual([got(lab, 5070), got(lab, 5071)], [['slow'], ['slow']]);
  });
});

test('one device without push parameters still takes the fast path: handed to ysipchan, nothing emitted, no fork', async () => {
  await withLab({}, async (lab) => {
    await lab.register('234', 5070);
    for (const path of PATHS) {
      const before = lab.link.cost.counts();
      assert.equal(await send(lab, path, { body: 'fast' }), 200);
      assert.deepEqual(lab.link.cost.since(before).emitted, {});
    }
    assert.equal(await statsOf(lab, 'handed'), '2');
    assert.equal(await statsOf(lab, 'forks'), '0');
  });
});

const PUSH_CONTACT = (port: number, prid: string) => `sip:234@127.0.0.1:${port};pn-provider=fcm;pn-prid=${prid};pn-param=proj-1`;

async function withPushLab(body: (lab: Lab, gw: Receiver) => Promise<void>, answer = 480): Promise<void> {
  const gw = await receiver(() => ({ status: 200 }));
  try {
    await withLab({ rules: rules({ push: { url: gw.url, secret: SECRET } }), ysipchan: { responder: (req) => (req.uri.includes('pn-prid') ? answer : undefined) } }, (lab) => body(lab, gw));
  } finally {
    await gw.close();
  }
}

for (const path of PATHS) {
  test(`${path} path: a device with RFC 8599 push parameters that does not take a MESSAGE is woken through push.url, and gets it when it registers`, async () => {
    await withPushLab(async (lab, gw) => {
      await lab.sip.receiveRegister({ user: '234', contact: PUSH_CONTACT(5080, 'tok-123'), contactParams: ';+sip.instance="<urn:uuid:phone-1>"' });
      assert.equal(await send(lab, path, { body: 'wake up' }), 202);
      const hit = await until('the push', () => gw.hits[0]);
      const json = JSON.parse(hit.body) as Record<string, string>;
      assert.deepEqual([json.provider, json.prid, json.param, json.sender, json.recipient, json.device, json.type], ['fcm', 'tok-123', 'proj-1', '123', '234', 'urn:uuid:phone-1', 'text/plain']);
      assert.match(json.messageId!, /^\d+$/);
      assert.equal(await send(lab, path, { body: 'still asleep' }), 202);
      await new Promise((r) => setTimeout(r, 200));
      assert.equal(gw.hits.length, 1, 'one push per waiting batch');
      lab.sip.opts.responder = undefined;
      await lab.sip.receiveRegister({ user: '234', contact: PUSH_CONTACT(5081, 'tok-123'), contactParams: ';+sip.instance="<urn:uuid:phone-1>"' });
      await until('both copies', () => lab.sip.sent.filter((r) => r.uri.includes(':5081;') && r.code === 200).length === 2);
      assert.deepEqual(lab.sip.sent.filter((r) => r.uri.includes(':5081;')).map((r) => r.body), ['wake up', 'still asleep']);
      assert.match(await command(lab, 'chat stats'), /\r\npushes: 1\r\n/);
    });
  });
}

test('receipts, Priority: non-urgent and is-composing never wake a device; after a registration the next text does again', async () => {
  await withPushLab(async (lab, gw) => {
    await lab.sip.receiveRegister({ user: '234', contact: PUSH_CONTACT(5080, 'tok-9') });
    assert.equal(await send(lab, 'generic', { type: 'message/imdn+xml', body: '<imdn/>' }), 202);
    assert.equal(await send(lab, 'generic', { body: 'later', headers: [['priority', 'non-urgent']] }), 202);
    assert.equal(await send(lab, 'generic', { type: 'application/im-iscomposing+xml', body: '<isComposing/>' }), 480);
    await new Promise((r) => setTimeout(r, 200));
    assert.equal(gw.hits.length, 0);
    assert.equal(await send(lab, 'generic', { body: 'urgent enough' }), 202);
    await until('a push', () => gw.hits.length === 1);
    await lab.sip.receiveRegister({ user: '234', contact: PUSH_CONTACT(5080, 'tok-9') }); // still asleep: answers 480 again
    assert.equal(await send(lab, 'generic', { body: 'after the registration' }), 202);
    await until('a second push', () => gw.hits.length === 2);
    assert.match(await command(lab, 'chat stats'), /\r\npushes: 2\r\n/);
  });
});

test('devices slower than delivery.waitMs with the offline store off: 504, for the message may still arrive but nothing keeps it', async () => {
  await withLab({ rules: rules({ delivery: { waitMs: 200 }, offline: { enabled: false } }), ysipchan: { responder: answers({ 5070: { code: 200, delay: 600 }, 5071: { code: 200, delay: 600 } }) } }, async (lab) => {
    await lab.register('234', 5070);
    await lab.register('234', 5071);
    assert.equal(await send(lab, 'generic', { body: 'slow' }), 504);
    await until('both copies, late', () => got(lab, 5070).length && got(lab, 5071).length);
  });
});
