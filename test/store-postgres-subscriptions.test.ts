// The PostgreSQL subscription store against a real server (a throwaway cluster:
// test/pg/cluster.ts): the shared subscription suite, then what only a store several nodes
// share does: each node (owner) loads, replaces and deletes only its own subscriptions.
// Without PostgreSQL's binaries the file reports one skipped test saying why.
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { isYateChatError } from '../src/errors.js';
import { openPostgresSubscriptions } from '../src/store/index.js';
import { findPostgres, startCluster } from './pg/cluster.js';
import { runSubscriptionStoreSuite, subscription } from './subscription-store.case.js';

const found = findPostgres();
if (!found.ok) {
  // CI installs the server (.ci/run): there, a missing one is a failure, not a skip.
  test('PostgreSQL subscription store', { skip: process.env.CI ? false : `PostgreSQL tests skipped: ${found.reason}` }, () => assert.fail(found.reason));
} else {
  const cluster = await startCluster();
  after(() => cluster.remove());

  runSubscriptionStoreSuite('postgres', async (opts) => {
    const url = await cluster.createDatabase();
    const store = await openPostgresSubscriptions({ url, owner: 'yate-a', ...opts });
    const opened = [store];
    return {
      store,
      reopen: async () => {
        const again = await openPostgresSubscriptions({ url, owner: 'yate-a', ...opts });
        opened.push(again);
        return again;
      },
      cleanup: async () => {
        for (const s of opened) await s.close();
      },
    };
  });

  test('two nodes on one database each load, replace and remove only their own subscriptions, the same ids included', async (t) => {
    const url = await cluster.createDatabase();
    const now = () => 1_700_000_000_000;
    const [a, b] = await Promise.all([openPostgresSubscriptions({ url, owner: 'yate-a', now }), openPostgresSubscriptions({ url, owner: 'yate-b', now })]);
    t.after(async () => {
      await a.close();
      await b.close();
    });
    await a.save(subscription('c1;r1;l1', { cseq: 1 }));
    await b.save(subscription('c1;r1;l1', { cseq: 9 }));
    await b.save(subscription('c2;r2;l2'));
    assert.deepEqual((await a.load()).map((s) => [s.id, s.cseq]), [['c1;r1;l1', 1]]);
    assert.deepEqual((await b.load()).map((s) => [s.id, s.cseq]), [['c1;r1;l1', 9], ['c2;r2;l2', 0]]);
    assert.equal(await a.remove('c2;r2;l2'), false, 'another node\'s subscription is not ours to remove');
    assert.equal(await a.remove('c1;r1;l1'), true);
    assert.deepEqual((await b.load()).map((s) => s.id), ['c1;r1;l1', 'c2;r2;l2']);
    assert.match(a.name, /\(node yate-a\)$/);
    assert.ok(!a.name.includes(cluster.password), 'named without the password');
  });

  test('a database that cannot be reached refuses to open with STORE_FAILED, and an empty owner with BAD_ARGUMENT', async () => {
    await assert.rejects(openPostgresSubscriptions({ url: 'postgres://yate@127.0.0.1:1/none', owner: 'yate-a', timeoutMs: 500 }), (err: unknown) => isYateChatError(err, 'STORE_FAILED'));
    await assert.rejects(openPostgresSubscriptions({ url: await cluster.createDatabase(), owner: '' }), (err: unknown) => isYateChatError(err, 'BAD_ARGUMENT'));
  });
}
