// The registration view (src/chat/core/registrations.ts): built from the user.register and
// user.unregister notifications Yate sends a watcher, as ysipchan and regfile fill them.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { DispatchResult } from '../src/engine/connection.js';
import { Message } from '../src/engine/message.js';
import { Registrations } from '../src/chat/core/registrations.js';

/** A user.register as ysipchan dispatches it (transcripts: probe-native.txt; the Contact's own
 *  parameters in sip_contact, the User-Agent in device: seen with msgsniff on Yate 6.4.1), after
 *  regfile took it. */
function register(user: string, contact: string, o: { expires?: number; conn?: string; processed?: boolean; instance?: string; callId?: string; ua?: string } = {}): DispatchResult {
  const m = new Message('user.register', [
    ['number', user], ['sip_callid', o.callId ?? `${contact}-call`], ['expires', String(o.expires ?? 600)], ['username', user],
    ...(o.ua ? [['device', o.ua] as [string, string]] : []), ['driver', 'sip'], ['data', `sip/${contact}`],
    ['connection_id', o.conn ?? 'general'], ['route_params', 'oconnection_id'], ['oconnection_id', o.conn ?? 'general'],
    ['sip_contact', `<${contact}>${o.instance ? `;+sip.instance="<${o.instance}>";reg-id=1` : ''}`],
  ]);
  return { processed: o.processed ?? true, message: m };
}

function unregister(params: [string, string][], processed = true): DispatchResult {
  return { processed, message: new Message('user.unregister', params) };
}

const NOW = 1_000_000;

test('a processed registration is routable at once, with the route params a router would copy', () => {
  const r = new Registrations();
  const got = r.onRegister(register('234', 'sip:234@10.0.0.7:5062', { conn: 'tcp:1' }), NOW);
  assert.deepEqual([got?.user, got?.targets], ['234', [{ callto: 'sip/sip:234@10.0.0.7:5062', params: { oconnection_id: 'tcp:1' } }]]);
  assert.deepEqual(got?.device, {
    key: 'sip:234@10.0.0.7:5062', target: { callto: 'sip/sip:234@10.0.0.7:5062', params: { oconnection_id: 'tcp:1' } }, connectionId: 'tcp:1',
    expiresAt: NOW + 600_000, domain: '', push: null, userAgent: '', callId: 'sip:234@10.0.0.7:5062-call', since: NOW,
  });
  assert.deepEqual(r.targets('234', NOW), [{ callto: 'sip/sip:234@10.0.0.7:5062', params: { oconnection_id: 'tcp:1' } }]);
  assert.equal(r.seen('234'), true);
  assert.deepEqual(r.targets('235', NOW), []);
});

test('a registration no registrar took (not processed) is not routable and not "seen"', () => {
  const r = new Registrations();
  assert.equal(r.onRegister(register('234', 'sip:234@h:1', { processed: false }), NOW), null);
  assert.deepEqual(r.targets('234', NOW), []);
  assert.equal(r.seen('234'), false);
});

test('a registration is dead at its expiry, as regfile (which dispatches nothing) will soon forget it', () => {
  const r = new Registrations();
  r.onRegister(register('234', 'sip:234@h:1', { expires: 60 }), NOW);
  assert.equal(r.targets('234', NOW + 59_999).length, 1);
  assert.deepEqual(r.targets('234', NOW + 60_000), []);
  assert.equal(r.size, 0);
  assert.equal(r.seen('234'), true, 'a user who registered once stays known for the offline store');
});

test('every device of a user is kept, whatever regfile keeps (the latest), each refreshed in place with its own expiry', () => {
  const r = new Registrations();
  r.onRegister(register('234', 'sip:234@phone:1', { expires: 60 }), NOW);
  r.onRegister(register('234', 'sip:234@laptop:2', { expires: 600 }), NOW);
  assert.deepEqual(r.targets('234', NOW + 1000).map((t) => t.callto), ['sip/sip:234@phone:1', 'sip/sip:234@laptop:2']);
  r.onRegister(register('234', 'sip:234@phone:1', { expires: 600 }), NOW + 1000);
  assert.deepEqual(r.targets('234', NOW + 120_000).map((t) => t.callto), ['sip/sip:234@laptop:2', 'sip/sip:234@phone:1']);
  assert.equal(r.device('234', 'sip:234@phone:1', NOW + 120_000)?.since, NOW, 'a refresh is the same device, first seen at its first registration');
  assert.equal(r.deviceCount, 2);
});

test('a device is named by its +sip.instance when its Contact has one, else by its Contact URI', () => {
  const r = new Registrations();
  const a = r.onRegister(register('234', 'sip:234@10.0.0.7:5062;transport=tcp', { instance: 'urn:uuid:f81d4fae-7dec-11d0-a765-00a0c91e6bf6', ua: 'Linphone/5.1' }), NOW);
  const b = r.onRegister(register('234', 'sip:234@10.0.0.8:5060'), NOW);
  assert.equal(a?.device?.key, 'urn:uuid:f81d4fae-7dec-11d0-a765-00a0c91e6bf6');
  assert.equal(a?.device?.userAgent, 'Linphone/5.1');
  assert.equal(b?.device?.key, 'sip:234@10.0.0.8:5060');
  // The same instance from another address (a phone that changed network) is the same device.
  r.onRegister(register('234', 'sip:234@192.168.1.4:5062', { instance: 'urn:uuid:f81d4fae-7dec-11d0-a765-00a0c91e6bf6' }), NOW + 10);
  assert.deepEqual(r.devices('234', NOW + 10).map((d) => [d.key, d.target.callto]), [
    ['sip:234@10.0.0.8:5060', 'sip/sip:234@10.0.0.8:5060'],
    ['urn:uuid:f81d4fae-7dec-11d0-a765-00a0c91e6bf6', 'sip/sip:234@192.168.1.4:5062'],
  ]);
});

test('without an instance id, a REGISTER that repeats a device\'s Call-ID from a new Contact is that device moved, not a second one', () => {
  const r = new Registrations();
  r.onRegister(register('234', 'sip:234@10.0.0.7:5062', { callId: 'boot-1' }), NOW);
  r.onRegister(register('234', 'sip:234@10.0.0.7:6000', { callId: 'boot-1' }), NOW + 10);
  assert.deepEqual(r.targets('234', NOW + 10).map((t) => t.callto), ['sip/sip:234@10.0.0.7:6000']);
});

test('RFC 8599 push parameters in the Contact URI make a device that may sleep', () => {
  const r = new Registrations();
  const got = r.onRegister(register('234', 'sip:234@10.0.0.7:5062;pn-provider=apns;pn-prid=00fc13adff78;pn-param=ABCD1234.com.example.app'), NOW);
  assert.deepEqual(got?.device?.push, { provider: 'apns', prid: '00fc13adff78', param: 'ABCD1234.com.example.app' });
  assert.equal(r.onRegister(register('555', 'sip:555@10.0.0.8:5060'), NOW)?.device?.push, null);
});

test('a REGISTER with Expires 0 (user.unregister, processed or not) takes that device only; one that names no contact takes them all', () => {
  const r = new Registrations();
  r.onRegister(register('234', 'sip:234@phone:1', { instance: 'urn:uuid:1' }), NOW);
  r.onRegister(register('234', 'sip:234@laptop:2'), NOW);
  r.onUnregister(unregister([['number', '234'], ['username', '234'], ['data', 'sip/sip:234@phone:1'], ['sip_contact', '<sip:234@phone:1>;+sip.instance="<urn:uuid:1>"']], false));
  assert.deepEqual(r.targets('234', NOW).map((t) => t.callto), ['sip/sip:234@laptop:2']);
  r.onRegister(register('234', 'sip:234@phone:1'), NOW);
  r.onUnregister(unregister([['username', '234']]));
  assert.deepEqual(r.targets('234', NOW), []);
  assert.equal(r.deviceCount, 0);
});

test('a connection that went down takes every registration made over it, and only those', () => {
  const r = new Registrations();
  r.onRegister(register('234', 'sip:234@h:1', { conn: 'tcp:10.0.0.7:5061-1' }), NOW);
  r.onRegister(register('555', 'sip:555@h:2', { conn: 'tcp:10.0.0.7:5061-1' }), NOW);
  r.onRegister(register('123', 'sip:123@h:3', { conn: 'general' }), NOW);
  // ysipchan enqueues this (no username) when a TCP/TLS transport terminates; regfile answers false.
  r.onUnregister(unregister([['connection_id', 'tcp:10.0.0.7:5061-1']], false));
  assert.deepEqual([r.targets('234', NOW), r.targets('555', NOW)], [[], []]);
  assert.equal(r.targets('123', NOW).length, 1);
});

test('a registration whose route is a fork is not held (the routers answer it) but still starts offline delivery', () => {
  const r = new Registrations();
  const n = register('234', 'x');
  n.message.set('data', 'fork').set('callto.1', 'sip/sip:234@a:1').set('callto.2', 'sip/sip:234@b:2');
  assert.deepEqual(r.onRegister(n, NOW)?.targets.map((t) => t.callto), ['sip/sip:234@a:1', 'sip/sip:234@b:2']);
  assert.deepEqual(r.targets('234', NOW), []);
});

test('the view holds at most maxDevices devices, forgetting the users registered longest ago', () => {
  const r = new Registrations({ maxDevices: 3 });
  r.onRegister(register('a', 'sip:a@h:1'), NOW);
  r.onRegister(register('a', 'sip:a@h:2'), NOW);
  r.onRegister(register('b', 'sip:b@h:1'), NOW);
  r.onRegister(register('c', 'sip:c@h:1'), NOW);
  assert.deepEqual(['a', 'b', 'c'].map((u) => r.targets(u, NOW).length), [0, 1, 1]);
  assert.equal(r.deviceCount, 2);
});

test('one user holds 64 devices at most: past it the one registered longest ago is forgotten', () => {
  const r = new Registrations();
  for (let i = 0; i < 70; i++) r.onRegister(register('234', `sip:234@10.0.0.${i}:5060`), NOW + i);
  const keys = r.devices('234', NOW + 100).map((d) => d.key);
  assert.equal(keys.length, 64);
  assert.deepEqual([keys[0], keys.at(-1)], ['sip:234@10.0.0.6:5060', 'sip:234@10.0.0.69:5060']);
  assert.equal(r.deviceCount, 64);
});

test('the view holds at most maxUsers users, forgetting the one registered longest ago', () => {
  const r = new Registrations({ maxUsers: 2 });
  r.onRegister(register('a', 'sip:a@h:1'), NOW);
  r.onRegister(register('b', 'sip:b@h:1'), NOW);
  r.onRegister(register('a', 'sip:a@h:1'), NOW); // refreshed: now the newest
  r.onRegister(register('c', 'sip:c@h:1'), NOW);
  assert.deepEqual(['a', 'b', 'c'].map((u) => r.targets(u, NOW).length), [1, 0, 1]);
});

test('clear() forgets every registration (the link dropped: some went unseen) but not who was seen', () => {
  const r = new Registrations();
  r.onRegister(register('234', 'sip:234@h:1'), NOW);
  r.clear();
  assert.deepEqual(r.targets('234', NOW), []);
  assert.equal(r.seen('234'), true);
});
