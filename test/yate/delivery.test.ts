// On a real Yate, on both MESSAGE paths: the sender gets the far end's own code, the delivered
// MESSAGE names the authenticated sender and the recipient's address of record, refusals
// (415, 404) come from the module, and a hard body arrives byte for byte.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { withYate } from './engine.js';
import { header, uriOf } from './sip-wire.js';
import { needsYate, registeredUa, sleep, uaFor, yateInstall } from './suite.js';
import type { SipPath } from './configs.js';

const PATHS: SipPath[] = ['generic', 'native'];

for (const sipPath of PATHS) {
  test(`${sipPath} path: a MESSAGE answered 200 by the recipient reaches it From the authenticated sender, To the address of record, without Contact, and the sender gets 200`, needsYate, async (t) => {
    await withYate(yateInstall(), { sipPath }, async (yate) => {
      const bob = await registeredUa(t, yate, '234');
      // Authenticated as 123, but the From header claims someone else.
      const alice = await uaFor(t, yate, '123', { fromUri: 'sip:mallory@127.0.0.1', displayName: 'Alice' });
      const res = await alice.message('234', 'hello Bob');
      assert.equal(res.code, 200);
      const got = await bob.waitForRequest((r) => r.method === 'MESSAGE');
      assert.equal(got.uri, bob.contact, 'sent to the registered contact');
      assert.equal(uriOf(header(got.headers, 'From') ?? ''), 'sip:123@127.0.0.1');
      assert.equal(uriOf(header(got.headers, 'To') ?? ''), 'sip:234@127.0.0.1');
      assert.equal(header(got.headers, 'Contact'), undefined, 'RFC 3428: no Contact in MESSAGE');
      assert.equal(got.body.toString('utf8'), 'hello Bob');
      await sleep(200);
      assert.equal(bob.received.length, 1, 'delivered once');
    });
  });

  test(`${sipPath} path: the delivered To is the recipient's address of record even when the sender's From names another domain`, needsYate, async (t) => {
    await withYate(yateInstall(), { sipPath }, async (yate) => {
      const bob = await registeredUa(t, yate, '234');
      const alice = await uaFor(t, yate, '123', { fromUri: 'sip:123@example.org' });
      assert.equal((await alice.message('234', 'cross-domain')).code, 200);
      const got = await bob.waitForRequest((r) => r.method === 'MESSAGE');
      assert.equal(uriOf(header(got.headers, 'To') ?? ''), 'sip:234@127.0.0.1', 'bob registered (and was addressed) as sip:234@127.0.0.1');
    });
  });

  test(`${sipPath} path: the recipient's 486 reaches the sender as 486`, needsYate, async (t) => {
    await withYate(yateInstall(), { sipPath }, async (yate) => {
      const bob = await registeredUa(t, yate, '234');
      bob.answer = () => 486;
      const alice = await uaFor(t, yate, '123');
      assert.equal((await alice.message('234', 'busy?')).code, 486);
      assert.equal(bob.received.filter((r) => r.method === 'MESSAGE').length, 1);
      assert.match(await yate.rmanager('chat queue'), /no stored messages/, 'a 486 is not kept for later');
    });
  });

  test(`${sipPath} path: a MESSAGE without Content-Type gets 415 and is not delivered`, needsYate, async (t) => {
    await withYate(yateInstall(), { sipPath }, async (yate) => {
      const bob = await registeredUa(t, yate, '234');
      const alice = await uaFor(t, yate, '123');
      assert.equal((await alice.message('234', 'no type', { contentType: null })).code, 415);
      await sleep(200);
      assert.deepEqual(bob.received.map((r) => r.method), []);
    });
  });

  test(`${sipPath} path: a MESSAGE to a user regfile does not know gets 404`, needsYate, async (t) => {
    await withYate(yateInstall(), { sipPath }, async (yate) => {
      const alice = await uaFor(t, yate, '123');
      assert.equal((await alice.message('999', 'anyone there?')).code, 404);
      assert.match(await yate.rmanager('chat queue'), /no stored messages/);
    });
  });

  test(`${sipPath} path: a body with ':', '%', CR/LF, UTF-8 and 3 KB of text arrives byte for byte, charset kept`, needsYate, async (t) => {
    await withYate(yateInstall(), { sipPath }, async (yate) => {
      const bob = await registeredUa(t, yate, '234');
      const alice = await uaFor(t, yate, '123');
      const text = ` key: value %z %% 100%\r\nline two\nline three\r naïve 日本 🎉\t${'lorem ipsum dolor sit amet, '.repeat(110)}\r\n`;
      const body = Buffer.from(text, 'utf8');
      assert.ok(body.length > 3072 && body.length < 4096, `${body.length} bytes`);
      const res = await alice.message('234', body, { contentType: 'text/plain;charset=UTF-8' });
      assert.equal(res.code, 200);
      const got = await bob.waitForRequest((r) => r.method === 'MESSAGE');
      assert.ok(got.body.equals(body), `body differs: got ${got.body.length} bytes ${JSON.stringify(got.body.toString('utf8').slice(0, 80))}`);
      assert.match(header(got.headers, 'Content-Type') ?? '', /^text\/plain\s*;\s*charset="?UTF-8"?$/i);
    });
  });
}
