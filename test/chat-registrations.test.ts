// The registration view (src/chat/core/registrations.ts): built from the user.register and
// user.unregister notifications Yate sends a watcher, as ysipchan and regfile fill them.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { DispatchResult } from '../src/engine/connection.js';
import { Message } from '../src/engine/message.js';
import { Registrations } from '../src/chat/core/registrations.js';

/** A user.register as ysipchan dispatches it (transcripts: probe-native.txt), after regfile took it. */
function register(user: string, contact: string, o: { expires?: number; conn?: string; processed?: boolean } = {}): DispatchResult {
  const m = new Message('user.register', [
    ['number', user], ['expires', String(o.expires ?? 600)], ['username', user], ['driver', 'sip'], ['data', `sip/${contact}`],
    ['connection_id', o.conn ?? 'general'], ['route_params', 'oconnection_id'], ['oconnection_id', o.conn ?? 'general'],
  ]);
  return { processed: o.processed ?? true, message: m };
}

function unregister(params: [string, string][], processed = true): DispatchResult {
  return { processed, message: new Message('user.unregister', params) };
}

const NOW = 1_000_000;

test('a processed registration is routable at once, with the route params a router would copy', () => {
  const r = new Registrations();
  assert.deepEqual(r.onRegister(register('234', 'sip:234@10.0.0.7:5062', { conn: 'tcp:1' }), NOW), { user: '234', targets: [{ callto: 'sip/sip:234@10.0.0.7:5062', params: { oconnection_id: 'tcp:1' } }] });
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

test('like regfile, the latest registration of a user replaces the earlier one', () => {
  const r = new Registrations({ single: true });
  r.onRegister(register('234', 'sip:234@phone:1'), NOW);
  r.onRegister(register('234', 'sip:234@laptop:2'), NOW);
  assert.deepEqual(r.targets('234', NOW).map((t) => t.callto), ['sip/sip:234@laptop:2']);
});

test('with a registrar that keeps every contact, each live one is kept and refreshed in place', () => {
  const r = new Registrations({ single: false });
  r.onRegister(register('234', 'sip:234@phone:1', { expires: 60 }), NOW);
  r.onRegister(register('234', 'sip:234@laptop:2', { expires: 600 }), NOW);
  r.onRegister(register('234', 'sip:234@phone:1', { expires: 600 }), NOW + 1000);
  assert.deepEqual(r.targets('234', NOW + 120_000).map((t) => t.callto), ['sip/sip:234@laptop:2', 'sip/sip:234@phone:1']);
  r.onUnregister(unregister([['username', '234'], ['data', 'sip/sip:234@laptop:2']]));
  assert.deepEqual(r.targets('234', NOW + 120_000).map((t) => t.callto), ['sip/sip:234@phone:1']);
});

test('an unregister by user forgets the user, whether or not it was processed', () => {
  const r = new Registrations();
  r.onRegister(register('234', 'sip:234@h:1'), NOW);
  r.onUnregister(unregister([['number', '234'], ['username', '234'], ['data', 'sip/sip:234@h:1']], false));
  assert.deepEqual(r.targets('234', NOW), []);
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
