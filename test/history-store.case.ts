// One behaviour suite for every HistoryStore backend (the pattern of store-common.case.ts): each
// backend's test file calls runHistoryStoreSuite with a factory.
import assert from 'node:assert/strict';
import { describe, test, type TestContext } from 'node:test';
import type { HistoryEntry, HistoryStore } from '../src/store/index.js';
import { rejectsWith } from './group-store.case.js';

export interface OpenedHistory {
  readonly store: HistoryStore;
  cleanup(): Promise<void>;
  /** The same store opened again, as a restarted module would (null: nothing survives). */
  reopen(): Promise<HistoryStore | null>;
}

export type HistoryFactory = () => Promise<OpenedHistory>;

const T0 = 1_700_000_000_000;

export function entry(sender: string, recipient: string, body: string, at: number, extra: Partial<HistoryEntry> = {}): HistoryEntry {
  return { at: T0 + at, sender, recipient, group: false, contentType: 'text/plain', bodyEncoding: '', body, outcome: 200, ...extra };
}

const bodies = (records: readonly { body: string }[]) => records.map((r) => r.body);

export function runHistoryStoreSuite(name: string, factory: HistoryFactory): void {
  async function open(t: TestContext) {
    const opened = await factory();
    t.after(() => opened.cleanup());
    return opened;
  }

  describe(`${name} history store`, () => {
    test('a conversation reads back both ways, newest first, byte for byte, and not other people\'s', async (t) => {
      const { store } = await open(t);
      await store.append([
        entry('123', '234', 'one', 1000),
        entry('234', '123', 'two \xc3\xa9', 2000, { outcome: 0 }),
        entry('123', '345', 'elsewhere', 3000),
        entry('345', '234', 'not with 123', 4000),
        entry('234', '123', 'bin\x00ary', 5000, { contentType: 'application/octet-stream', bodyEncoding: 'base64', outcome: 202 }),
      ]);
      const got = await store.page({ user: '234', peer: { name: '123', group: false }, limit: 10 });
      assert.deepEqual(bodies(got), ['bin\x00ary', 'two \xc3\xa9', 'one']);
      assert.deepEqual({ ...got[0]!, id: 0 }, { id: 0, at: T0 + 5000, sender: '234', recipient: '123', group: false, contentType: 'application/octet-stream', bodyEncoding: 'base64', body: 'bin\x00ary', outcome: 202 });
      assert.equal(got[1]!.outcome, 0);
      assert.ok(got[0]!.id > got[1]!.id && got[1]!.id > got[2]!.id);
    });

    test('pages go back in time from a position, and the same time is ordered by id', async (t) => {
      const { store } = await open(t);
      await store.append(Array.from({ length: 7 }, (_, i) => entry(i % 2 ? '123' : '234', i % 2 ? '234' : '123', `m${i}`, i < 4 ? 1000 : 1000 * i)));
      const first = await store.page({ user: '123', peer: { name: '234', group: false }, limit: 3 });
      assert.deepEqual(bodies(first), ['m6', 'm5', 'm4']);
      const last = first.at(-1)!;
      const second = await store.page({ user: '123', peer: { name: '234', group: false }, limit: 3, before: { at: last.at, id: last.id } });
      assert.deepEqual(bodies(second), ['m3', 'm2', 'm1'], 'm0 to m3 share one time: by id');
      const end = second.at(-1)!;
      assert.deepEqual(bodies(await store.page({ user: '123', peer: { name: '234', group: false }, limit: 3, before: { at: end.at, id: end.id } })), ['m0']);
    });

    test('a group\'s messages read back for its peer name; a user\'s whole history takes in their groups', async (t) => {
      const { store } = await open(t);
      await store.append([
        entry('123', 'team', 'to the team', 1000, { group: true }),
        entry('345', 'team', 'from 345', 2000, { group: true }),
        entry('123', 'other', 'another group', 3000, { group: true }),
        entry('123', '234', 'direct', 4000),
        entry('999', 'team', 'a user called team is not the group', 5000),
      ]);
      assert.deepEqual(bodies(await store.page({ user: '234', peer: { name: 'team', group: true }, limit: 10 })), ['from 345', 'to the team']);
      assert.deepEqual(bodies(await store.page({ user: '234', groups: ['team'], limit: 10 })), ['direct', 'from 345', 'to the team']);
      assert.deepEqual(bodies(await store.page({ user: '234', limit: 10 })), ['direct'], 'without its groups');
      assert.deepEqual(bodies(await store.page({ user: '123', limit: 10 })), ['direct', 'another group', 'to the team'], 'what 123 wrote anywhere');
    });

    test('forget deletes what a user wrote and what was written to them, not their groups\' other messages', async (t) => {
      const { store } = await open(t);
      await store.append([entry('123', '234', 'a', 1), entry('234', '123', 'b', 2), entry('123', 'team', 'c', 3, { group: true }), entry('345', 'team', 'd', 4, { group: true }), entry('345', '456', 'e', 5)]);
      assert.equal(await store.forget('123'), 3);
      assert.deepEqual(bodies(await store.page({ user: '234', groups: ['team'], limit: 10 })), ['d']);
      assert.deepEqual(bodies(await store.page({ user: '345', limit: 10 })), ['e', 'd']);
    });

    test('purgeBefore deletes what is older than a time and says how many', async (t) => {
      const { store } = await open(t);
      await store.append([entry('123', '234', 'old', 1000), entry('123', '234', 'edge', 2000), entry('123', '234', 'new', 3000)]);
      assert.equal(await store.purgeBefore(T0 + 2000), 1);
      assert.deepEqual(bodies(await store.page({ user: '123', limit: 10 })), ['new', 'edge']);
    });

    test('a batch with one bad entry is refused whole with BAD_ARGUMENT; a bad query too', async (t) => {
      const { store } = await open(t);
      await rejectsWith(store.append([entry('123', '234', 'fine', 1), entry('123', '234', 'caf\u00e9\u2713', 2)]), 'BAD_ARGUMENT');
      await rejectsWith(store.append([entry('123', '234', 'fine', 1.5)]), 'BAD_ARGUMENT');
      assert.deepEqual(await store.page({ user: '123', limit: 10 }), []);
      await rejectsWith(store.page({ user: '123', limit: 0 }), 'BAD_ARGUMENT');
      await rejectsWith(store.page({ user: '123', limit: 1001 }), 'BAD_ARGUMENT');
    });

    test('a closed store refuses every call with STORE_FAILED, and closing twice is fine', async (t) => {
      const { store } = await open(t);
      await store.close();
      await store.close();
      await rejectsWith(store.append([entry('123', '234', 'x', 1)]), 'STORE_FAILED');
      await rejectsWith(store.page({ user: '123', limit: 1 }), 'STORE_FAILED');
      await rejectsWith(store.forget('123'), 'STORE_FAILED');
    });

    test('what was appended is there when the store is opened again, if the backend keeps anything', async (t) => {
      const opened = await open(t);
      await opened.store.append([entry('123', '234', 'kept', 1)]);
      await opened.store.close();
      const again = await opened.reopen();
      if (!again) return;
      t.after(() => again.close());
      assert.deepEqual(bodies(await again.page({ user: '234', limit: 5 })), ['kept']);
    });
  });
}
