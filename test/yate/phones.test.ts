// Real softphones through yate-chat on a real Yate (issue 19): Linphone (linphonec) and baresip,
// registered with digest auth, chatting on both SIP paths, with receipts, offline delivery, a
// stored message the phone refuses ahead of a text, and presence (generic path). phones.ts says
// how each client is driven; every test is skipped with one line naming what is missing.
import assert from 'node:assert/strict';
import { test, type TestContext } from 'node:test';
import { inflateSync } from 'node:zlib';
import type { SipPath } from './configs.js';
import { withYate, type RunningYate } from './engine.js';
import { needs, phonesOn, versions, type Phones } from './phones.js';
import { header } from './sip-wire.js';
import { registeredUa, uaFor, until, yateInstall } from './suite.js';

const PATHS: readonly SipPath[] = ['generic', 'native'];

/** A fresh Yate on `sipPath` with the clients of `body`; they quit before Yate stops. */
async function onYate(t: TestContext, sipPath: SipPath, body: (y: RunningYate, phones: Phones) => Promise<void>, verbosity?: number): Promise<void> {
  t.diagnostic(versions());
  await withYate(yateInstall(), { sipPath, ...(verbosity ? { verbosity } : {}) }, async (y) => {
    const phones = phonesOn(t, y);
    try {
      await body(y, phones);
    } finally {
      await phones.quitAll();
    }
  });
}

const chatStats = async (y: RunningYate): Promise<string> => y.rmanager('chat stats');
const queued = async (y: RunningYate, user: string): Promise<string> => y.rmanager(`chat queue ${user}`);

for (const sipPath of PATHS) {
  test(`${sipPath} path: Linphone to Linphone, both ways: each text arrives, each receipt comes back readable and the sender's message reaches DeliveredToUser`, needs('linphone'), async (t) => {
    await onYate(t, sipPath, async (y, phones) => {
      const a = await phones.linphone('123');
      const b = await phones.linphone('234');
      await Promise.all([a.registered(), b.registered()]);
      for (const [from, to, text] of [[a, b, 'hello from 123'], [b, a, 'and back from 234']] as const) {
        const mark = from.log().length;
        from.chat(to.user, text);
        await to.waitOutput(new RegExp(`Message received from sip:${from.user}@127\\.0\\.0\\.1: ${text}`));
        await from.waitLog(/moving from Delivered to DeliveredToUser/, 60000, mark);
      }
      assert.doesNotMatch(a.log() + b.log(), /IMDN parsing exception/);
    });
  });

  test(`${sipPath} path: Linphone to baresip and back; baresip's 415 to Linphone's receipt is the end of that receipt, nothing is kept`, needs('linphone', 'baresip'), async (t) => {
    await onYate(t, sipPath, async (y, phones) => {
      const l = await phones.linphone('123');
      const b = await phones.baresip('555', { contacts: [{ user: '123' }] });
      await Promise.all([l.registered(), b.registered()]);
      l.chat('555', 'hello baresip');
      await b.waitOutput(/sip:123@127\.0\.0\.1: "hello baresip"/);
      b.message('hello Linphone');
      await l.waitOutput(/Message received from sip:555@127\.0\.0\.1: hello Linphone/);
      // Linphone's receipt for baresip's text: refused by baresip (415) on the fast path.
      await y.waitForLog(/MESSAGE 123 -> 555 \[message\/imdn\+xml/, 30000);
      assert.match(await queued(y, '555'), /no stored messages for 555/);
    });
  });

  test(`${sipPath} path: offline delivery to each client: kept while it is away, delivered when it registers, and Linphone's receipt for it still names the sender's message`, needs('linphone', 'baresip'), async (t) => {
    await onYate(t, sipPath, async (y, phones) => {
      const a = await phones.linphone('123');
      await a.registered();
      const mark = a.log().length;
      a.chat('234', 'kept for Linphone');
      a.chat('555', 'kept for baresip');
      await until('both texts to be kept', async () => /234: 1 waiting[\s\S]*555: 1 waiting/.test(await y.rmanager('chat queue')), 60000);
      const b = await phones.linphone('234');
      await b.waitOutput(/Message received from sip:123@127\.0\.0\.1: kept for Linphone/);
      // The stored message kept its Call-ID: the receipt Linphone 234 sends names it as 123 knows it.
      await a.waitLog(/moving from Delivered to DeliveredToUser/, 60000, mark);
      const c = await phones.baresip('555', { contacts: [{ user: '123' }] });
      await c.waitOutput(/sip:123@127\.0\.0\.1: "kept for baresip"/);
      await until('the queue to empty', async () => /no stored messages/.test(await y.rmanager('chat queue')), 60000);
      assert.doesNotMatch(a.log(), /IMDN parsing exception/);
    });
  });

  test(`${sipPath} path: a stored receipt baresip refuses (415) is dropped and the text queued behind it reaches baresip`, needs('linphone', 'baresip'), async (t) => {
    await onYate(t, sipPath, async (y, phones) => {
      const l = await phones.linphone('123');
      await l.registered();
      // 555 writes to Linphone while no device of 555 is registered: Linphone's receipt is kept.
      const ua = await uaFor(t, y, '555');
      assert.equal((await ua.message('123', 'are you there?')).code, 200);
      await l.waitOutput(/Message received from sip:555@127\.0\.0\.1: are you there\?/);
      await until('the receipt to be kept', async () => /\(attempts 0\)/.test(await queued(y, '555')), 60000);
      l.chat('555', 'the text behind it');
      await until('the text to be kept behind it', async () => (await queued(y, '555')).split('\r\n').filter((line) => /attempts 0/.test(line)).length === 2, 60000);
      const b = await phones.baresip('555', { contacts: [{ user: '123' }] });
      await b.waitOutput(/sip:123@127\.0\.0\.1: "the text behind it"/);
      await until('the refusal to be counted', async () => /offline_refused: 1\r\n/.test(await chatStats(y)), 30000);
      await y.waitForLog(/offline message \d+ from 123 for 555 \[message\/imdn\+xml\] refused for good by the device \(415/, 30000);
      assert.match(await queued(y, '555'), /no stored messages for 555/);
    });
  });

  test(`${sipPath} path: Linphone's deflated receipt reaches a phone byte for byte with Content-Encoding, naming the Call-ID the phone sent, at once and from the store`, needs('linphone'), async (t) => {
    await onYate(t, sipPath, async (y, phones) => {
      const l = await phones.linphone('123');
      await l.registered();
      const ua = await registeredUa(t, y, '555');
      const receiptFor = async (callId: string) => {
        const got = await ua.waitForRequest((r) => r.method === 'MESSAGE' && /imdn/.test(header(r.headers, 'Content-Type') ?? '') && inflateSync(r.body).toString().includes(`<message-id>${callId}</message-id>`), 60000);
        assert.equal(header(got.headers, 'Content-Encoding'), 'deflate');
        // zlib's checksum: one byte changed anywhere and inflating fails.
        assert.match(inflateSync(got.body).toString(), /^<\?xml[^>]*\?><imdn xmlns="urn:ietf:params:xml:ns:imdn">.*<delivered\/>.*<\/imdn>$/s);
        return got;
      };

      const sent = await ua.message('123', 'receipt please');
      assert.equal(sent.code, 200);
      const callId = header(sent.headers, 'Call-ID')!;
      const now = await receiptFor(callId);
      // What Linphone logged it compressed to is what arrived.
      const sizes = [...l.log().matchAll(/Body has been compressed: (\d+)->(\d+)/g)].map((m) => Number(m[2]));
      assert.ok(sizes.includes(now.body.length), `received ${now.body.length} bytes; Linphone compressed to ${sizes.join(', ')}`);

      // 555 goes away; its next text's receipt is kept and delivered when it is back.
      assert.equal((await ua.register(0)).code, 200);
      const later = await ua.message('123', 'receipt later');
      const laterId = header(later.headers, 'Call-ID')!;
      await until('the receipt to be kept', async () => /\(attempts 0\)/.test(await queued(y, '555')), 60000);
      assert.equal((await ua.register()).code, 200);
      const stored = await receiptFor(laterId);
      assert.ok(header(stored.headers, 'Date'), 'a stored message carries its original Date');
    });
  });
}

test('generic path: baresip subscribes to presence at the Contact we gave it, and its un-SUBSCRIBE at quit reaches Yate and removes the subscription', needs('baresip'), async (t) => {
  // -vv: Yate logs the SIP it sends (the Contact of its 200).
  await onYate(t, 'generic', async (y, phones) => {
    await registeredUa(t, y, '123');
    const b = await phones.baresip('555', { contacts: [{ user: '123', presence: true }] });
    await b.registered();
    await until('555 to watch 123', async () => /watched by 555/.test(await y.rmanager('chat presence 123')), 60000);
    await y.waitForLog(/SUBSCRIBE 555 -> 123 presence subscribed => 200/, 30000);
    // The 200 told baresip where Yate listens, port and all.
    await y.waitForLog(new RegExp(`Contact: <sip:123@127\\.0\\.0\\.1:${y.sipPort}>`), 30000);
    // baresip publishes twice without SIP-If-Match (unknown, then open): one publication.
    await until('555 to be open', async () => /^555 open since \S+\r\n$/.test(await y.rmanager('chat presence 555')), 60000);
    await b.quit();
    await y.waitForLog(/SUBSCRIBE 555 -> 123 presence unsubscribed => 200/, 30000);
    assert.doesNotMatch(await y.rmanager('chat presence 123'), /watched by 555/);
  }, 2);
});

test('generic path: Linphone\'s friend add sees a contact go online and offline', needs('linphone'), async (t) => {
  await onYate(t, 'generic', async (y, phones) => {
    const a = await phones.linphone('123');
    await a.registered();
    a.command('friend add "bob" sip:234@127.0.0.1');
    await until('123 to watch 234', async () => /watched by 123/.test(await y.rmanager('chat presence 234')), 60000);
    const before = a.output().length;
    const b = await phones.linphone('234');
    await b.registered();
    await a.waitOutput(/Friend "bob" <sip:234@127\.0\.0\.1> is Online/, 60000, before);
    const online = a.output().length;
    await b.quit();
    await a.waitOutput(/Friend "bob" <sip:234@127\.0\.0\.1> is Offline/, 60000, online);
  });
});
