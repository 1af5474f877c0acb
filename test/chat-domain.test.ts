// The domain in From and To (issue 10, item 7): only a host name or address ever goes there,
// the rules file can fix it, and `chat send` with a bare FROM never borrows the domain another
// sender used last.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { isHost } from '../src/config/index.js';
import { command, delivered, header, PATHS, rules, send, withLab } from './fixtures/chat-lab.js';

for (const path of PATHS) {
  test(`${path} path: a domain that is no host name or address never reaches From or To (ysipchan builds From itself)`, async () => {
    await withLab({}, async (lab) => {
      await lab.register('234', 5070);
      // The To's host, else the request URI's, else Yate's domain: each only when it is a host.
      const junk: [to: string, uri: string, domain: string][] = [
        ['<sip:234@[a>b]>', 'sip:234@[x;y]:5060', 'evil.example>;tag=1'],
        ['"x" <sip:234@h"o>', 'sip:234@h"o', 'a b'],
        ['<sip:234@[::1\r\nContact: x]>', 'sip:234@[::1\r\n]', 'x\r\nContact: <sip:x@y>'],
      ];
      for (const [to, uri, domain] of junk) {
        assert.equal(await send(lab, path, { to, uri, domain }), 200, to);
        const req = lab.sip.sent.at(-1)!;
        assert.equal(header(req, 'From'), undefined, to);
        assert.equal(header(req, 'To'), undefined);
        assert.equal(req.user, '123');
      }
      // A To that is junk does not hide a request URI that names a host.
      assert.equal(await send(lab, path, { to: '<sip:234@[a>b]>', uri: 'sip:234@sip.example.net:5060', domain: 'a b' }), 200);
      assert.match(header(lab.sip.sent.at(-1)!, 'From') ?? '', /<sip:123@sip\.example\.net>$/);
    });
  });

  test(`${path} path: with "domain" in the rules, From and To carry it whatever domain the request named`, async () => {
    await withLab({ rules: rules({ domain: 'sip.example.com' }) }, async (lab) => {
      await lab.register('234', 5070);
      assert.equal(await send(lab, path, { domain: 'spoofed.example.org' }), 200);
      const req = lab.sip.sent.at(-1)!;
      assert.match(header(req, 'From') ?? '', /<sip:123@sip\.example\.com>$/);
      assert.equal(header(req, 'To'), '<sip:234@sip.example.com>');
    });
  });
}

test('chat send with a bare FROM uses the domain FROM registered in, never the one another sender used last', async () => {
  await withLab({}, async (lab) => {
    await lab.register('123', 5071);
    await lab.register('234', 5070);
    // Another sender's MESSAGE names a domain of its choosing (before, it became everyone's default).
    assert.equal(await send(lab, 'generic', { caller: '555', username: '555', domain: 'attacker.example' }), 200);
    assert.match(await command(lab, 'chat send 123 234 hello'), /^200 /);
    const [, req] = await delivered(lab, 'sip:234@', 2);
    assert.match(header(req!, 'From') ?? '', /<sip:123@127\.0\.0\.1>$/);
    assert.equal(header(req!, 'To'), '<sip:234@127.0.0.1>');
  });
});

test('chat send: the rules\' domain first; an unregistered bare FROM gets none (ysipchan\'s own); a FROM@DOMAIN that is no host is refused', async () => {
  await withLab({ rules: rules({ domain: 'chat.example.net' }) }, async (lab) => {
    await lab.register('234', 5070);
    assert.match(await command(lab, 'chat send 123 234 one'), /^200 /);
    assert.match(header(lab.sip.sent.at(-1)!, 'From') ?? '', /<sip:123@chat\.example\.net>$/);
    assert.equal(await command(lab, 'chat send 123@a>b 234 two'), 'not a domain: a>b (usage: chat send FROM[@DOMAIN] TO TEXT)\r\n');
  });
  await withLab({}, async (lab) => {
    await lab.register('234', 5070);
    assert.match(await command(lab, 'chat send 999 234 three'), /^200 /);
    const req = lab.sip.sent.at(-1)!;
    assert.equal(header(req, 'From'), undefined);
    assert.equal(req.user, '999');
  });
});

test('isHost accepts host names, IPv4 and [IPv6] with an optional port, and nothing that could carry header syntax', () => {
  for (const h of ['127.0.0.1', 'example.com', 'a-b.example.com:5060', '[2001:db8::1]', '[2001:db8::1]:5061', 'x']) assert.equal(isHost(h), true, h);
  for (const h of ['', 'a b', 'evil.com>;tag=1', '-a.com', 'a-.com', 'a..b', 'fe80::1', 'a:', 'a:123456', 'x'.repeat(64), 'a\r\nb', '[::1']) {
    assert.equal(isHost(h), false, JSON.stringify(h));
  }
  fc.assert(fc.property(fc.string({ maxLength: 80 }), (s) => {
    if (isHost(s)) assert.match(s, /^[A-Za-z0-9.\-:[\]]+$/);
  }), { numRuns: 5000 });
});
