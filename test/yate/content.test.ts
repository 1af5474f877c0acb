// On a real Yate, on both MESSAGE paths, with the suite's own user agents (no softphone needed):
// what a chat client sends besides text arrives as it was sent. The Call-ID and the headers that
// describe the body (Content-Encoding, Content-Language, Content-Disposition) reach the
// recipient, at once and from the offline store; a deflated body with a NUL byte (Yate carries
// it base64) and message/cpim (RFC 3862's example: Yate carries any message/* but sipfrag as
// binary) arrive byte for byte.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { deflateSync } from 'node:zlib';
import type { SipPath } from './configs.js';
import { withYate } from './engine.js';
import { header } from './sip-wire.js';
import { needsYate, registeredUa, uaFor, until, yateInstall } from './suite.js';

const PATHS: SipPath[] = ['generic', 'native'];

const CPIM = Buffer.from([
  'From: MR SANDERS <im:piglet@100akerwood.com>', 'To: Depressed Donkey <im:eeyore@100akerwood.com>',
  'DateTime: 2000-12-13T13:40:00-08:00', 'Subject: the weather will be fine today',
  'Subject:;lang=fr beau temps prevu pour aujourd\'hui', 'NS: MyFeatures <mid:MessageFeatures@id.foo.com>',
  'Require: MyFeatures.VitalMessageOption', 'MyFeatures.VitalMessageOption: Confirmation-requested',
  'MyFeatures.WackyMessageOption: Use-silly-font', '', 'Content-type: text/xml; charset=utf-8',
  'Content-ID: <1234567890@foo.com>', '', '<body>', 'Here is the text of my message.', '</body>',
].join('\r\n'));

/** A deflated IMDN with a NUL byte in it (zlib's output for this one has several). */
function deflatedWithNul(): Buffer {
  for (let i = 0; ; i++) {
    const b = deflateSync(Buffer.from(`<imdn xmlns="urn:ietf:params:xml:ns:imdn"><message-id>m${i}</message-id><delivery-notification><status><delivered/></status></delivery-notification></imdn>`));
    if (b.includes(0)) return b;
  }
}

for (const sipPath of PATHS) {
  test(`${sipPath} path: a deflated receipt with a NUL byte and RFC 3862's CPIM arrive byte for byte, with the sender's Call-ID and the body's headers, at once and from the store`, needsYate, async (t) => {
    await withYate(yateInstall(), { sipPath }, async (yate) => {
      const bob = await registeredUa(t, yate, '234');
      const alice = await uaFor(t, yate, '123');
      const receipt = deflatedWithNul();
      const headers: [string, string][] = [['Content-Encoding', 'deflate'], ['Content-Language', 'en'], ['Content-Disposition', 'notification']];
      const sent = await alice.message('234', receipt, { contentType: 'message/imdn+xml', headers });
      assert.equal(sent.code, 200);
      const cpim = await alice.message('234', CPIM, { contentType: 'message/cpim' });
      assert.equal(cpim.code, 200);
      const [a, b] = await until('both MESSAGEs', () => (bob.received.length >= 2 ? bob.received : null), 15000);
      assert.deepEqual([a!.body, header(a!.headers, 'Call-ID')], [receipt, header(sent.headers, 'Call-ID')]);
      assert.deepEqual(headers.map(([h]) => header(a!.headers, h)), ['deflate', 'en', 'notification']);
      assert.deepEqual([b!.body, header(b!.headers, 'Content-Type'), header(b!.headers, 'Call-ID')], [CPIM, 'message/cpim', header(cpim.headers, 'Call-ID')]);

      // 555 is offline: kept, then delivered with the same bytes and headers when it registers.
      const kept = await alice.message('555', receipt, { contentType: 'message/imdn+xml', headers });
      assert.equal(kept.code, 202);
      const carol = await registeredUa(t, yate, '555');
      const late = await carol.waitForRequest((r) => r.method === 'MESSAGE', 30000);
      assert.deepEqual([late.body, header(late.headers, 'Call-ID')], [receipt, header(kept.headers, 'Call-ID')]);
      assert.deepEqual(headers.map(([h]) => header(late.headers, h)), ['deflate', 'en', 'notification']);
      assert.ok(header(late.headers, 'Date'));
    });
  });
}
