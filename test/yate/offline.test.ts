// On a real Yate: a MESSAGE for a user regfile knows but who is not registered is kept (202)
// and goes out when that user registers, with its original Date and sender.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { SipPath } from './configs.js';
import { withYate } from './engine.js';
import { header, uriOf } from './sip-wire.js';
import { needsYate, sleep, uaFor, until, yateInstall } from './suite.js';

const PATHS: SipPath[] = ['generic', 'native'];

for (const sipPath of PATHS) {
  test(`${sipPath} path: a MESSAGE for a defined but unregistered user gets 202 and arrives when the user registers, with its original Date and sender`, needsYate, async (t) => {
    await withYate(yateInstall(), { sipPath }, async (yate) => {
      const alice = await uaFor(t, yate, '123');
      const carol = await uaFor(t, yate, '555');
      const body = Buffer.from('call me when you are back: 100% urgent\r\n', 'utf8');
      const sentAt = Date.now();
      assert.equal((await alice.message('555', body)).code, 202);
      const acceptedAt = Date.now();
      assert.match(await yate.rmanager('chat queue'), /^555: 1 waiting/m);
      assert.equal(carol.received.length, 0, 'nothing is sent before the user registers');

      await sleep(1500); // so the Date can only be the original send time, not the delivery time
      assert.equal((await carol.register()).code, 200);
      const got = await carol.waitForRequest((r) => r.method === 'MESSAGE', 15000);
      assert.ok(got.body.equals(body), `body: ${JSON.stringify(got.body.toString('utf8'))}`);
      assert.equal(uriOf(header(got.headers, 'From') ?? ''), 'sip:123@127.0.0.1');
      assert.equal(uriOf(header(got.headers, 'To') ?? ''), 'sip:555@127.0.0.1');
      const date = header(got.headers, 'Date');
      assert.ok(date, 'a stored message carries a Date header');
      // Date has whole seconds: between the send and its 202, well before the registration.
      const when = Date.parse(date);
      assert.ok(when > sentAt - 1000 && when <= acceptedAt, `Date ${date} is not the send time ${new Date(sentAt).toUTCString()}`);
      assert.ok(got.at - when >= 1500, 'delivered after the registration, not at once');
      await until('the delivered message to leave the store', async () => /no stored messages/.test(await yate.rmanager('chat queue')));
      assert.equal(carol.received.filter((r) => r.method === 'MESSAGE').length, 1);
    });
  });
}
