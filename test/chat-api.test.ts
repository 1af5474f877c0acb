// The chat module's methods (stats, presence, queue, purge, send): what rmanager's commands and
// an HTTP face call. The module runs in this process on a Connection to the engine emulator
// (TCP listener) with regfile and ysipchan, so every result comes from the real pipeline.
import assert from 'node:assert/strict';
import { test, type TestContext } from 'node:test';
import { isYateChatError } from '../src/errors.js';
import { fromText } from '../src/protocol/bytes.js';
import type { ChatModule } from '../src/chat/module.js';
import { chatRig, type Rig } from './fixtures/chat-rig.js';

async function rig(t: TestContext, rules: Record<string, unknown> = {}): Promise<Rig> {
  return chatRig(t, rules);
}

const code = (err: unknown, c: Parameters<typeof isYateChatError>[1]) => isYateChatError(err, c);

function pidf(user: string, basic: string, note: string): string {
  return `<?xml version="1.0"?><presence xmlns="urn:ietf:params:xml:ns:pidf" entity="sip:${user}@127.0.0.1">`
    + `<tuple id="t1"><status><basic>${basic}</basic></status><note>${note}</note></tuple></presence>`;
}

test('stats() counts what the pipeline did: a MESSAGE handed over, one refused with 404, the store in use', async (t) => {
  const { sip, chat } = await rig(t);
  const before = chat.stats();
  assert.deepEqual({ ...before, rttP50Ms: null, offered: 0, emitted: 0 }, {
    mode: 'confirmed', received: 0, handed: 0, delivered: 0, stored: 0, offlineDelivered: 0, rejected: 0, rejectedByCode: {},
    rateLimited: 0, presence: 0, store: 'memory', rttP50Ms: null, offered: 0, emitted: 0, subscriptions: 0,
    devices: 0, forks: 0, lateDelivered: 0, pushes: 0,
    storeProblem: null, subscriptionStore: 'memory', subscriptionProblem: null, offlineRefused: 0, offlineGaveUp: 0,
    groups: 0, groupMessages: 0, groupCopies: 0, history: null,
  });
  await sip.receiveRegister({ user: '234', contact: 'sip:234@127.0.0.1:5070' });
  assert.equal(await sip.receiveMessage({ path: 'generic', caller: '123', called: '234', type: 'text/plain', body: 'hi' }), 200);
  assert.equal(await sip.receiveMessage({ path: 'generic', caller: '123', called: '999', type: 'text/plain', body: 'x' }), 404);
  assert.equal(await sip.receiveMessage({ path: 'generic', caller: '123', called: '234', body: 'no type' }), 415);
  const s = chat.stats();
  assert.deepEqual([s.received, s.handed, s.rejected, s.rejectedByCode], [3, 1, 2, { 404: 1, 415: 1 }]);
  assert.deepEqual(Object.keys(s.rejectedByCode), ['404', '415'], 'codes ascending');
  assert.ok(s.offered > before.offered, 'Yate offered the module messages');
  assert.equal(typeof s.rttP50Ms, 'number', 'the 999 lookup was a dispatch Yate answered');
});

test('health() is ok while the link to Yate is up and the store usable, and says the engine is down once the link is gone', async (t) => {
  const { chat, conn } = await rig(t);
  assert.deepEqual(chat.health(), { ok: true, engine: 'up', store: 'ok', subscriptions: 'ok' });
  await conn.close();
  assert.deepEqual(chat.health(), { ok: false, engine: 'down', store: 'ok', subscriptions: 'ok' });
});

test('health() with the offline store off and no subscriptions is ok: nothing to be unavailable', async (t) => {
  const { chat } = await rig(t, { offline: { enabled: false }, presence: { subscribe: false } });
  assert.deepEqual(chat.health(), { ok: true, engine: 'up', store: 'off', subscriptions: 'off' });
});

test('presence() gives each user\'s latest PUBLISH as text, one user\'s alone, and [] for nobody', async (t) => {
  const { sip, chat } = await rig(t);
  assert.deepEqual(chat.presence(), []);
  const at = Date.now();
  assert.equal(await sip.receivePublish({ caller: fromText('jöe'), called: fromText('jöe'), type: 'application/pidf+xml', body: fromText(pidf('j', 'open', 'café ☕')) }), 200);
  assert.equal(await sip.receivePublish({ caller: '555', called: '555', type: 'application/pidf+xml', body: pidf('555', 'closed', 'away') }), 200);
  const all = chat.presence();
  assert.deepEqual(all.map((p) => [p.user, p.basic, p.note]), [['jöe', 'open', 'café ☕'], ['555', 'closed', 'away']]);
  assert.ok(all[0]!.since >= at && all[0]!.expiresAt! > all[0]!.since);
  assert.deepEqual(chat.presence('jöe'), [all[0]]);
  assert.deepEqual(chat.presence('999'), []);
  assert.equal(chat.stats().presence, 2);
});

test('watchers() lists who watches whom as text, by presentity then watcher, and stats() counts the subscriptions', async (t) => {
  const { sip, chat } = await rig(t);
  assert.deepEqual(chat.watchers(), []);
  const at = Date.now();
  for (const [caller, called, tag] of [['555', '234', 'w1'], ['123', '234', 'w2'], [fromText('jöe'), '555', 'w3']] as const) {
    assert.equal(await sip.receiveSubscribe({ caller, called, expires: 600, callid: `sub-${tag}@127.0.0.1`, fromTag: tag }), 200);
  }
  const all = chat.watchers();
  assert.deepEqual(all.map((w) => [w.presentity, w.watcher]), [['234', '123'], ['234', '555'], ['555', 'jöe']]);
  for (const w of all) assert.ok(w.expiresAt >= at + 600_000 - 1000 && w.expiresAt <= Date.now() + 600_000);
  assert.deepEqual(chat.watchers('555').map((w) => w.watcher), ['jöe']);
  assert.deepEqual(chat.watchers('999'), []);
  assert.equal(chat.stats().subscriptions, 3);
});

test('watchers() is empty and no SUBSCRIBE is served when the rules turn presence.subscribe off', async (t) => {
  const { sip, chat } = await rig(t, { presence: { subscribe: false } });
  assert.notEqual(await sip.receiveSubscribe({ caller: '123', called: '234', expires: 600 }), 200);
  assert.deepEqual([chat.watchers(), chat.stats().subscriptions], [[], 0]);
});

test('queue() lists who has messages waiting, queue(user) their messages as text, purge(user) deletes them', async (t) => {
  const { sip, chat } = await rig(t);
  assert.deepEqual(await chat.queue(), []);
  const at = Date.now();
  for (const body of ['call me', 'naïve 日本']) {
    assert.equal(await sip.receiveMessage({ path: 'generic', caller: '123', called: '555', type: 'text/plain; charset=utf-8', body: fromText(body) }), 202);
  }
  const all = await chat.queue();
  assert.deepEqual(all.map((r) => [r.user, r.count]), [['555', 2]]);
  assert.ok(all[0]!.oldest >= at);

  const q = await chat.queue('555');
  assert.equal(q.user, '555');
  assert.equal(q.total, 2);
  assert.deepEqual(q.messages.map((m) => [m.from, m.body, m.bytes, m.contentType, m.bodyEncoding, m.attempts]), [
    ['123', 'call me', 7, 'text/plain; charset=utf-8', '', 0],
    ['123', 'naïve 日本', 13, 'text/plain; charset=utf-8', '', 0],
  ]);
  assert.ok(q.messages[0]!.id < q.messages[1]!.id && q.messages[0]!.expiresAt > q.messages[0]!.receivedAt);

  const first = await chat.queue('555', 1);
  assert.deepEqual([first.total, first.messages.map((m) => m.body)], [2, ['call me']], 'the first of two, and how many in all');
  assert.deepEqual(await chat.queue('234'), { user: '234', total: 0, messages: [] });

  assert.equal(await chat.purge('555'), 2);
  assert.equal(await chat.purge('555'), 0);
  assert.deepEqual(await chat.queue(), []);
});

test('queue() and purge() reject OFFLINE_DISABLED when the rules turn the offline store off', async (t) => {
  const { chat } = await rig(t, { offline: { enabled: false } });
  assert.equal(chat.stats().store, null);
  await assert.rejects(chat.queue(), (err) => code(err, 'OFFLINE_DISABLED'));
  await assert.rejects(chat.queue('555'), (err) => code(err, 'OFFLINE_DISABLED'));
  await assert.rejects(chat.purge('555'), (err) => code(err, 'OFFLINE_DISABLED'));
});

test('send() delivers to a registered user (200), keeps for an offline one (202) and answers 404 for an unknown one', async (t) => {
  const { sip, chat } = await rig(t);
  await sip.receiveRegister({ user: '234', contact: 'sip:234@127.0.0.1:5070' });
  const ok = await chat.send({ from: '123@example.org', to: '234', text: 'hello ☺' });
  assert.deepEqual(ok, { code: 200, detail: 'delivered to sip/sip:234@127.0.0.1:5070' });
  const out = sip.sent.at(-1)!;
  assert.equal(out.uri, 'sip:234@127.0.0.1:5070');
  assert.equal(Buffer.from(out.bodyBytes!, 'latin1').toString('utf8'), 'hello ☺');
  assert.match(out.headers.find(([h]) => h === 'From')![1], /<sip:123@example\.org>/);

  assert.deepEqual(await chat.send({ from: '123', to: '555', text: 'later' }), { code: 202, detail: 'stored for 555 (offline)' });
  assert.deepEqual((await chat.queue('555')).messages.map((m) => m.body), ['later']);
  const unknown = await chat.send({ from: '123', to: '999@example.org', text: 'x' });
  assert.equal(unknown.code, 404);
});

test('send() rejects BAD_ARGUMENT for a request that cannot be sent, and sends nothing', async (t) => {
  const { sip, chat } = await rig(t);
  await sip.receiveRegister({ user: '234', contact: 'sip:234@127.0.0.1:5070' });
  const bad: [Parameters<ChatModule['send']>[0], RegExp][] = [
    [{ from: '123@exa mple', to: '234', text: 'x' }, /not a domain: exa mple/],
    [{ from: '123@<evil>', to: '234', text: 'x' }, /not a domain/],
    [{ from: '@example.org', to: '234', text: 'x' }, /no sender/],
    [{ from: '123', to: '@example.org', text: 'x' }, /no recipient/],
    [{ from: '123', to: '234', text: '' }, /no text/],
    [{ from: '123', to: '234', text: 'x', type: 'text/plain\r\nX-Evil: 1' }, /not a content type/],
    [{ from: '123', to: '234', text: 'x', type: 'plain' }, /not a content type/],
    [{ from: '123', to: '234', text: 'x', headers: { 'X-Priority': '1' } }, /"X-Priority" is not a header that describes the body/],
    [{ from: '123', to: '234', text: 'x', headers: { 'content-language': 'en\r\nX-Evil: 1' } }, /Content-Language: expected/],
    [{ from: '123', to: '234', text: 'eA==x', bodyEncoding: 'base64' }, /not base64/],
    [{ from: '123', to: '234', text: 'x', bodyEncoding: 'hex' as 'base64' }, /bodyEncoding must be "base64"/],
  ];
  for (const [req, message] of bad) {
    await assert.rejects(chat.send(req), (err) => code(err, 'BAD_ARGUMENT') && message.test((err as Error).message), JSON.stringify(req));
  }
  assert.equal(sip.sent.length, 0);
  const typed = await chat.send({ from: '123', to: '234', text: '<b>x</b>', type: 'text/html; charset=utf-8' });
  assert.equal(typed.code, 200);
  assert.equal(sip.sent.at(-1)!.type, 'text/html; charset=utf-8');
});
