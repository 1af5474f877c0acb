// One behaviour suite for every SubscriptionStore backend (the pattern of store-common.case.ts):
// each backend's test file calls runSubscriptionStoreSuite with a factory.
import assert from 'node:assert/strict';
import { describe, test, type TestContext } from 'node:test';
import { isYateChatError, type ErrorCode } from '../src/errors.js';
import type { StoredSubscription, SubscriptionStore } from '../src/store/index.js';

export interface OpenedSubscriptions {
  readonly store: SubscriptionStore;
  /** Closes the store and removes whatever it left behind. */
  cleanup(): Promise<void>;
  /** The same store opened again, as a restarted module would (null: nothing survives). */
  reopen(): Promise<SubscriptionStore | null>;
}

export type SubscriptionsFactory = (opts: { now: () => number }) => Promise<OpenedSubscriptions>;

const T0 = 1_700_000_000_000;

export function subscription(id: string, extra: Partial<StoredSubscription> = {}): StoredSubscription {
  return {
    id, watcher: '123', presentity: '234', event: 'presence', callId: id.split(';')[0]!, localTag: 'l1', remoteTag: 'r1',
    localUri: '<sip:234@example.org>', remoteUri: '"Al" <sip:123@example.org>', target: 'sip:123@10.0.0.7:5062',
    contact: '<sip:234@example.org:5060>', transport: { host: '10.0.0.7', port: '5062', connection_id: 'general' },
    cseq: 0, createdAt: T0, expiresAt: T0 + 3600_000, ...extra,
  };
}

async function rejectsWith(p: Promise<unknown>, code: ErrorCode): Promise<void> {
  await assert.rejects(p, (err: unknown) => {
    assert.ok(isYateChatError(err, code), `expected ${code}, got ${String(err)}`);
    return true;
  });
}

export function runSubscriptionStoreSuite(name: string, factory: SubscriptionsFactory): void {
  async function open(t: TestContext) {
    let now = T0;
    const opened = await factory({ now: () => now });
    t.after(() => opened.cleanup());
    return { ...opened, at: (ms: number) => void (now = T0 + ms) };
  }

  describe(`${name} subscription store`, () => {
    test('load returns what save stored, byte for byte, oldest first', async (t) => {
      const { store } = await open(t);
      const a = subscription('c1;r1;l1', { watcher: 'w\xe4tcher', remoteUri: '"\xc3\xa9l\xff" <sip:w@h>', transport: { host: 'h', ['__proto__']: 'kept as a key' } });
      const b = subscription('c2;r2;l2', { presentity: 'b\xf6b' });
      await store.save(a);
      await store.save(b);
      assert.deepEqual(await store.load(), [a, b]);
    });

    test('saving the same id again replaces it in place (a refresh, a higher CSeq)', async (t) => {
      const { store } = await open(t);
      await store.save(subscription('c1;r1;l1'));
      await store.save(subscription('c2;r2;l2'));
      await store.save(subscription('c1;r1;l1', { cseq: 7, expiresAt: T0 + 60_000, target: 'sip:123@10.0.0.8:5062' }));
      const got = await store.load();
      assert.deepEqual(got.map((s) => [s.id, s.cseq, s.target]), [['c1;r1;l1', 7, 'sip:123@10.0.0.8:5062'], ['c2;r2;l2', 0, 'sip:123@10.0.0.7:5062']]);
    });

    test('remove deletes one subscription and says whether it was there', async (t) => {
      const { store } = await open(t);
      await store.save(subscription('c1;r1;l1'));
      assert.equal(await store.remove('c1;r1;l1'), true);
      assert.equal(await store.remove('c1;r1;l1'), false);
      assert.deepEqual(await store.load(), []);
    });

    test('expired subscriptions are never loaded and are deleted by load', async (t) => {
      const { store, at } = await open(t);
      await store.save(subscription('old;r;l', { expiresAt: T0 + 1000 }));
      await store.save(subscription('new;r;l', { expiresAt: T0 + 5000 }));
      at(1000);
      assert.deepEqual((await store.load()).map((s) => s.id), ['new;r;l']);
      at(0);
      assert.deepEqual((await store.load()).map((s) => s.id), ['new;r;l'], 'the expired one is gone, not hidden');
      assert.deepEqual((await store.load(T0 + 5000)).map((s) => s.id), []);
    });

    test('values that are not byte strings or not whole numbers are refused with BAD_ARGUMENT', async (t) => {
      const { store } = await open(t);
      await rejectsWith(store.save(subscription('c;r;l', { watcher: 'caf\u00e9\u2713' })), 'BAD_ARGUMENT');
      await rejectsWith(store.save(subscription('c;r;l', { cseq: 1.5 })), 'BAD_ARGUMENT');
      await rejectsWith(store.save(subscription('', {})), 'BAD_ARGUMENT');
      assert.deepEqual(await store.load(), []);
    });

    test('a closed store refuses every call with STORE_FAILED, and closing twice is fine', async (t) => {
      const { store } = await open(t);
      await store.close();
      await store.close();
      await rejectsWith(store.save(subscription('c;r;l')), 'STORE_FAILED');
      await rejectsWith(store.load(), 'STORE_FAILED');
      await rejectsWith(store.remove('c;r;l'), 'STORE_FAILED');
    });

    test('what was saved is there when the store is opened again, if the backend keeps anything', async (t) => {
      const opened = await open(t);
      await opened.store.save(subscription('c1;r1;l1', { cseq: 4 }));
      await opened.store.close();
      const again = await opened.reopen();
      if (!again) return; // memory: nothing survives, by design
      t.after(() => again.close());
      assert.deepEqual((await again.load(T0)).map((s) => [s.id, s.cseq]), [['c1;r1;l1', 4]]);
    });
  });
}
