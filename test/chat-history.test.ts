// The history, end to end: the REAL module on the engine emulator with `history.enabled`. Every
// MESSAGE that went somewhere is recorded once, whichever path (the fast path, kept for later,
// delivered by yate-chat, sent through the API, to a group), with what its sender was told;
// refusals, receipts and is-typing are not; reading pages back through the cursor; forgetting a
// user deletes their history, stored messages and presence; the recorder writes in batches.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createHistory, cursorOf, positionOf } from '../src/chat/history/index.js';
import { Recorder } from '../src/chat/history/recorder.js';
import type { Kernel } from '../src/chat/core/kernel.js';
import { Stats } from '../src/chat/core/stats.js';
import { isYateChatError } from '../src/errors.js';
import { createMemoryHistory, type HistoryEntry, type HistoryStore } from '../src/store/index.js';
import { command, PATHS, rules, send, until, withLab } from './fixtures/chat-lab.js';
import { withHttpLab } from './fixtures/http-lab.js';

const ON = { history: { enabled: true } };
const PIDF = '<?xml version="1.0"?><presence xmlns="urn:ietf:params:xml:ns:pidf" entity="sip:555@127.0.0.1"><tuple id="t1"><status><basic>open</basic></status></tuple></presence>';

interface Json { messages: { from: string; to: string; body: string; outcome: number; group: boolean; at: string }[]; next: string | null; order: string }

test('a cursor is opaque, round-trips its position, and anything else is BAD_ARGUMENT', () => {
  const c = cursorOf({ at: 1_700_000_000_123, id: 42 });
  assert.match(c, /^[A-Za-z0-9_-]+$/);
  assert.deepEqual(positionOf(c), { at: 1_700_000_000_123, id: 42 });
  for (const bad of ['', 'not a cursor', Buffer.from('1.x').toString('base64url'), 'a'.repeat(41)]) {
    assert.throws(() => positionOf(bad), (err) => isYateChatError(err, 'BAD_ARGUMENT'), bad);
  }
});

test('the recorder writes nothing while a MESSAGE is answered: entries go to the store in one batch a moment later', async () => {
  const appended: (readonly HistoryEntry[])[] = [];
  const inner = createMemoryHistory();
  const store: HistoryStore = { ...inner, append: async (e) => { appended.push([...e]); } };
  const k = { stats: new Stats(), log: { info() {}, warn() {}, error() {} } } as unknown as Kernel;
  const r = new Recorder(k, store);
  const e = (i: number): HistoryEntry => ({ at: i, sender: '123', recipient: '234', group: false, contentType: 'text/plain', bodyEncoding: '', body: `m${i}`, outcome: 200 });
  for (let i = 0; i < 3; i++) r.record(e(i));
  assert.equal(appended.length, 0, 'nothing written at record()');
  assert.equal(r.waiting, 3);
  await until('the batch', () => appended.length === 1);
  assert.deepEqual(appended[0]!.map((x) => x.body), ['m0', 'm1', 'm2']);
  assert.equal(k.stats.history.written, 3);
  await r.close();
});

test('a failing store keeps the entries for the next try, in order, and counts none as written', async () => {
  let fail = true;
  const appended: string[] = [];
  const said: string[] = [];
  const store: HistoryStore = { ...createMemoryHistory(), append: async (e) => {
    if (fail) throw Object.assign(new Error('disk I/O error'), { code: 'STORE_FAILED' });
    appended.push(...e.map((x) => x.body));
  } };
  const k = { stats: new Stats(), log: { info: (t: string) => said.push(t), warn() {}, error: (t: string) => said.push(t) } } as unknown as Kernel;
  const r = new Recorder(k, store);
  for (let i = 0; i < 3; i++) r.record({ at: i, sender: '1', recipient: '2', group: false, contentType: 'text/plain', bodyEncoding: '', body: `m${i}`, outcome: 200 });
  await until('a failed try', () => said.length === 1);
  assert.match(said[0]!, /cannot write to the store, entries wait in memory/);
  assert.equal(r.waiting, 3);
  fail = false;
  await until('the retry', () => appended.length === 3, 5000);
  assert.deepEqual(appended, ['m0', 'm1', 'm2']);
  assert.match(said[1]!, /the store writes again/);
  await r.close();
});

test('entries older than history.retentionDays are deleted at start (and every hour), as the rules say them now', async () => {
  const asked: number[] = [];
  const store: HistoryStore = { ...createMemoryHistory(), purgeBefore: async (at) => (asked.push(at), 0) };
  const k = { stats: new Stats(), config: { history: { enabled: true, retentionDays: 7 } }, log: { info() {}, warn() {}, error() {} } } as unknown as Kernel;
  const t0 = Date.now();
  const h = createHistory({ kernel: k, store, isGroup: () => false, groupsOf: () => [] });
  await until('the first purge', () => asked.length === 1);
  assert.ok(Math.abs(asked[0]! - (t0 - 7 * 86_400_000)) < 5000, `purged before ${new Date(asked[0]!).toISOString()}`);
  await h.close();
});

for (const path of PATHS) {
  test(`${path} path: 123 -> 234 "one" and 234 -> 123 "two" read back oldest first through GET /v1/history/234?with=123, with their outcomes`, async () => {
    await withHttpLab(ON, async (lab) => {
      await lab.register('234', 5072);
      assert.equal(await send(lab, path, { body: 'one' }), 200);
      assert.equal(await send(lab, path, { caller: '234', called: '123', body: 'two' }), 202, '123 is not registered: kept');
      assert.equal(await send(lab, path, { caller: '234', called: '999', body: 'to nobody' }), 404, 'refused: not recorded');
      const res = await lab.api('/v1/history/234?with=123');
      assert.equal(res.status, 200);
      const json = (await res.json()) as Json;
      assert.equal(json.order, 'oldest first');
      assert.deepEqual(json.messages.map((m) => [m.from, m.to, m.body, m.outcome]), [['123', '234', 'one', 0], ['234', '123', 'two', 202]]);
      assert.equal(json.next, null);
      assert.ok(Date.parse(json.messages[0]!.at) <= Date.parse(json.messages[1]!.at));
    });
  });
}

test('pages go back in time with the cursor; limit and a bad cursor are checked; history off is 404', async () => {
  await withHttpLab(ON, async (lab) => {
    await lab.register('234', 5072);
    for (let i = 1; i <= 5; i++) assert.equal(await send(lab, 'generic', { body: `m${i}` }), 200);
    const first = (await (await lab.api('/v1/history/123?with=234&limit=2')).json()) as Json;
    assert.deepEqual(first.messages.map((m) => m.body), ['m4', 'm5']);
    const second = (await (await lab.api(`/v1/history/123?with=234&limit=2&before=${first.next}`)).json()) as Json;
    assert.deepEqual(second.messages.map((m) => m.body), ['m2', 'm3']);
    const third = (await (await lab.api(`/v1/history/123?with=234&limit=2&before=${second.next}`)).json()) as Json;
    assert.deepEqual([third.messages.map((m) => m.body), third.next], [['m1'], null]);
    assert.equal((await lab.api('/v1/history/123?limit=0')).status, 400);
    assert.equal((await lab.api('/v1/history/123?limit=501')).status, 400);
    assert.equal((await lab.api('/v1/history/123?before=nonsense!')).status, 400);
    assert.equal((await lab.api('/v1/history/123', { token: null })).status, 401);
  });
  await withHttpLab({}, async (lab) => {
    const res = await lab.api('/v1/history/123');
    assert.deepEqual([res.status, await res.json()], [404, { error: 'the history is off (history.enabled: false)' }]);
  });
});

test('a message to a group is one entry, which each member reads with the group and in their whole history; the copies are not entries', async () => {
  await withHttpLab({ ...ON, groups: { team: ['123', '234', '345'] } }, async (lab) => {
    await lab.register('234', 5072);
    assert.equal(await send(lab, 'native', { called: 'team', body: 'hi team' }), 202);
    assert.equal(await send(lab, 'generic', { caller: '234', called: 'team', body: '#members' }), 200, 'a command is not an entry');
    const withTeam = (await (await lab.api('/v1/history/345?with=team')).json()) as Json;
    assert.deepEqual(withTeam.messages.map((m) => [m.from, m.to, m.group, m.body, m.outcome]), [['123', 'team', true, 'hi team', 202]]);
    const all = (await (await lab.api('/v1/history/234')).json()) as Json;
    assert.deepEqual(all.messages.map((m) => m.body), ['hi team']);
  });
});

test('messages sent through the API and rmanager are entries; receipts and is-typing are not', async () => {
  await withHttpLab(ON, async (lab) => {
    await lab.register('234', 5072);
    const sent = await lab.api('/v1/messages', { body: { from: '123', to: '234', body: 'from the API' } });
    assert.equal(sent.status, 200);
    assert.match(await command(lab, 'chat send 123 234 from rmanager'), /^200 /);
    assert.equal(await send(lab, 'generic', { type: 'message/imdn+xml', body: '<imdn/>' }), 200);
    assert.equal(await send(lab, 'generic', { type: 'application/im-iscomposing+xml', body: '<isComposing/>' }), 200);
    const json = (await (await lab.api('/v1/history/234')).json()) as Json;
    assert.deepEqual(json.messages.map((m) => [m.body, m.outcome]), [['from the API', 200], ['from rmanager', 200]]);
  });
});

test('chat history shows a user\'s latest messages oldest first; chat forget deletes their history, stored messages and presence', async () => {
  await withLab({ rules: rules({ ...ON, groups: { team: ['123', '555'] } }) }, async (lab) => {
    await lab.register('234', 5072);
    assert.equal(await send(lab, 'generic', { called: '234', body: 'hello 234' }), 200);
    assert.equal(await send(lab, 'generic', { called: '555', body: 'for later' }), 202);
    assert.equal(await lab.sip.receivePublish({ caller: '555', called: '555', type: 'application/pidf+xml', body: PIDF }), 200);
    const shown = await command(lab, 'chat history 123');
    assert.match(shown, /^\S+Z 123 -> 234 \[text\/plain\] "hello 234" \(sent\)\r\n\S+Z 123 -> 555 \[text\/plain\] "for later" \(202\)\r\n$/);
    assert.equal(await command(lab, 'chat history 123 234'), shown.split('\r\n')[0] + '\r\n');
    assert.equal(await command(lab, 'chat forget 555'),
      'forgot 555: 1 history entries, 1 stored messages, 1 presence publications, 0 subscriptions, left groups: none\r\n'
      + 'still a member of team by the rules file: take 555 out there (and chat reload)\r\n');
    assert.equal(await command(lab, 'chat history 555'), 'no history for 555\r\n');
    assert.equal(await command(lab, 'chat queue 555'), 'no stored messages for 555\r\n');
    assert.equal(await command(lab, 'chat presence 555'), 'no presence for 555\r\n');
    assert.match(await command(lab, 'chat history 123'), /^\S+Z 123 -> 234 .*\(sent\)\r\n$/, '123\'s own message to 234 stays');
  });
});

test('DELETE /v1/users/USER forgets them and says what went; chat history without history is said plainly', async () => {
  await withHttpLab(ON, async (lab) => {
    assert.equal(await send(lab, 'generic', { called: '555', body: 'kept' }), 202);
    const res = await lab.api('/v1/users/555', { method: 'DELETE' });
    assert.deepEqual([res.status, await res.json()], [200, { user: '555', history: 1, messages: 1, publications: 0, subscriptions: 0, groups: [], rulesGroups: [] }]);
  });
  await withLab({}, async (lab) => {
    assert.equal(await command(lab, 'chat history 123'), 'history is off (history.enabled in the rules file, then a restart)\r\n');
  });
});

test('history off costs nothing on the way: status says history=off and no store is opened for it', async () => {
  await withLab({}, async (lab) => {
    assert.match(await lab.emu.rmanager.status('yate-chat'), /,history=off/);
  });
  await withLab({ rules: rules(ON) }, async (lab) => {
    await lab.register('234', 5072);
    await send(lab, 'generic');
    await command(lab, 'chat history 123'); // flushes
    assert.match(await lab.emu.rmanager.status('yate-chat'), /,history=on,history_written=1,history_waiting=0,history_dropped=0/);
  });
});
