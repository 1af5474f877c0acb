// The PostgreSQL group and history stores against a real server (a throwaway cluster:
// test/pg/cluster.ts): the shared suites, then what a store several nodes share does: a group
// change made through one node is announced to every node (the `group` event of the offline
// store's shared state), and bounds hold when two nodes change groups at once. Without
// PostgreSQL's binaries the file reports one skipped test saying why.
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { openPostgresGroups, openPostgresHistory, openPostgresStore, type SharedEvent } from '../src/store/index.js';
import { findPostgres, startCluster } from './pg/cluster.js';
import { BOUNDS, runGroupStoreSuite } from './group-store.case.js';
import { runHistoryStoreSuite } from './history-store.case.js';

const found = findPostgres();
if (!found.ok) {
  // CI installs the server (.ci/run): there, a missing one is a failure, not a skip.
  test('PostgreSQL group and history stores', { skip: process.env.CI ? false : `PostgreSQL tests skipped: ${found.reason}` }, () => assert.fail(found.reason));
} else {
  const cluster = await startCluster();
  after(() => cluster.remove());
  const log = () => {};

  /** Stores opened on one fresh database, closed at the end. */
  function factory<S extends { close(): Promise<void> }>(open: (url: string) => Promise<S>) {
    return async () => {
      const url = await cluster.createDatabase();
      const opened: S[] = [await open(url)];
      return {
        store: opened[0]!,
        reopen: async () => {
          const again = await open(url);
          opened.push(again);
          return again;
        },
        cleanup: async () => {
          for (const s of opened) await s.close();
        },
      };
    };
  }

  runGroupStoreSuite('postgres', (opts) => factory((url) => openPostgresGroups({ url, log, ...opts }))());
  runHistoryStoreSuite('postgres', factory((url) => openPostgresHistory({ url, log })));

  test('a group made through one node is announced to every node listening on the database, by name', async (t) => {
    const url = await cluster.createDatabase();
    const [groups, nodeB] = await Promise.all([openPostgresGroups({ url, log }), openPostgresStore({ url, log })]);
    t.after(async () => {
      await groups.close();
      await nodeB.close();
    });
    const heard: SharedEvent[] = [];
    nodeB.shared!.subscribe((e) => heard.push(e));
    await new Promise((r) => setTimeout(r, 300)); // B listens
    await groups.create({ name: 'team', members: ['123'], writers: 'members' }, BOUNDS);
    await groups.add('team', ['234'], BOUNDS);
    const deadline = Date.now() + 10_000;
    while (heard.filter((e) => e.kind === 'group').length < 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    assert.deepEqual(heard.filter((e) => e.kind === 'group'), [{ kind: 'group', name: 'team' }, { kind: 'group', name: 'team' }]);
  });

  test('two nodes making groups at once never pass maxGroups together', async (t) => {
    const url = await cluster.createDatabase();
    const [a, b] = await Promise.all([openPostgresGroups({ url, log }), openPostgresGroups({ url, log })]);
    t.after(async () => {
      await a.close();
      await b.close();
    });
    const bounds = { maxMembers: 10, maxGroups: 5 };
    const tries = await Promise.allSettled(Array.from({ length: 12 }, (_, i) => (i % 2 ? a : b).create({ name: `g${i}`, members: [], writers: 'members' }, bounds)));
    assert.equal(tries.filter((r) => r.status === 'fulfilled').length, 5);
    assert.equal((await a.list()).length, 5);
  });
}
