// The one routing decision (src/chat/messaging/decide.ts), as a pure function: every refusal, the aliases,
// the registration view, and what follows a lookup through Yate's routers.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { loadConfig, type Config, type RateDecision } from '../src/config/index.js';
import { afterLookup, decide, route, type Ask, type World } from '../src/chat/messaging/decide.js';
import type { Device } from '../src/chat/core/registrations.js';
import type { Target } from '../src/chat/core/sip.js';
import { writeRules } from './config-fixtures.js';

function config(rules: Record<string, unknown> = {}): Config {
  return loadConfig(writeRules(JSON.stringify({ offline: { store: { kind: 'memory' } }, ...rules })));
}

const target = (callto: string, params: Record<string, string> = {}): Target => ({ callto, params });
const OK: RateDecision = { ok: true };

/** A device of the view at `t`, with push parameters when `push` is given. */
const device = (t: Target, push: Device['push'] = null): Device => ({
  key: t.callto.slice(4), target: t, connectionId: 'general', expiresAt: Infinity, domain: '', push, userAgent: '', callId: '', since: 0,
});

function world(over: Partial<World> & { rules?: Record<string, unknown> } = {}): World & { taken: string[] } {
  const taken: string[] = [];
  return {
    config: over.config ?? config(over.rules),
    devices: over.devices ?? (() => []),
    known: over.known ?? (() => false),
    rate: over.rate ?? ((s) => { taken.push(s); return OK; }),
    group: over.group ?? (() => null),
    taken,
  };
}

const ask = (a: Partial<Ask> = {}): Ask => ({ sender: '123', authenticated: true, rateKey: a.sender ?? '123', called: '234', type: 'text/plain', bodyLength: 5, antiloop: 19, ...a });

test('each check refuses with its own code, in order, before anything is routed', () => {
  const w = world({ rules: { contentTypes: ['text/plain'], maxBodyBytes: 10, deny: { callers: ['666'], callees: ['/^9/'] } } });
  const cases: [Partial<Ask>, number, RegExp][] = [
    [{ type: undefined }, 415, /no Content-Type/],
    [{ type: 'image/png' }, 415, /image\/png not accepted/],
    [{ bodyLength: 11 }, 413, /11 bytes exceeds 10/],
    [{ called: '' }, 404, /no recipient/],
    [{ sender: '' }, 403, /no sender/],
    [{ antiloop: 0 }, 483, /loop/],
    [{ sender: '666' }, 403, /caller denied/],
    [{ called: '900' }, 403, /callee denied/],
  ];
  for (const [a, code, reason] of cases) {
    const d = decide(ask(a), w);
    assert.equal(d.kind, 'refuse', JSON.stringify(a));
    if (d.kind !== 'refuse') continue;
    assert.equal(d.code, code, JSON.stringify(a));
    assert.match(d.reason, reason);
  }
  assert.deepEqual(w.taken, [], 'a refused message takes no token from the sender\'s bucket');
});

test('a sender over the rate limit gets 503 with Retry-After, or 403 when the rules say so, marked as rate limited', () => {
  const over = (): RateDecision => ({ ok: false, retryAfterSeconds: 7 });
  assert.deepEqual(decide(ask(), world({ rate: over })), {
    kind: 'refuse', code: 503, reason: 'sender 123 over the rate limit', rateLimited: true, headers: { 'Retry-After': '7' },
  });
  assert.deepEqual(decide(ask(), world({ rate: over, rules: { rateLimit: { code: 403 } } })), {
    kind: 'refuse', code: 403, reason: 'sender 123 over the rate limit', rateLimited: true,
  });
});

test('a recipient registered from one device without push parameters is delivered to it without asking Yate (the fast path)', () => {
  const contact = target('sip/sip:234@10.0.0.7:5062', { oconnection_id: 'general' });
  const asked: string[] = [];
  const d = decide(ask(), world({ devices: (u) => { asked.push(u); return u === '234' ? [device(contact)] : []; } }));
  assert.deepEqual(d, { kind: 'deliver', recipient: '234', targets: [contact] });
  assert.deepEqual(asked, ['234']);
});

test('a recipient with several devices, or one device that may sleep (RFC 8599), gets a fork to its devices', () => {
  const phone = device(target('sip/sip:234@10.0.0.7:5062'));
  const laptop = device(target('sip/sip:234@10.0.0.8:5060'));
  const sleeper = device(target('sip/sip:234@10.0.0.9:5060;pn-provider=fcm;pn-prid=T'), { provider: 'fcm', prid: 'T', param: '' });
  assert.deepEqual(decide(ask(), world({ devices: () => [phone, laptop] })), { kind: 'fork', recipient: '234', devices: [phone, laptop] });
  assert.deepEqual(decide(ask(), world({ devices: () => [sleeper] })), { kind: 'fork', recipient: '234', devices: [sleeper] });
});

test('a fork goes to at most delivery.maxTargets devices, the latest registered', () => {
  const many = [1, 2, 3].map((i) => device(target(`sip/sip:234@h:${i}`)));
  const d = decide(ask(), world({ rules: { delivery: { maxTargets: 2 } }, devices: () => many }));
  assert.deepEqual(d.kind === 'fork' && d.devices, many.slice(1));
});

test('a recipient the view does not hold is looked up through Yate\'s routers, never assumed offline', () => {
  assert.deepEqual(decide(ask({ called: '555' }), world({ known: () => true })), { kind: 'lookup', recipient: '555' });
});

test('aliases: to a user routes that user; to a URI delivers there under the name the sender wrote', () => {
  const w = world({ rules: { aliases: { support: '234', help: 'sip:help@10.0.0.5', desk: 'support' } }, devices: (u) => (u === '234' ? [device(target('sip/sip:234@h:1'))] : []) });
  assert.deepEqual(decide(ask({ called: 'desk' }), w), { kind: 'deliver', recipient: '234', targets: [target('sip/sip:234@h:1')] });
  assert.deepEqual(decide(ask({ called: 'help' }), w), { kind: 'deliver', recipient: 'help', targets: [target('sip/sip:help@10.0.0.5')] });
  assert.deepEqual(route('support', world({ rules: { aliases: { support: '555' } } })), { kind: 'lookup', recipient: '555' });
});

test('no more routes from a lookup than delivery.maxTargets', () => {
  const many = [1, 2, 3].map((i) => target(`sip/sip:234@h:${i}`));
  assert.deepEqual(afterLookup('234', { targets: many, error: null }, world({ rules: { delivery: { maxTargets: 2 } } })), { kind: 'deliver', recipient: '234', targets: many.slice(0, 2) });
});

test('after a lookup: a route delivers; none keeps it for a known user; else 480 when the router says offline, 404 otherwise', () => {
  const known = world({ known: (u, err) => u === '555' || err === 'offline' });
  assert.deepEqual(afterLookup('234', { targets: [target('sip/sip:234@h:1')], error: null }, known), { kind: 'deliver', recipient: '234', targets: [target('sip/sip:234@h:1')] });
  assert.deepEqual(afterLookup('555', { targets: [], error: null }, known), { kind: 'keep', recipient: '555', why: 'not registered' });
  assert.deepEqual(afterLookup('777', { targets: [], error: 'offline' }, known), { kind: 'keep', recipient: '777', why: 'offline' });
  const nobody = world();
  assert.deepEqual(afterLookup('777', { targets: [], error: 'offline' }, nobody), { kind: 'refuse', code: 480, reason: 'no route to 777 (offline)' });
  assert.deepEqual(afterLookup('999', { targets: [], error: null }, nobody), { kind: 'refuse', code: 404, reason: 'no route to 999' });
});

test('a group is routed to its members after aliases and webhooks; only its members may write unless anyone may', () => {
  const groups: Record<string, { writers: 'members' | 'anyone'; members: string[] }> = { team: { writers: 'members', members: ['123', '234'] }, news: { writers: 'anyone', members: ['234'] } };
  const w = world({
    rules: { aliases: { all: 'team' } },
    group: (name) => (Object.hasOwn(groups, name) ? { writers: groups[name]!.writers, has: (u: string) => groups[name]!.members.includes(u) } : null),
    devices: () => [device(target('sip/sip:team@10.0.0.1'))],
  });
  assert.deepEqual(decide(ask({ called: 'team' }), w), { kind: 'group', recipient: 'team' });
  assert.deepEqual(decide(ask({ called: 'all' }), w), { kind: 'group', recipient: 'team' }, 'an alias of a group is the group');
  assert.deepEqual(decide(ask({ called: 'news', sender: '999' }), w), { kind: 'group', recipient: 'news' });
  const d = decide(ask({ called: 'team', sender: '999' }), w);
  assert.equal(d.kind, 'refuse');
  if (d.kind === 'refuse') assert.deepEqual([d.code, d.reason], [403, '999 is not a member of group team']);
  assert.deepEqual(route('team', w), { kind: 'group', recipient: 'team' }, 'route() alone (the admin sending) does not ask who writes');
});
