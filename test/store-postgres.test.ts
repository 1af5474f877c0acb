// The PostgreSQL store against a real server (a throwaway cluster: test/pg/cluster.ts): the
// common store suite, then what only a shared store does (several stores on one database,
// leases, notifications, presence, known users, the server going away and coming back).
// Without PostgreSQL's binaries the file reports one skipped test saying why.
import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import pg from 'pg';
import { isYateChatError } from '../src/errors.js';
import { isStoreUnreachable, openPostgresStore, openStore, type SharedEvent, type SharedState } from '../src/store/index.js';
import { PG_MIGRATIONS, migratePg } from '../src/store/postgres/schema.js';
import { findPostgres, startCluster } from './pg/cluster.js';
import { AWKWARD_BODIES, runStoreSuite } from './store-common.case.js';

const found = findPostgres();
if (!found.ok) {
  // CI installs the server (.ci/run): there, a missing one is a failure, not a skip.
  test('PostgreSQL store', { skip: process.env.CI ? false : `PostgreSQL tests skipped: ${found.reason}` }, () => assert.fail(found.reason));
} else {
  const cluster = await startCluster();
  after(() => cluster.remove());

  runStoreSuite('postgres', async (opts) => {
    const store = await openPostgresStore({ url: await cluster.createDatabase(), ...opts, log: () => {} });
    return { store, cleanup: () => store.close() };
  });

  const msg = (recipient: string, body: string) => ({ recipient, sender: 'bob', senderUri: 'sip:bob@example.org', body, contentType: 'text/plain' });

  /** Opens a store on `url` that records what it logs; closed when the test ends. */
  async function node(t: { after(fn: () => Promise<void>): void }, url: string) {
    const lines: string[] = [];
    const store = await openPostgresStore({ url, log: (level, text) => void lines.push(`${level}: ${text}`) });
    t.after(() => store.close());
    const events: SharedEvent[] = [];
    store.shared!.subscribe((e) => void events.push(e));
    return { store, shared: store.shared as SharedState, lines, events };
  }

  async function until<T>(what: string, check: () => T | Promise<T>, ms = 20_000): Promise<NonNullable<T>> {
    const deadline = Date.now() + ms;
    for (;;) {
      const v = await check();
      if (v) return v as NonNullable<T>;
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
      await new Promise((r) => setTimeout(r, 25));
    }
  }

  describe('postgres store shared by several nodes', () => {
    test('openStore with kind postgres opens it, named without the password', async (t) => {
      const url = await cluster.createDatabase();
      const store = await openStore({ kind: 'postgres', url, log: () => {} });
      t.after(() => store.close());
      assert.equal(store.name, url.replace(`:${cluster.password}@`, '@'));
      assert.ok(!store.name.includes(cluster.password));
      assert.equal(typeof store.shared?.node, 'string');
    });

    test('two stores opening a new database at once create the schema once, at the latest version', async (t) => {
      const url = await cluster.createDatabase();
      const [a, b] = await Promise.all([node(t, url), node(t, url)]);
      await a.store.put(msg('alice', 'from a'));
      await b.store.put(msg('alice', 'from b'));
      assert.deepEqual((await a.store.pending('alice')).map((m) => m.body), ['from a', 'from b']);
      const sql = new pg.Client({ connectionString: url });
      await sql.connect();
      t.after(() => sql.end());
      assert.deepEqual((await sql.query('SELECT version FROM yate_chat.schema_version')).rows, [{ version: PG_MIGRATIONS.length }]);
      assert.deepEqual([a.lines, b.lines], [[], []]);
    });

    test('a database of version 3 keeps its messages through migration 4, and put stores headers after it', async (t) => {
      const url = await cluster.createDatabase();
      const sql = new pg.Client({ connectionString: url });
      await sql.connect();
      t.after(() => sql.end());
      await migratePg(sql, 'test', PG_MIGRATIONS.slice(0, 3));
      await sql.query(`INSERT INTO yate_chat.messages (recipient, sender, sender_uri, content_type, body_encoding, body, received_at, expires_at)
        VALUES ('alice', 'bob', '<sip:bob@h>', 'text/plain', '', 'from before', 1, $1)`, [Date.now() + 60_000]);
      const a = await node(t, url);
      await a.store.put({ ...msg('alice', 'after'), headers: { 'Call-ID': 'x@y', 'Content-Encoding': 'deflate' } });
      assert.deepEqual((await a.store.pending('alice')).map((m) => [m.body, m.headers]), [['from before', {}], ['after', { 'Call-ID': 'x@y', 'Content-Encoding': 'deflate' }]]);
      assert.deepEqual((await sql.query('SELECT version FROM yate_chat.schema_version')).rows, [{ version: PG_MIGRATIONS.length }]);
    });

    test('what one node stores, another reads and delivers byte for byte, and ids keep growing', async (t) => {
      const url = await cluster.createDatabase();
      const [a, b] = await Promise.all([node(t, url), node(t, url)]);
      const stored = [];
      for (const [i, body] of AWKWARD_BODIES.entries()) stored.push(await (i % 2 ? b : a).store.put(msg('b\xf6b', body)));
      assert.deepEqual(await b.store.pending('b\xf6b'), stored);
      assert.deepEqual(stored.map((m) => m.id), [...stored.map((m) => m.id)].sort((x, y) => x - y));
      await b.store.delivered(stored[0]!.id);
      assert.equal(await a.store.count('b\xf6b'), AWKWARD_BODIES.length - 1);
    });

    test('the quota for one recipient holds when two nodes store for them at once', async (t) => {
      const url = await cluster.createDatabase();
      const opened = await Promise.all([0, 1].map(() => openPostgresStore({ url, quotaPerRecipient: 10, log: () => {} })));
      t.after(() => Promise.all(opened.map((s) => s.close())).then(() => {}));
      const results = await Promise.allSettled(Array.from({ length: 40 }, (_, i) => opened[i % 2]!.put(msg('alice', `m${i}`))));
      assert.equal(results.filter((r) => r.status === 'fulfilled').length, 10);
      for (const r of results) if (r.status === 'rejected') assert.ok(isYateChatError(r.reason, 'STORE_QUOTA'), String(r.reason));
      assert.equal(await opened[0]!.count('alice'), 10);
    });

    test('a delivery lease is held by one node at a time, renewed by its holder, and free once released', async (t) => {
      const url = await cluster.createDatabase();
      const [a, b] = await Promise.all([node(t, url), node(t, url)]);
      assert.equal(await a.shared.lease('b\xf6b', 60_000), true);
      assert.equal(await b.shared.lease('b\xf6b', 60_000), false);
      assert.equal(await a.shared.lease('b\xf6b', 60_000), true, 'the holder renews it');
      assert.equal(await b.shared.lease('carol', 60_000), true, 'leases are per recipient');
      await b.shared.release('b\xf6b');
      assert.equal(await b.shared.lease('b\xf6b', 60_000), false, 'only the holder releases it');
      await a.shared.release('b\xf6b');
      assert.equal(await b.shared.lease('b\xf6b', 60_000), true);
    });

    test('a lease its holder stops renewing runs out, and another node takes it', async (t) => {
      const url = await cluster.createDatabase();
      const [a, b] = await Promise.all([node(t, url), node(t, url)]);
      assert.equal(await a.shared.lease('alice', 300), true);
      assert.equal(await b.shared.lease('alice', 60_000), false);
      await until('the lease to run out', () => b.shared.lease('alice', 60_000));
      assert.equal(await a.shared.lease('alice', 60_000), false);
    });

    test('a message stored by one node is announced to the others, not to itself', async (t) => {
      const url = await cluster.createDatabase();
      const [a, b] = await Promise.all([node(t, url), node(t, url)]);
      await a.store.put(msg('al\xefce', 'from a'));
      await b.store.put(msg('carol', 'from b'));
      await until('b to hear of a\'s message', () => b.events.some((e) => e.kind === 'stored'));
      await until('a to hear of b\'s message', () => a.events.some((e) => e.kind === 'stored'));
      const stored = (events: SharedEvent[]) => events.filter((e) => e.kind === 'stored');
      assert.deepEqual(stored(b.events), [{ kind: 'stored', recipient: 'al\xefce' }]);
      // Notifications arrive in commit order: a's own would have come before b's.
      assert.deepEqual(stored(a.events), [{ kind: 'stored', recipient: 'carol' }]);
    });

    test('publications saved on one node are read back on another, the latest last, each replaced by its id, removed by id or all at once', async (t) => {
      const url = await cluster.createDatabase();
      const [a, b] = await Promise.all([node(t, url), node(t, url)]);
      const now = Date.now();
      const desk = { user: 'b\xf6b', basic: 'open', note: 'at lunch \u2615', at: now, expiresAt: now + 60_000, etag: 'yc1', id: 'pa1' };
      const phone = { ...desk, basic: 'closed', note: 'in the drawer', at: now + 1, etag: 'yc2', id: 'pb1' };
      await a.shared.savePresence(desk.user, [desk], []);
      await b.shared.savePresence(desk.user, [phone], []);
      await until('a to hear of b\'s publication', () => a.events.some((e) => e.kind === 'presence' && e.user === desk.user));
      assert.deepEqual(await a.shared.presence(desk.user), [desk, phone], 'both devices, the latest last');
      const moved = { ...desk, note: 'back', etag: 'yc3' };
      await b.shared.savePresence(desk.user, [moved], []);
      assert.deepEqual(await a.shared.presence(desk.user), [phone, moved], 'the same id replaced, and now the latest');
      const carol = { ...desk, user: 'carol', at: now + 5, etag: 'yc4', id: 'pa2' };
      await b.shared.savePresence('carol', [carol], []);
      assert.deepEqual(await a.shared.allPresence(10), [{ user: 'carol', publications: [carol] }, { user: desk.user, publications: [phone, moved] }], 'the most recently published user first');
      assert.deepEqual(await a.shared.allPresence(1), [{ user: 'carol', publications: [carol] }], 'at most limit users, each with all its publications');
      await a.shared.savePresence(desk.user, [], [phone.id]);
      assert.deepEqual(await b.shared.presence(desk.user), [moved]);
      await a.shared.savePresence(desk.user, [phone], 'all');
      assert.deepEqual(await b.shared.presence(desk.user), [phone], 'all: the set replaced');
      await a.shared.savePresence(desk.user, [], 'all');
      assert.deepEqual(await b.shared.presence(desk.user), []);
      const gone = { ...desk, user: 'gone', expiresAt: now - 1 };
      await a.shared.savePresence(gone.user, [gone, { ...phone, user: 'gone' }], []);
      assert.deepEqual(await b.shared.presence('gone'), [{ ...phone, user: 'gone' }], 'an expired publication is not returned');
    });

    test('a user seen registering on one node is known to every node, announced once', async (t) => {
      const url = await cluster.createDatabase();
      const [a, b] = await Promise.all([node(t, url), node(t, url)]);
      await a.shared.addKnown('b\xf6b');
      await a.shared.addKnown('b\xf6b');
      await b.shared.addKnown('carol');
      await until('a to hear of carol', () => a.events.some((e) => e.kind === 'known'));
      assert.deepEqual(b.events.filter((e) => e.kind === 'known'), [{ kind: 'known', user: 'b\xf6b' }]);
      assert.deepEqual((await a.shared.knownUsers(10)).sort(), ['b\xf6b', 'carol']);
    });

    test('a listening connection the server cuts is made again, reported as a resync, and hears the other nodes again', async (t) => {
      const url = await cluster.createDatabase();
      const [a, b] = await Promise.all([node(t, url), node(t, url)]);
      const admin = new pg.Client({ connectionString: url });
      await admin.connect();
      t.after(() => admin.end());
      const cut = await admin.query("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() AND query = 'LISTEN yate_chat'");
      assert.equal(cut.rowCount, 2, 'both nodes listen');
      await until('a resync', () => a.events.some((e) => e.kind === 'resync'));
      await until('b listening again', () => b.events.some((e) => e.kind === 'resync'));
      await b.store.put(msg('carol', 'after the cut'));
      await until('a to hear of it', () => a.events.some((e) => e.kind === 'stored'));
      assert.deepEqual([a.lines, b.lines], [[], []], 'a connection cut alone is no outage');
    });

    // Last: it stops the server the other tests use.
    test('with the server stopped operations fail at once with STORE_FAILED, said once in the log; the stores come back by themselves', async (t) => {
      const url = await cluster.createDatabase();
      const a = await node(t, url);
      await a.store.put(msg('alice', 'before'));
      await cluster.stop();
      await assert.rejects(a.store.put(msg('alice', 'during')), (err) => isStoreUnreachable(err) && isYateChatError(err, 'STORE_FAILED'));
      for (let i = 0; i < 20; i++) await assert.rejects(a.store.put(msg('alice', `during ${i}`)), (err) => isYateChatError(err, 'STORE_FAILED'));
      await assert.rejects(a.store.pending('alice'), (err) => isYateChatError(err, 'STORE_FAILED'));
      assert.equal(a.shared.up, false);
      // A store opened while the server is away starts all the same, and waits for it.
      const late = await node(t, url);
      await assert.rejects(late.store.count(), (err) => isYateChatError(err, 'STORE_FAILED'));
      await cluster.start();
      await until('the store to be back', () => a.store.put(msg('alice', 'after')).then(() => true, () => false));
      await until('the late store to connect', () => late.store.count().then(() => true, () => false));
      assert.deepEqual((await late.store.pending('alice')).map((m) => m.body), ['before', 'after']);
      assert.equal(a.lines.filter((l) => /unreachable/.test(l)).length, 1, a.lines.join('\n'));
      assert.equal(a.lines.filter((l) => /reachable again after \d+ s/.test(l)).length, 1, a.lines.join('\n'));
      assert.equal(late.lines.filter((l) => /unreachable/.test(l)).length, 1, late.lines.join('\n'));
      // Notifications sent while a node was away are lost: it is told to read everything again.
      await until('a resync', () => a.events.some((e) => e.kind === 'resync'));
    });
  });

  test('openPostgresStore refuses a url that is not postgres://', async () => {
    await assert.rejects(openPostgresStore({ url: 'mysql://x@y/z' }), (err) => isYateChatError(err, 'BAD_ARGUMENT'));
    await assert.rejects(openPostgresStore({ url: 'not a url' }), (err) => isYateChatError(err, 'BAD_ARGUMENT'));
  });
}

