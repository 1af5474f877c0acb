// On two real Yates sharing one PostgreSQL store (a throwaway server, test/pg/cluster.ts): a
// MESSAGE kept on node A for a user who then registers on node B arrives from B, once; and one
// kept on A while the user is registered on B goes out from B at once, told by the database
// (the retry pass is an hour away). Skipped, with the reason, without Yate or PostgreSQL.
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { findPostgres, startCluster, type PgCluster } from '../pg/cluster.js';
import { withYate } from './engine.js';
import { header, uriOf } from './sip-wire.js';
import { needsYate, uaFor, until, yateInstall } from './suite.js';

const pg = findPostgres();
const needs = { skip: needsYate.skip || (pg.ok ? false : pg.reason) };

let cluster: PgCluster | undefined;
after(() => cluster?.remove());

test('two Yate nodes on one PostgreSQL store: a message kept on node A reaches its user on node B, once, whether they register on B after it or were registered there already', needs, async (t) => {
  cluster ??= await startCluster();
  const rules = { offline: { store: { kind: 'postgres', url: await cluster.createDatabase() }, retryIntervalSeconds: 3600 } };
  await withYate(yateInstall(), { sipPath: 'generic', rules }, async (a) => {
    await withYate(yateInstall(), { sipPath: 'native', rules }, async (b) => {
      assert.match(await b.rmanager('status yate-chat'), /store=postgres:\/\/yatechat@127\.0\.0\.1:\d+\/\w+[,;\r\n]/);
      const alice = await uaFor(t, a, '123');
      const carol = await uaFor(t, b, '555');
      const first = Buffer.from('kept on A: 100% \u00e9\r\n', 'utf8');
      assert.equal((await alice.message('555', first)).code, 202);
      assert.equal((await carol.register()).code, 200);
      const got = await carol.waitForRequest((r) => r.method === 'MESSAGE', 15000);
      assert.ok(got.body.equals(first), `body: ${JSON.stringify(got.body.toString('utf8'))}`);
      assert.equal(uriOf(header(got.headers, 'From') ?? ''), 'sip:123@127.0.0.1');
      assert.ok(header(got.headers, 'Date'), 'a stored message carries its Date');

      // Registered on B now: A keeps the next one (A's regfile has no contact for 555) and B is told.
      const second = Buffer.from('kept on A while 555 is on B', 'utf8');
      assert.equal((await alice.message('555', second)).code, 202);
      const next = await carol.waitForRequest((r) => r.method === 'MESSAGE' && r.body.equals(second), 15000);
      assert.ok(next);
      await until('the shared queue to be empty', async () => /no stored messages/.test(await a.rmanager('chat queue')));
      assert.equal(carol.received.filter((r) => r.method === 'MESSAGE').length, 2, 'each delivered once');
    });
  });
});
