// docs/upgrade.md's way back: every "step the schema back" statement it shows, run on a store of
// that version with messages in it, leaves a store the older build's migrations accept (not newer
// than they know, nothing left to do) with the messages intact; and the current build migrates it
// forward again and delivers them. SQLite always; PostgreSQL on a throwaway server when its
// binaries are installed.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import Database from 'better-sqlite3';
import pg from 'pg';
import { MIGRATIONS, openPostgresStore, openSqliteStore, openSqliteSubscriptions } from '../src/store/index.js';
import { PG_MIGRATIONS, migratePg } from '../src/store/postgres/schema.js';
import { assertNotNewer, migrate } from '../src/store/sqlite/migrations.js';
import { findPostgres, startCluster } from './pg/cluster.js';

const page = readFileSync(new URL('../../docs/upgrade.md', import.meta.url), 'utf8');
/** The down-steps the page shows: backend, from, to, the SQL. */
const steps = [...page.matchAll(/```sql\n-- (sqlite|postgres): (\d+) -> (\d+)[^\n]*\n([\s\S]*?)```/g)].map((m) => ({ backend: m[1]!, from: Number(m[2]), to: Number(m[3]), sql: m[4]! }));

const msg = (body: string) => ({ recipient: '555', sender: '123', senderUri: 'sip:123@example.org', body, contentType: 'text/plain' });

test('docs/upgrade.md shows a way back from every schema version to the one before, for both backends', () => {
  for (const [backend, known] of [['sqlite', MIGRATIONS.length], ['postgres', PG_MIGRATIONS.length]] as const) {
    const shown = steps.filter((s) => s.backend === backend).map((s) => `${s.from}->${s.to}`);
    assert.deepEqual(shown, Array.from({ length: known - 1 }, (_, i) => `${known - i}->${known - i - 1}`), backend);
  }
});

test('SQLite: each documented step back leaves a store the older migrations accept, messages intact, and the current build takes it forward again', async (t) => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'yate-chat-down-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const file = path.join(dir, 'yate-chat.db');
  const store = await openSqliteStore({ path: file });
  await store.put(msg('kept 1'));
  await store.put(msg('kept 2'));
  await store.close();
  const subs = await openSqliteSubscriptions({ path: file });
  await subs.close();

  for (const step of steps.filter((s) => s.backend === 'sqlite')) {
    const db = new Database(file);
    db.exec(step.sql);
    const older = MIGRATIONS.slice(0, step.to);
    assertNotNewer(db, file, older);
    assert.deepEqual(migrate(db, file, older), { from: step.to, to: step.to }, `${step.from} -> ${step.to}: nothing left for the older build to do`);
    assert.equal(db.prepare('SELECT count(*) FROM messages').pluck().get(), 2);
    db.close();
  }
  const again = await openSqliteStore({ path: file });
  t.after(() => again.close());
  assert.deepEqual((await again.pending('555')).map((m) => m.body), ['kept 1', 'kept 2']);
  assert.equal(await again.count(), 2);
});

const found = findPostgres();
test('PostgreSQL: each documented step back leaves a schema the older migrations accept, messages intact, and the current build takes it forward again',
  { skip: found.ok ? false : process.env.CI ? false : `PostgreSQL tests skipped: ${found.ok ? '' : found.reason}` }, async (t) => {
    assert.ok(found.ok, 'PostgreSQL binaries');
    const cluster = await startCluster();
    after(() => cluster.remove());
    const url = await cluster.createDatabase();
    const store = await openPostgresStore({ url, log: () => {} });
    await store.put(msg('kept 1'));
    await store.put(msg('kept 2'));
    await store.close();
    for (const step of steps.filter((s) => s.backend === 'postgres')) {
      const client = new pg.Client({ connectionString: url });
      await client.connect();
      try {
        await client.query(step.sql);
        assert.deepEqual(await migratePg(client, 'test', PG_MIGRATIONS.slice(0, step.to)), { from: step.to, to: step.to }, `${step.from} -> ${step.to}`);
        assert.equal(Number((await client.query('SELECT count(*) AS n FROM yate_chat.messages')).rows[0].n), 2);
      } finally {
        await client.end();
      }
    }
    const again = await openPostgresStore({ url, log: () => {} });
    t.after(() => again.close());
    assert.deepEqual((await again.pending('555')).map((m) => m.body), ['kept 1', 'kept 2']);
  });

test('CHANGELOG.md and docs/upgrade.md name every schema migration of both backends', () => {
  const changelog = readFileSync(new URL('../../CHANGELOG.md', import.meta.url), 'utf8');
  for (const [backend, list] of [['SQLite', MIGRATIONS], ['PostgreSQL', PG_MIGRATIONS]] as const) {
    for (const m of list) {
      assert.match(changelog, new RegExp(`^\\| ${backend} \\| ${m.version} \\| `, 'm'), `CHANGELOG: ${backend} ${m.version}`);
      assert.match(page, new RegExp(`^\\| ${m.version} \\| .* \\| \\d+\\.\\d+\\.\\d+ \\|$`, 'm'), `upgrade.md: ${backend} ${m.version}`);
    }
  }
});
