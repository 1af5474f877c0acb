// One behaviour suite for every MessageStore backend (hono's common.case.test.ts pattern):
// each backend's test file calls runStoreSuite with a factory.

import { describe, test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { isYateChatError, type ErrorCode } from '../src/errors.js';
import type { MessageStore, NewMessage, StoreLimits } from '../src/store/index.js';

export interface OpenedStore {
  readonly store: MessageStore;
  /** Closes the store and removes whatever it left behind. */
  cleanup(): Promise<void>;
}

export type StoreFactory = (opts: Partial<StoreLimits> & { now: () => number }) => Promise<OpenedStore>;

const T0 = 1_700_000_000_000;
const utf8 = (s: string): string => Buffer.from(s, 'utf8').toString('latin1');
const range = (from: number, to: number): string => String.fromCharCode(...Array.from({ length: to - from }, (_, i) => from + i));

/** Every awkward byte: separators of the Yate wire and of URIs, line ends, UTF-8, invalid UTF-8. */
export const AWKWARD_BODIES: readonly string[] = [
  'a:b%c=d;e,f\r\nline 2\r\n\r\n',
  utf8('héllo wörld ✓ 😀'),
  range(0x80, 0x100),
  range(0x01, 0x100),
  '\xc3\x28\xff\xfe\xa0\xa1 \xe2\x82',
  '',
];

async function rejectsWith(p: Promise<unknown>, code: ErrorCode): Promise<void> {
  await assert.rejects(p, (err: unknown) => {
    assert.ok(isYateChatError(err, code), `expected ${code}, got ${String(err)}`);
    return true;
  });
}

function msg(recipient: string, body: string, extra: Partial<NewMessage> = {}): NewMessage {
  return { recipient, sender: 'bob', senderUri: 'sip:bob@example.org', body, contentType: 'text/plain', ...extra };
}

export function runStoreSuite(name: string, factory: StoreFactory): void {
  /** Opens a store whose clock the test moves; closed and cleaned up when the test ends. */
  async function open(t: TestContext, limits: Partial<StoreLimits> = {}) {
    let now = T0;
    const opened = await factory({ quotaPerRecipient: 100, maxBodyBytes: 4096, expirySeconds: 3600, ...limits, now: () => now });
    t.after(() => opened.cleanup());
    return { store: opened.store, advance: (ms: number) => void (now += ms), at: (ms: number) => void (now = T0 + ms) };
  }

  describe(`${name} store`, () => {
    test('pending returns what put stored, oldest first, byte for byte', async (t) => {
      const { store, advance } = await open(t);
      const sent: NewMessage[] = AWKWARD_BODIES.map((body, i) =>
        msg('al\xefce', body, {
          sender: `b\xf6b${i}`,
          senderUri: `sip:b\xf6b${i}@ex:ample.org;tag=%41`,
          contentType: i % 2 ? 'application/octet-stream' : 'text/plain;charset=utf-8',
          bodyEncoding: i % 2 ? 'base64' : '',
          params: { domain: 'example.org', 'caller:name=%': '\xc3\xa9lo\xff', ['__proto__']: 'kept as a key' },
        }),
      );
      const stored = [];
      for (const m of sent) {
        stored.push(await store.put(m));
        advance(1000);
      }
      const pending = await store.pending('al\xefce');
      assert.deepEqual(pending, stored);
      assert.deepEqual(
        pending.map((p) => [p.sender, p.senderUri, p.body, p.contentType, p.bodyEncoding, p.attempts, p.receivedAt]),
        sent.map((m, i) => [m.sender, m.senderUri, m.body, m.contentType, m.bodyEncoding, 0, T0 + i * 1000]),
      );
      for (const p of pending) {
        assert.deepEqual(Object.entries(p.params), [['domain', 'example.org'], ['caller:name=%', '\xc3\xa9lo\xff'], ['__proto__', 'kept as a key']]);
      }
      const ids = pending.map((p) => p.id);
      assert.deepEqual(ids, [...ids].sort((a, b) => a - b));
      assert.equal(new Set(ids).size, ids.length);
    });

    test('a message stored without params, headers or encoding comes back with {}, {} and an empty encoding', async (t) => {
      const { store } = await open(t);
      await store.put(msg('alice', 'hi'));
      const [m] = await store.pending('alice');
      assert.deepEqual([m?.params, m?.headers, m?.bodyEncoding], [{}, {}, '']);
    });

    test('the headers a message carries come back byte for byte, in order, with a binary body', async (t) => {
      const { store } = await open(t);
      const deflated = '\x78\x9c\x00\xff\r\n%z:\x01';
      const headers = { 'Call-ID': 'a84b4c76e66710@pc33.example.com', 'Content-Encoding': 'deflate', 'Content-Language': 'de-\xe4', ['__proto__']: 'a key' };
      const put = await store.put(msg('alice', deflated, { contentType: 'message/imdn+xml', bodyEncoding: '', headers }));
      const [m] = await store.pending('alice');
      assert.deepEqual(m, put);
      assert.equal(m?.body, deflated);
      assert.deepEqual(Object.entries(m!.headers), Object.entries(headers));
    });

    test('a receivedAt given by the caller is kept, and expiry counts from the store clock', async (t) => {
      const { store } = await open(t, { expirySeconds: 10 });
      const m = await store.put(msg('alice', 'hi', { receivedAt: T0 - 5000 }));
      assert.deepEqual([m.receivedAt, m.expiresAt], [T0 - 5000, T0 + 10_000]);
    });

    test('pending with a limit returns only the oldest messages', async (t) => {
      const { store } = await open(t);
      for (const body of ['1', '2', '3', '4']) await store.put(msg('alice', body));
      assert.deepEqual((await store.pending('alice', 2)).map((m) => m.body), ['1', '2']);
    });

    test('recipients are compared byte for byte: another spelling sees nothing', async (t) => {
      const { store } = await open(t);
      await store.put(msg('alice', 'for alice'));
      assert.deepEqual(await store.pending('Alice'), []);
      assert.deepEqual(await store.pending('alice '), []);
      assert.equal(await store.count('Alice'), 0);
    });

    test('delivered deletes that message only, and a second delivered is harmless', async (t) => {
      const { store } = await open(t);
      const a = await store.put(msg('alice', 'a'));
      const b = await store.put(msg('alice', 'b'));
      const c = await store.put(msg('carol', 'c'));
      await store.delivered(b.id);
      await store.delivered(b.id);
      await store.delivered(987654);
      assert.deepEqual((await store.pending('alice')).map((m) => m.id), [a.id]);
      assert.deepEqual((await store.pending('carol')).map((m) => m.id), [c.id]);
      assert.equal(store.stats().deliveredDeleted, 1);
    });

    test('dropped deletes that message undelivered and counts it apart from deliveries', async (t) => {
      const { store } = await open(t);
      const a = await store.put(msg('alice', 'refused for good'));
      const b = await store.put(msg('alice', 'next'));
      await store.dropped(a.id);
      await store.dropped(a.id);
      await store.dropped(987654);
      assert.deepEqual((await store.pending('alice')).map((m) => m.id), [b.id]);
      assert.deepEqual([store.stats().droppedDeleted, store.stats().deliveredDeleted], [1, 0]);
    });

    test('failed keeps the message and counts its attempts', async (t) => {
      const { store } = await open(t);
      const a = await store.put(msg('alice', 'a'));
      const b = await store.put(msg('alice', 'b'));
      await store.failed(a.id);
      await store.failed(a.id);
      await store.failed(987654);
      assert.deepEqual((await store.pending('alice')).map((m) => [m.id, m.attempts]), [[a.id, 2], [b.id, 0]]);
      assert.equal(store.stats().failedAttempts, 2);
    });

    test('a put over the recipient quota rejects with STORE_QUOTA and stores nothing', async (t) => {
      const { store } = await open(t, { quotaPerRecipient: 3 });
      const kept = [];
      for (const body of ['1', '2', '3']) kept.push(await store.put(msg('alice', body)));
      await rejectsWith(store.put(msg('alice', '4')), 'STORE_QUOTA');
      assert.deepEqual(await store.pending('alice'), kept);
      assert.equal(await store.count(), 3);
      await store.put(msg('carol', 'other recipients have their own quota'));
      await store.delivered(kept[0]!.id);
      await store.put(msg('alice', '4 once there is room'));
      assert.deepEqual((await store.pending('alice')).map((m) => m.body), ['2', '3', '4 once there is room']);
      assert.equal(store.stats().quotaRejected, 1);
    });

    test('past maxMessages for all recipients together a put rejects with STORE_FULL and stores nothing', async (t) => {
      const { store } = await open(t, { maxMessages: 3 });
      // Recipients are named by senders: each new name has a fresh per-recipient quota, not a fresh store.
      for (const r of ['r1', 'r2', 'r3']) await store.put(msg(r, 'made-up recipient'));
      await rejectsWith(store.put(msg('r4', 'one too many')), 'STORE_FULL');
      await rejectsWith(store.put(msg('r1', 'one too many')), 'STORE_FULL');
      assert.equal(await store.count(), 3);
      assert.deepEqual(await store.pending('r4'), []);
      assert.equal(store.stats().fullRejected, 2);
      const [first] = await store.pending('r1');
      await store.delivered(first!.id);
      await store.put(msg('r4', 'room again'));
      assert.equal(await store.count(), 4 - 1);
    });

    test('a full store makes room from expired messages before refusing', async (t) => {
      const { store, advance } = await open(t, { maxMessages: 2, expirySeconds: 60 });
      await store.put(msg('r1', 'old'));
      await store.put(msg('r2', 'old'));
      advance(60_000);
      await store.put(msg('r3', 'new'));
      await store.put(msg('r4', 'new'));
      await rejectsWith(store.put(msg('r5', 'full of live ones')), 'STORE_FULL');
      assert.deepEqual((await store.recipients()).map((r) => r.recipient), ['r3', 'r4']);
    });

    test('expired messages do not count against the quota', async (t) => {
      const { store, advance } = await open(t, { quotaPerRecipient: 2, expirySeconds: 60 });
      await store.put(msg('alice', 'old 1'));
      await store.put(msg('alice', 'old 2'));
      advance(60_000);
      await store.put(msg('alice', 'new 1'));
      await store.put(msg('alice', 'new 2'));
      assert.deepEqual((await store.pending('alice')).map((m) => m.body), ['new 1', 'new 2']);
    });

    test('a body up to maxBodyBytes is stored and a larger one rejects with STORE_TOO_LARGE', async (t) => {
      const { store } = await open(t, { maxBodyBytes: 16 });
      await store.put(msg('alice', '\xff'.repeat(16)));
      await rejectsWith(store.put(msg('alice', '\xff'.repeat(17))), 'STORE_TOO_LARGE');
      assert.deepEqual((await store.pending('alice')).map((m) => m.body), ['\xff'.repeat(16)]);
      assert.equal(store.stats().tooLargeRejected, 1);
    });

    test('a store asked to keep messages past ten years (expirySeconds 1e15) refuses to open with BAD_ARGUMENT', async () => {
      await rejectsWith(factory({ expirySeconds: 1e15, now: Date.now }).then((o) => o.store), 'BAD_ARGUMENT');
    });

    test('a value that is not a byte string rejects with BAD_ARGUMENT and stores nothing', async (t) => {
      const { store } = await open(t);
      await rejectsWith(store.put(msg('alice', 'snow \u2603 man')), 'BAD_ARGUMENT');
      await rejectsWith(store.put(msg('alice', 'ok', { params: { name: '\u0100' } })), 'BAD_ARGUMENT');
      await rejectsWith(store.put(msg('alice', 'ok', { headers: { 'Content-Language': '\u0100' } })), 'BAD_ARGUMENT');
      await rejectsWith(store.pending('\u0101lice'), 'BAD_ARGUMENT');
      assert.equal(await store.count(), 0);
    });

    test('an expired message is never returned, and purgeExpired deletes and counts it', async (t) => {
      const { store, at } = await open(t, { expirySeconds: 60 });
      const first = await store.put(msg('alice', 'first'));
      at(30_000);
      await store.put(msg('alice', 'second'));
      await store.put(msg('carol', 'third'));
      assert.equal(first.expiresAt, T0 + 60_000);
      at(59_999);
      assert.equal(await store.count('alice'), 2);
      at(60_000);
      assert.deepEqual((await store.pending('alice')).map((m) => m.body), ['second']);
      assert.equal(await store.count('alice'), 1);
      assert.equal(await store.count(), 2);
      assert.equal(await store.purgeExpired(), 1);
      assert.equal(await store.purgeExpired(), 0);
      assert.equal(await store.purgeExpired(T0 + 90_000), 2);
      at(0);
      assert.equal(await store.count(), 0, 'purged messages are gone even for an earlier clock');
      assert.equal(store.stats().expiredPurged, 3);
    });

    test('purge deletes every message of one recipient, expired or not, and says how many', async (t) => {
      const { store, at } = await open(t, { expirySeconds: 60 });
      await store.put(msg('alice', '1'));
      at(30_000);
      await store.put(msg('alice', '2'));
      await store.put(msg('carol', '3'));
      at(60_000);
      assert.equal(await store.purge('alice'), 2);
      assert.equal(await store.purge('alice'), 0);
      assert.deepEqual((await store.pending('carol')).map((m) => m.body), ['3']);
      assert.equal(store.stats().purged, 2);
    });

    test('recipients lists who has unexpired messages, in byte order, with count and oldest', async (t) => {
      const { store, at } = await open(t, { expirySeconds: 60 });
      assert.deepEqual(await store.recipients(), []);
      await store.put(msg('zed', 'expires first'));
      at(10_000);
      await store.put(msg('\xe9mile', '1'));
      await store.put(msg('bob', '1', { receivedAt: T0 + 5000 }));
      at(20_000);
      await store.put(msg('bob', '2'));
      await store.put(msg('Bob', '1'));
      at(60_000);
      assert.deepEqual(await store.recipients(), [
        { recipient: 'Bob', count: 1, oldest: T0 + 20_000 },
        { recipient: 'bob', count: 2, oldest: T0 + 5000 },
        { recipient: '\xe9mile', count: 1, oldest: T0 + 10_000 },
      ]);
    });

    test('summary counts every message held and the oldest in storage order, kept as messages come and go (expired ones until purged)', async (t) => {
      const { store, at } = await open(t, { expirySeconds: 60 });
      assert.deepEqual(await store.summary(), { count: 0, oldest: null });
      const a = await store.put(msg('zed', 'first'));
      at(10_000);
      await store.put(msg('bob', '1'));
      await store.put(msg('Bob', '2'));
      assert.deepEqual(await store.summary(), { count: 3, oldest: T0 });
      await store.delivered(a.id);
      assert.deepEqual(await store.summary(), { count: 2, oldest: T0 + 10_000 });
      assert.equal(await store.purge('bob'), 1);
      assert.deepEqual(await store.summary(), { count: 1, oldest: T0 + 10_000 });
      at(200_000);
      assert.deepEqual(await store.summary(), { count: 1, oldest: T0 + 10_000 }, 'expired, not purged yet');
      await store.purgeExpired();
      assert.deepEqual(await store.summary(), { count: 0, oldest: null });
    });

    test('an id is never reused, even after the newest message is delivered', async (t) => {
      const { store } = await open(t);
      const a = await store.put(msg('alice', 'a'));
      await store.delivered(a.id);
      const b = await store.put(msg('alice', 'b'));
      assert.ok(b.id > a.id, `${b.id} > ${a.id}`);
    });

    test('changing a returned message does not change the store', async (t) => {
      const { store } = await open(t);
      const put = await store.put(msg('alice', 'a', { params: { domain: 'x' } }));
      (put.params as Record<string, string>)['domain'] = 'changed';
      const [first] = await store.pending('alice');
      (first!.params as Record<string, string>)['domain'] = 'changed again';
      assert.deepEqual((await store.pending('alice'))[0]?.params, { domain: 'x' });
    });

    test('stats counts what was stored', async (t) => {
      const { store } = await open(t);
      await store.put(msg('alice', 'a'));
      await store.put(msg('alice', 'b'));
      assert.deepEqual(store.stats(), {
        stored: 2, deliveredDeleted: 0, failedAttempts: 0, droppedDeleted: 0, expiredPurged: 0, purged: 0, quotaRejected: 0, tooLargeRejected: 0, fullRejected: 0, failures: 0,
      });
    });

    test('a fork\'s copies: the device owed one gets it, the one that took it never again, a new device only within the late window', async (t) => {
      const { store, at } = await open(t);
      const m = await store.put(msg('alice', 'hi', { tookBy: ['phone'], owedBy: ['laptop'], lateUntil: T0 + 60_000 }));
      assert.equal(m.lateUntil, T0 + 60_000);
      assert.deepEqual((await store.pendingFor('alice', 'laptop')).map((x) => x.id), [m.id]);
      assert.deepEqual(await store.pendingFor('alice', 'phone'), []);
      assert.deepEqual((await store.pendingFor('alice', 'tablet')).map((x) => x.body), ['hi'], 'a device that never had it, within the window');
      at(60_000);
      assert.deepEqual(await store.pendingFor('alice', 'tablet'), [], 'the window is over');
      assert.deepEqual((await store.pendingFor('alice', 'laptop')).map((x) => x.id), [m.id], 'an owed copy waits as long as the message lives');
      assert.deepEqual([await store.countFor('alice', 'laptop'), await store.countFor('alice', 'tablet')], [1, 0]);
    });

    test('a message only kept for the late window is not waiting: pending, count and recipients leave it out', async (t) => {
      const { store } = await open(t);
      await store.put(msg('alice', 'taken by all', { tookBy: ['phone', 'laptop'], lateUntil: T0 + 60_000 }));
      const owed = await store.put(msg('alice', 'owed', { tookBy: ['phone'], owedBy: ['laptop'], lateUntil: T0 + 60_000 }));
      assert.deepEqual((await store.pending('alice')).map((x) => x.body), ['owed']);
      assert.equal(await store.count('alice'), 1);
      assert.equal(await store.count(), 1);
      assert.deepEqual((await store.recipients()).map((r) => [r.recipient, r.count]), [['alice', 1]]);
      await store.doneWith(owed.id, 'laptop', T0 + 120_000);
      assert.deepEqual(await store.pending('alice'), []);
      assert.deepEqual(await store.recipients(), []);
      assert.deepEqual((await store.pendingFor('alice', 'tablet')).map((x) => x.body), ['taken by all', 'owed']);
    });

    test('a message no device took yet goes to every device; once one took it, to the others within the late window only', async (t) => {
      const { store, at } = await open(t);
      const m = await store.put(msg('alice', 'kept while offline'));
      assert.equal(m.lateUntil, 0);
      assert.deepEqual((await store.pendingFor('alice', 'phone')).map((x) => x.id), [m.id]);
      assert.deepEqual((await store.pendingFor('alice', 'laptop')).map((x) => x.id), [m.id]);
      await store.doneWith(m.id, 'phone', T0 + 30_000);
      assert.deepEqual(await store.pendingFor('alice', 'phone'), []);
      assert.deepEqual((await store.pendingFor('alice', 'laptop')).map((x) => x.lateUntil), [T0 + 30_000]);
      await store.doneWith(m.id, 'laptop', T0 + 99_000);
      assert.deepEqual((await store.pendingFor('alice', 'tablet')).map((x) => x.lateUntil), [T0 + 30_000], 'the first device to take it starts the window');
      at(30_000);
      assert.deepEqual(await store.pendingFor('alice', 'tablet'), []);
    });

    test('deliveredTo deletes a message once no device is owed it and its late window is over (a window of 0: at once)', async (t) => {
      const { store } = await open(t);
      const m = await store.put(msg('alice', 'kept while offline'));
      await store.doneWith(m.id, 'phone', T0);
      assert.deepEqual(await store.pendingFor('alice', 'laptop'), []);
      assert.equal(store.stats().deliveredDeleted, 1);
      const f = await store.put(msg('alice', 'fork', { tookBy: ['phone'], owedBy: ['laptop', 'tablet'], lateUntil: T0 }));
      await store.doneWith(f.id, 'laptop', T0);
      assert.deepEqual((await store.pendingFor('alice', 'tablet')).map((x) => x.id), [f.id], 'still owed to the tablet');
      await store.doneWith(f.id, 'tablet', T0);
      await store.doneWith(f.id, 'tablet', T0);
      await store.doneWith(987654, 'tablet', T0);
      assert.deepEqual(await store.pendingFor('alice', 'other'), []);
      assert.equal(store.stats().deliveredDeleted, 2);
    });

    test('a device that refused a fork\'s copy never gets it, and its refusal starts no late window', async (t) => {
      const { store } = await open(t);
      const m = await store.put(msg('alice', 'a receipt', { owedBy: ['linphone'], refusedBy: ['baresip'] }));
      assert.equal(m.lateUntil, 0);
      assert.deepEqual(await store.pendingFor('alice', 'baresip'), []);
      assert.deepEqual((await store.pendingFor('alice', 'linphone')).map((x) => x.id), [m.id]);
      assert.deepEqual((await store.pendingFor('alice', 'new')).map((x) => x.id), [m.id]);
    });

    test('a device that refused a message for good is done with it: it never gets it again, the devices owed it still do, others within the late window', async (t) => {
      const { store, at } = await open(t);
      const m = await store.put(msg('alice', 'a receipt', { owedBy: ['baresip', 'linphone'] }));
      await store.doneWith(m.id, 'baresip', T0 + 60_000);
      await store.doneWith(987654, 'baresip', T0 + 60_000);
      assert.deepEqual(await store.pendingFor('alice', 'baresip'), []);
      assert.deepEqual((await store.pendingFor('alice', 'linphone')).map((x) => x.id), [m.id]);
      assert.deepEqual((await store.pendingFor('alice', 'new')).map((x) => x.id), [m.id], 'within the late window');
      assert.equal(await store.count('alice'), 1, 'linphone is still owed it');
      const lone = await store.put(msg('carol', 'kept while offline'));
      await store.doneWith(lone.id, 'baresip', T0 + 60_000);
      assert.equal(await store.count('carol'), 0, 'a message its one device refused waits no more');
      at(60_000);
      assert.deepEqual(await store.pendingFor('alice', 'new'), []);
    });

    test('purgeExpired also deletes the messages no device is owed whose late window is over, and only those', async (t) => {
      const { store, at } = await open(t, { expirySeconds: 3600 });
      await store.put(msg('alice', 'taken', { tookBy: ['phone'], lateUntil: T0 + 60_000 }));
      await store.put(msg('alice', 'owed', { tookBy: ['phone'], owedBy: ['laptop'], lateUntil: T0 + 60_000 }));
      await store.put(msg('alice', 'nobody took it'));
      at(60_000);
      assert.equal(await store.purgeExpired(), 0, 'none expired');
      assert.equal(store.stats().deliveredDeleted, 1);
      assert.deepEqual((await store.pendingFor('alice', 'laptop')).map((x) => x.body), ['owed', 'nobody took it']);
    });

    test('at the recipient quota, messages only kept for the late window make room, oldest first; owed ones never do', async (t) => {
      const { store } = await open(t, { quotaPerRecipient: 3 });
      await store.put(msg('alice', 'taken 1', { tookBy: ['phone'], lateUntil: T0 + 60_000 }));
      await store.put(msg('alice', 'owed', { tookBy: ['phone'], owedBy: ['laptop'], lateUntil: T0 + 60_000 }));
      await store.put(msg('alice', 'taken 2', { tookBy: ['phone'], lateUntil: T0 + 60_000 }));
      await store.put(msg('alice', 'new 1'));
      assert.deepEqual((await store.pendingFor('alice', 'tablet')).map((x) => x.body), ['owed', 'taken 2', 'new 1']);
      await store.put(msg('alice', 'new 2'));
      await rejectsWith(store.put(msg('alice', 'new 3')), 'STORE_QUOTA');
      assert.deepEqual((await store.pendingFor('alice', 'tablet')).map((x) => x.body), ['owed', 'new 1', 'new 2']);
      assert.deepEqual(store.stats().quotaRejected, 1);
      assert.deepEqual(store.stats().deliveredDeleted, 2);
    });

    test('device names are byte strings: compared byte for byte, an empty one or one both owed and taken is refused', async (t) => {
      const { store } = await open(t);
      const m = await store.put(msg('alice', 'x', { owedBy: ['urn:uuid:\xe9'] }));
      assert.deepEqual((await store.pendingFor('alice', 'urn:uuid:\xe9')).map((x) => x.id), [m.id]);
      await store.doneWith(m.id, 'URN:uuid:\xe9', T0 + 1000);
      assert.deepEqual((await store.pendingFor('alice', 'urn:uuid:\xe9')).map((x) => x.id), [m.id], 'another spelling is another device');
      await rejectsWith(store.put(msg('alice', 'x', { owedBy: [''] })), 'BAD_ARGUMENT');
      await rejectsWith(store.put(msg('alice', 'x', { owedBy: ['a'], tookBy: ['a'] })), 'BAD_ARGUMENT');
      await rejectsWith(store.put(msg('alice', 'x', { refusedBy: ['a'], tookBy: ['a'] })), 'BAD_ARGUMENT');
      await rejectsWith(store.put(msg('alice', 'x', { owedBy: ['\u0100'] })), 'BAD_ARGUMENT');
      await rejectsWith(store.pendingFor('alice', ''), 'BAD_ARGUMENT');
      await rejectsWith(store.doneWith(m.id, '', T0), 'BAD_ARGUMENT');
    });

    test('health is ok while the store is open and says it is closed once closed', async (t) => {
      const { store } = await open(t);
      assert.deepEqual(store.health(), { ok: true });
      await store.close();
      assert.deepEqual(store.health(), { ok: false, reason: 'closed' });
    });

    test('after close every call rejects with STORE_FAILED and close again is harmless', async (t) => {
      const { store } = await open(t);
      const a = await store.put(msg('alice', 'a'));
      await store.close();
      await store.close();
      await rejectsWith(store.put(msg('alice', 'b')), 'STORE_FAILED');
      await rejectsWith(store.pending('alice'), 'STORE_FAILED');
      await rejectsWith(store.delivered(a.id), 'STORE_FAILED');
      await rejectsWith(store.failed(a.id), 'STORE_FAILED');
      await rejectsWith(store.dropped(a.id), 'STORE_FAILED');
      await rejectsWith(store.count(), 'STORE_FAILED');
      await rejectsWith(store.recipients(), 'STORE_FAILED');
      await rejectsWith(store.purge('alice'), 'STORE_FAILED');
      await rejectsWith(store.purgeExpired(), 'STORE_FAILED');
      await rejectsWith(store.summary(), 'STORE_FAILED');
      assert.equal(store.stats().failures, 10);
      await rejectsWith(store.pendingFor('alice', 'phone'), 'STORE_FAILED');
      await rejectsWith(store.countFor('alice', 'phone'), 'STORE_FAILED');
      await rejectsWith(store.doneWith(a.id, 'phone', T0), 'STORE_FAILED');
    });
  });
}
