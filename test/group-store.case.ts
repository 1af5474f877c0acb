// One behaviour suite for every GroupStore backend (the pattern of store-common.case.ts): each
// backend's test file calls runGroupStoreSuite with a factory.
import assert from 'node:assert/strict';
import { describe, test, type TestContext } from 'node:test';
import { isYateChatError, type ErrorCode } from '../src/errors.js';
import type { GroupStore } from '../src/store/index.js';

export interface OpenedGroups {
  readonly store: GroupStore;
  /** Closes the store and removes whatever it left behind. */
  cleanup(): Promise<void>;
  /** The same store opened again, as a restarted module would (null: nothing survives). */
  reopen(): Promise<GroupStore | null>;
}

export type GroupsFactory = (opts: { now: () => number }) => Promise<OpenedGroups>;

export const T0 = 1_700_000_000_000;
export const BOUNDS = { maxMembers: 100, maxGroups: 1000 };

export async function rejectsWith(p: Promise<unknown>, code: ErrorCode): Promise<void> {
  await assert.rejects(p, (err: unknown) => {
    assert.ok(isYateChatError(err, code), `expected ${code}, got ${String(err)}`);
    return true;
  });
}

export function runGroupStoreSuite(name: string, factory: GroupsFactory): void {
  async function open(t: TestContext) {
    const opened = await factory({ now: () => T0 });
    t.after(() => opened.cleanup());
    return opened;
  }

  describe(`${name} group store`, () => {
    test('a group made is read back with its members in the order given, byte for byte, and listed by name', async (t) => {
      const { store } = await open(t);
      const made = await store.create({ name: 'team', members: ['123', '234', 'b\xe4r', '123'], writers: 'members' }, BOUNDS);
      assert.deepEqual(made, { name: 'team', members: ['123', '234', 'b\xe4r'], writers: 'members', createdAt: T0 });
      await store.create({ name: 'news', members: [], writers: 'anyone' }, BOUNDS);
      assert.deepEqual(await store.get('team'), made);
      assert.deepEqual((await store.list()).map((g) => [g.name, g.members.length, g.writers]), [['news', 0, 'anyone'], ['team', 3, 'members']]);
      assert.equal(await store.get('nobody'), null);
    });

    test('a name taken is GROUP_EXISTS, and nothing changes', async (t) => {
      const { store } = await open(t);
      await store.create({ name: 'team', members: ['123'], writers: 'members' }, BOUNDS);
      await rejectsWith(store.create({ name: 'team', members: ['999'], writers: 'anyone' }, BOUNDS), 'GROUP_EXISTS');
      assert.deepEqual((await store.get('team'))!.members, ['123']);
    });

    test('add appends only new members, remove takes members out, both answer the group after', async (t) => {
      const { store } = await open(t);
      await store.create({ name: 'team', members: ['123', '234'], writers: 'members' }, BOUNDS);
      assert.deepEqual((await store.add('team', ['234', '345', '456'], BOUNDS)).members, ['123', '234', '345', '456']);
      assert.deepEqual((await store.remove('team', ['123', '999'])).members, ['234', '345', '456']);
      assert.deepEqual((await store.add('team', ['123'], BOUNDS)).members, ['234', '345', '456', '123'], 'a member who comes back is added at the end');
      assert.deepEqual((await store.get('team'))!.members, ['234', '345', '456', '123']);
    });

    test('changes to a group that does not exist are NO_SUCH_GROUP; deleting one answers false', async (t) => {
      const { store } = await open(t);
      await rejectsWith(store.add('ghost', ['123'], BOUNDS), 'NO_SUCH_GROUP');
      await rejectsWith(store.remove('ghost', ['123']), 'NO_SUCH_GROUP');
      assert.equal(await store.delete('ghost'), false);
    });

    test('delete takes the group and its members away; a group of that name can be made again, empty', async (t) => {
      const { store } = await open(t);
      await store.create({ name: 'team', members: ['123', '234'], writers: 'members' }, BOUNDS);
      assert.equal(await store.delete('team'), true);
      assert.equal(await store.get('team'), null);
      assert.deepEqual((await store.create({ name: 'team', members: [], writers: 'members' }, BOUNDS)).members, []);
    });

    test('maxGroups and maxMembers are GROUP_LIMIT, and a refused change changes nothing', async (t) => {
      const { store } = await open(t);
      const small = { maxMembers: 2, maxGroups: 1 };
      await store.create({ name: 'a', members: ['1', '2'], writers: 'members' }, small);
      await rejectsWith(store.create({ name: 'b', members: [], writers: 'members' }, small), 'GROUP_LIMIT');
      await rejectsWith(store.create({ name: 'c', members: ['1', '2', '3'], writers: 'members' }, { maxMembers: 2, maxGroups: 5 }), 'GROUP_LIMIT');
      await rejectsWith(store.add('a', ['3'], small), 'GROUP_LIMIT');
      assert.deepEqual((await store.add('a', ['1', '2'], small)).members, ['1', '2'], 'members it has already do not count twice');
      assert.deepEqual((await store.list()).map((g) => g.name), ['a']);
    });

    test('forget takes a user out of every group and names those groups', async (t) => {
      const { store } = await open(t);
      await store.create({ name: 'b', members: ['123', '234'], writers: 'members' }, BOUNDS);
      await store.create({ name: 'a', members: ['234', '123'], writers: 'members' }, BOUNDS);
      await store.create({ name: 'c', members: ['345'], writers: 'members' }, BOUNDS);
      assert.deepEqual(await store.forget('123'), ['a', 'b']);
      assert.deepEqual((await store.list()).map((g) => [g.name, g.members]), [['a', ['234']], ['b', ['234']], ['c', ['345']]]);
      assert.deepEqual(await store.forget('123'), []);
    });

    test('names that are not user names, a group in itself and unknown writers are BAD_ARGUMENT', async (t) => {
      const { store } = await open(t);
      await rejectsWith(store.create({ name: 'a b', members: [], writers: 'members' }, BOUNDS), 'BAD_ARGUMENT');
      await rejectsWith(store.create({ name: 'team', members: ['x@y'], writers: 'members' }, BOUNDS), 'BAD_ARGUMENT');
      await rejectsWith(store.create({ name: 'team', members: ['team'], writers: 'members' }, BOUNDS), 'BAD_ARGUMENT');
      await rejectsWith(store.create({ name: 'team', members: [], writers: 'all' as 'members' }, BOUNDS), 'BAD_ARGUMENT');
      await rejectsWith(store.create({ name: 'caf\u00e9\u2713', members: [], writers: 'members' }, BOUNDS), 'BAD_ARGUMENT');
      await store.create({ name: 'team', members: [], writers: 'members' }, BOUNDS);
      await rejectsWith(store.add('team', ['team'], BOUNDS), 'BAD_ARGUMENT');
      assert.deepEqual((await store.list()).map((g) => g.name), ['team']);
    });

    test('a closed store refuses every call with STORE_FAILED, and closing twice is fine', async (t) => {
      const { store } = await open(t);
      await store.close();
      await store.close();
      await rejectsWith(store.list(), 'STORE_FAILED');
      await rejectsWith(store.create({ name: 'team', members: [], writers: 'members' }, BOUNDS), 'STORE_FAILED');
      await rejectsWith(store.forget('123'), 'STORE_FAILED');
    });

    test('what was made is there when the store is opened again, if the backend keeps anything', async (t) => {
      const opened = await open(t);
      await opened.store.create({ name: 'team', members: ['123', '234'], writers: 'anyone' }, BOUNDS);
      await opened.store.close();
      const again = await opened.reopen();
      if (!again) return; // memory: nothing survives, by design
      t.after(() => again.close());
      assert.deepEqual(await again.get('team'), { name: 'team', members: ['123', '234'], writers: 'anyone', createdAt: T0 });
    });
  });
}
