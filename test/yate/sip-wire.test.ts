// The suite's own SIP codec, on literal wire bytes: digest answers match RFC 2617's worked
// example, a datagram parses into headers in order (compact forms expanded, folded lines
// joined) with its body as raw bytes cut at Content-Length, and a built request parses back.
// No Yate needed, but it runs with the real-Yate suite it serves.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { buildSip, digestAuthorization, header, parseChallenge, parseSip, tagOf, uriOf } from './sip-wire.js';

test('the digest answer with qop=auth is the one in RFC 2617 section 3.5', () => {
  const challenge = 'Digest realm="testrealm@host.com", qop="auth,auth-int", nonce="dcd98b7102dd2f0e8b11d0f600bfb0c093", opaque="5ccc069c403ebaf9f0171e9517f40e41"';
  const auth = digestAuthorization(challenge, { user: 'Mufasa', password: 'Circle Of Life', method: 'GET', uri: '/dir/index.html', nc: 1, cnonce: '0a4f113b' });
  const { params } = parseChallenge(auth);
  assert.equal(params.response, '6629fae49393a05397450978507c4ef1');
  assert.equal(params.nc, '00000001');
  assert.equal(params.opaque, '5ccc069c403ebaf9f0171e9517f40e41');
});

test('without qop the digest answer is MD5(HA1:nonce:HA2), as Yate checks it', () => {
  // Yate's challenge as ysipchan sends it (no qop).
  const auth = digestAuthorization('Digest realm="Yate", nonce="abc.123", stale=FALSE, algorithm=MD5', { user: '123', password: 'pw123', method: 'MESSAGE', uri: 'sip:234@127.0.0.1:5060' });
  const { params } = parseChallenge(auth);
  assert.equal(params.qop, undefined);
  // md5(md5("123:Yate:pw123") + ":abc.123:" + md5("MESSAGE:sip:234@127.0.0.1:5060")), computed apart
  assert.equal(params.response, '463864aac34b369adf0732609133504e');
});

test('a datagram parses with compact headers expanded, folded lines joined and the body cut at Content-Length', () => {
  const wire = Buffer.concat([
    Buffer.from('MESSAGE sip:234@127.0.0.1:5070 SIP/2.0\r\nv: SIP/2.0/UDP 127.0.0.1:5060;branch=z9hG4bK1\r\nf: <sip:123@127.0.0.1>;tag=a1\r\nt: <sip:234@127.0.0.1>\r\ni: x@y\r\nCSeq: 7 MESSAGE\r\nSubject: one\r\n two\r\nc: text/plain;charset=utf-8\r\nl: 6\r\n\r\n', 'latin1'),
    Buffer.from([0x61, 0x0d, 0x0a, 0xf0, 0x9f, 0x8e, 0x89]), // "a\r\n" + 4 bytes of which Content-Length keeps 3
  ]);
  const msg = parseSip(wire);
  assert.equal(msg.kind, 'request');
  assert.ok(msg.kind === 'request');
  assert.equal(msg.method, 'MESSAGE');
  assert.equal(msg.uri, 'sip:234@127.0.0.1:5070');
  assert.deepEqual(msg.headers.map(([h]) => h), ['Via', 'From', 'To', 'Call-ID', 'CSeq', 'Subject', 'Content-Type', 'Content-Length']);
  assert.equal(header(msg.headers, 'subject'), 'one two');
  assert.equal(tagOf(header(msg.headers, 'From') ?? ''), 'a1');
  assert.equal(uriOf(header(msg.headers, 'To') ?? ''), 'sip:234@127.0.0.1');
  assert.deepEqual([...msg.body], [0x61, 0x0d, 0x0a, 0xf0, 0x9f, 0x8e]);
});

test('a built response parses back with the same headers and a computed Content-Length', () => {
  const body = Buffer.from('naïve 日本 🎉', 'utf8');
  const msg = parseSip(buildSip('SIP/2.0 486 Busy Here', [['Via', 'SIP/2.0/UDP h;branch=z9hG4bKx'], ['Content-Length', '999']], body));
  assert.ok(msg.kind === 'response');
  assert.equal(msg.code, 486);
  assert.equal(msg.reason, 'Busy Here');
  assert.equal(header(msg.headers, 'Content-Length'), String(body.length));
  assert.ok(msg.body.equals(body));
});
