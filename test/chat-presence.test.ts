// PUBLISH beyond the seed (RFC 3903): entity tags, refresh, removal, expiry in the answer.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Lab } from '../src/demo/lab.js';
import { command, lastIncoming, withLab } from './fixtures/chat-lab.js';

const PIDF = '<?xml version="1.0"?><presence xmlns="urn:ietf:params:xml:ns:pidf" entity="sip:123@127.0.0.1"><tuple id="t1"><status><basic>open</basic></status></tuple></presence>';

function publish(lab: Lab, o: { body?: string; ifMatch?: string; expires?: number; port?: number; contact?: string } = {}): Promise<number> {
  const headers: [string, string][] = [['event', 'presence']];
  if (o.ifMatch) headers.push(['sip-if-match', o.ifMatch]);
  if (o.expires !== undefined) headers.push(['expires', String(o.expires)]);
  if (o.contact) headers.push(['contact', o.contact]);
  return lab.sip.receivePublish({
    caller: '123', called: '123', headers, ...(o.port ? { port: o.port } : {}),
    ...(o.body !== undefined ? { type: 'application/pidf+xml', body: o.body } : {}),
  });
}

test('a PIDF PUBLISH is answered 200 with a SIP-ETag and the Expires granted (an hour when none was asked)', async () => {
  await withLab({}, async (lab) => {
    assert.equal(await publish(lab, { body: PIDF }), 200);
    const m = lastIncoming(lab);
    assert.match(m.getParam('osip_SIP-ETag') ?? '', /^\S+$/);
    assert.ok(Math.abs(Number(m.getParam('osip_Expires')) - 3600) <= 1, m.getParam('osip_Expires'));
  });
});

test('a body-less PUBLISH with the current SIP-If-Match refreshes the state under a new tag', async () => {
  await withLab({}, async (lab) => {
    await publish(lab, { body: PIDF, expires: 60 });
    const first = lastIncoming(lab).getParam('osip_SIP-ETag')!;
    assert.equal(await publish(lab, { ifMatch: first, expires: 120 }), 200);
    const second = lastIncoming(lab).getParam('osip_SIP-ETag')!;
    assert.notEqual(second, first);
    assert.ok(Math.abs(Number(lastIncoming(lab).getParam('osip_Expires')) - 120) <= 1);
    assert.match(await command(lab, 'chat presence 123'), /^123 open /);
  });
});

test('a body-less PUBLISH with Expires 0 and the current tag removes the presence', async () => {
  await withLab({}, async (lab) => {
    await publish(lab, { body: PIDF });
    const tag = lastIncoming(lab).getParam('osip_SIP-ETag')!;
    assert.equal(await publish(lab, { ifMatch: tag, expires: 0 }), 200);
    assert.equal(await command(lab, 'chat presence 123'), 'no presence for 123\r\n');
  });
});

test('a device that publishes again without SIP-If-Match (baresip: unknown, then open) has one publication, the latest; another device its own', async () => {
  const doc = (basic: string) => PIDF.replace('>open<', `>${basic}<`);
  await withLab({}, async (lab) => {
    assert.equal(await publish(lab, { body: doc('unknown'), port: 5073 }), 200);
    assert.equal(await publish(lab, { body: doc('open'), port: 5073 }), 200);
    assert.match(await command(lab, 'chat presence 123'), /^123 open since \S+\r\n$/);
    await lab.emu.log.waitForLog(/PUBLISH 123 published again by the same device presence open => 200/);
    assert.equal(await publish(lab, { body: doc('closed'), port: 5074 }), 200);
    assert.match(await command(lab, 'chat presence 123'), /^123 closed since \S+\r\n123 open since \S+\r\n$/);
  });
});

test('a Contact with +sip.instance names the device whatever port it publishes from; without one, the Contact URI does', async () => {
  await withLab({}, async (lab) => {
    const instance = '<sip:123@10.0.0.7:5060>;+sip.instance="<urn:uuid:00000000-0000-1000-8000-000A95A0E128>"';
    assert.equal(await publish(lab, { body: PIDF, port: 6000, contact: instance }), 200);
    assert.equal(await publish(lab, { body: PIDF, port: 6001, contact: instance.replace('5060', '5062') }), 200);
    assert.equal((await command(lab, 'chat presence 123')).split('\r\n').filter(Boolean).length, 1);
    assert.equal(await publish(lab, { body: PIDF, port: 6002, contact: '<sip:123@10.0.0.8:5060>' }), 200);
    assert.equal(await publish(lab, { body: PIDF, port: 6003, contact: '<sip:123@10.0.0.8:5060>;expires=600' }), 200);
    assert.equal((await command(lab, 'chat presence 123')).split('\r\n').filter(Boolean).length, 2);
  });
});

test('a PUBLISH whose SIP-If-Match names no current state is refused with 412', async () => {
  await withLab({}, async (lab) => {
    assert.equal(await publish(lab, { ifMatch: 'nosuchtag', expires: 60 }), 412);
    await publish(lab, { body: PIDF });
    assert.equal(await publish(lab, { ifMatch: 'stale', body: PIDF }), 412);
    assert.match(await command(lab, 'chat presence 123'), /^123 open /);
  });
});

test('a body-less PUBLISH without SIP-If-Match still gets the seed\'s 415', async () => {
  await withLab({}, async (lab) => {
    assert.equal(await publish(lab), 415);
  });
});

// Issue 10, item 1: a PUBLISH goes through the same admission as a MESSAGE (decide.ts).
test('a PUBLISH larger than maxBodyBytes is refused 413 before its body is read (the 40 KB "<basic>" body)', async () => {
  await withLab({}, async (lab) => {
    assert.equal(await publish(lab, { body: '<basic>' + ' '.repeat(40_000) }), 413);
    assert.equal(await command(lab, 'chat presence'), 'no presence known\r\n');
    assert.match(await command(lab, 'chat stats'), /rejected_413: 1/);
  });
});

test('PUBLISH takes from the sender\'s rate limit like a MESSAGE: over it, 503 with Retry-After', async () => {
  await withLab({ rules: { offline: { store: { kind: 'memory' } }, rateLimit: { messages: 2, intervalSeconds: 60 } } }, async (lab) => {
    assert.equal(await publish(lab, { body: PIDF }), 200);
    const tag = lastIncoming(lab).getParam('osip_SIP-ETag')!;
    assert.equal(await publish(lab, { ifMatch: tag, expires: 60 }), 200);
    assert.equal(await publish(lab, { body: PIDF }), 503);
    assert.match(lastIncoming(lab).getParam('osip_Retry-After') ?? '', /^\d+$/);
    assert.equal(await lab.sip.receiveMessage({ path: 'generic', caller: '123', called: '234', type: 'text/plain', body: 'x' }), 503);
    assert.match(await command(lab, 'chat stats'), /rate_limited=2|rate_limited: 2/);
  });
});

test('a PUBLISH from a sender on the deny list is refused 403', async () => {
  await withLab({ rules: { offline: { store: { kind: 'memory' } }, deny: { callers: ['123'] } } }, async (lab) => {
    assert.equal(await publish(lab, { body: PIDF }), 403);
    assert.equal(await command(lab, 'chat presence'), 'no presence known\r\n');
  });
});

test('a presence note is kept to 256 bytes', async () => {
  await withLab({}, async (lab) => {
    const body = `<presence><tuple id="t"><status><basic>open</basic></status><note>${'n'.repeat(3000)}</note></tuple></presence>`;
    assert.equal(await publish(lab, { body }), 200);
    assert.equal(await command(lab, 'chat presence 123'), `123 open "${'n'.repeat(256)}" since ${/since (\S+)/.exec(await command(lab, 'chat presence 123'))![1]}\r\n`);
  });
});
