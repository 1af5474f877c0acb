// What a chat client needs besides the text (issue 19, seen with Linphone and baresip on a real
// Yate): the headers that describe the body (a Linphone receipt is a deflated IMDN, unreadable
// without its Content-Encoding) and the Call-ID (a receipt for a text/plain message names it by
// the Call-ID its recipient saw) reach the recipient as the sender wrote them, on both SIP paths,
// when yate-chat delivers itself and through the offline store; bodies stay byte for byte.
// Bodies are given as the wire carried them: the emulator encodes them the way ysipchan does.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { deflateSync, inflateSync } from 'node:zlib';
import type { SipRequest } from '../src/emulator/index.js';
import { contact, delivered, header, PATHS, queueEmpty, rules, send, withLab } from './fixtures/chat-lab.js';

const latin1 = (b: Buffer): string => b.toString('latin1');

/** A delivery receipt as Linphone 5.1 sends it: IMDN (RFC 5438), deflated (zlib). */
const IMDN = '<?xml version="1.0" encoding="UTF-8" standalone="no" ?><imdn xmlns="urn:ietf:params:xml:ns:imdn"><message-id>tE-evUOQtD</message-id><datetime>2026-12-06T06:10:37Z</datetime><delivery-notification><status><delivered/></status></delivery-notification></imdn>';
const RECEIPT = latin1(deflateSync(Buffer.from(IMDN)));

/** RFC 3862 section 5, the example message (its outer Content-type is the SIP Content-Type). */
const RFC3862 = [
  'From: MR SANDERS <im:piglet@100akerwood.com>',
  'To: Depressed Donkey <im:eeyore@100akerwood.com>',
  'DateTime: 2000-12-13T13:40:00-08:00',
  'Subject: the weather will be fine today',
  'Subject:;lang=fr beau temps prevu pour aujourd\'hui',
  'NS: MyFeatures <mid:MessageFeatures@id.foo.com>',
  'Require: MyFeatures.VitalMessageOption',
  'MyFeatures.VitalMessageOption: Confirmation-requested',
  'MyFeatures.WackyMessageOption: Use-silly-font',
  '',
  'Content-type: text/xml; charset=utf-8',
  'Content-ID: <1234567890@foo.com>',
  '',
  '<body>',
  'Here is the text of my message.',
  '</body>',
].join('\r\n');

/** RFC 5438 section 7.1's message asking for receipts, named by its imdn.Message-ID. */
const RFC5438 = [
  'From: Alice <im:alice@example.com>',
  'To: Bob <im:bob@example.com>',
  'NS: imdn <urn:ietf:params:imdn>',
  'imdn.Message-ID: 34jk324j',
  'DateTime: 2006-04-04T12:16:49-05:00',
  'imdn.Disposition-Notification: positive-delivery, display',
  '',
  'Content-type: text/plain',
  'Content-length: 12',
  '',
  'Hello World',
].join('\r\n');

const receipt = (callid: string) => ({
  type: 'message/imdn+xml', wire: RECEIPT, callid,
  headers: [['content-encoding', 'deflate'], ['priority', 'non-urgent']] as [string, string][],
});

function assertReceipt(req: SipRequest, callid: string): void {
  assert.equal(header(req, 'Content-Encoding'), 'deflate');
  assert.equal(header(req, 'Call-ID'), callid);
  assert.equal(req.type, 'message/imdn+xml');
  assert.equal(req.bodyBytes, RECEIPT, 'the deflated body byte for byte');
  assert.equal(inflateSync(Buffer.from(req.bodyBytes!, 'latin1')).toString(), IMDN);
}

for (const path of PATHS) {
  test(`${path} path: a deflated IMDN receipt reaches the registered recipient byte for byte, with its Content-Encoding and the sender's Call-ID`, async () => {
    await withLab({}, async (lab) => {
      await lab.register('234', 5070);
      assert.equal(await send(lab, path, receipt('CXok19KnaM')), 200);
      const [req] = lab.sip.sent;
      assertReceipt(req!, 'CXok19KnaM');
      assert.equal(lab.sip.sent[0]!.headers.filter(([h]) => /^call-id$/i.test(h)).length, 1, 'one Call-ID');
      assert.equal(header(req!, 'priority'), undefined, 'only the headers that travel with the message');
    });
  });

  test(`${path} path: a text keeps its Call-ID, Content-Language and Content-Disposition when yate-chat delivers it itself`, async () => {
    await withLab({ rules: rules({ delivery: { inPlace: false } }) }, async (lab) => {
      await lab.register('234', 5070);
      const headers: [string, string][] = [['content-language', 'fr'], ['content-disposition', 'render;handling=optional']];
      assert.equal(await send(lab, path, { body: 'bonjour', callid: 'a84b4c76e66710@pc33', headers }), 200);
      const [req] = lab.sip.sent;
      assert.deepEqual(['Call-ID', 'Content-Language', 'Content-Disposition'].map((h) => header(req!, h)), ['a84b4c76e66710@pc33', 'fr', 'render;handling=optional']);
      assert.equal(req!.body, 'bonjour');
    });
  });

  test(`${path} path: message/cpim (the examples of RFC 3862 and RFC 5438) passes untouched, its imdn.Message-ID with it`, async () => {
    await withLab({}, async (lab) => {
      await lab.register('234', 5070);
      assert.equal(await send(lab, path, { type: 'message/cpim', wire: RFC3862 }), 200);
      assert.equal(await send(lab, path, { type: 'message/cpim', wire: RFC5438 }), 200);
      const [a, b] = lab.sip.sent;
      // ysipchan carries message/cpim as a binary body (base64) and decodes it again to send it.
      assert.deepEqual([a!.type, a!.encoding, a!.bodyBytes], ['message/cpim', 'base64', RFC3862]);
      assert.deepEqual([b!.type, b!.encoding, b!.bodyBytes], ['message/cpim', 'base64', RFC5438]);
      assert.match(b!.bodyBytes!, /\r\nimdn\.Message-ID: 34jk324j\r\n/);
    });
  });

  test(`${path} path: a receipt for a user who is offline is kept like a text, and delivered with its Content-Encoding and Call-ID when they register`, async () => {
    await withLab({}, async (lab) => {
      assert.equal(await send(lab, path, { ...receipt('kept-receipt@127.0.0.1'), called: '555' }), 202);
      assert.equal(await send(lab, path, { called: '555', type: 'message/cpim', wire: RFC5438, callid: 'kept-cpim' }), 202);
      await lab.register('555', 5075);
      const [first, second] = await delivered(lab, contact('555', 5075), 2);
      assertReceipt(first!, 'kept-receipt@127.0.0.1');
      assert.ok(header(first!, 'Date'), 'a late delivery carries its original Date');
      assert.deepEqual([second!.bodyBytes, header(second!, 'Call-ID')], [RFC5438, 'kept-cpim']);
      await queueEmpty(lab);
    });
  });
}

test('a header value that could start another header (a CR or LF in it) is not carried', async () => {
  await withLab({}, async (lab) => {
    await lab.register('234', 5070);
    assert.equal(await send(lab, 'generic', { headers: [['content-language', 'en\r\nX-Evil: 1'], ['content-encoding', 'identity']] }), 200);
    const [req] = lab.sip.sent;
    assert.equal(header(req!, 'Content-Language'), undefined);
    assert.equal(header(req!, 'Content-Encoding'), 'identity');
  });
});

test('seed mode: the msg.execute it hands to lateroute carries the Call-ID and the body\'s headers too', async () => {
  await withLab({ rules: rules({ mode: 'seed' }) }, async (lab) => {
    await lab.register('234', 5070);
    assert.equal(await send(lab, 'generic', receipt('seed-receipt')), 200);
    const [req] = await delivered(lab, contact('234', 5070), 1);
    assertReceipt(req!, 'seed-receipt');
  });
});
