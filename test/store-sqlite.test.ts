import { describe, test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { isYateChatError, type ErrorCode } from '../src/errors.js';
import { MIGRATIONS, openSqliteStore, openStore, type Migration } from '../src/store/index.js';
import { migrate, schemaVersion } from '../src/store/sqlite/migrations.js';
import { AWKWARD_BODIES, runStoreSuite } from './store-common.case.js';

function tempDir(t: TestContext | undefined): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'yate-chat-store-'));
  t?.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  return dir;
}

async function rejectsWith(p: Promise<unknown>, code: ErrorCode, ...inMessage: string[]): Promise<void> {
  await assert.rejects(p, (err: unknown) => {
    assert.ok(isYateChatError(err, code), `expected ${code}, got ${String(err)}`);
    for (const s of inMessage) assert.ok(err.message.includes(s), `${JSON.stringify(err.message)} should mention ${JSON.stringify(s)}`);
    return true;
  });
}

const msg = (recipient: string, body: string) => ({ recipient, sender: 'bob', senderUri: 'sip:bob@example.org', body, contentType: 'text/plain' });

runStoreSuite('sqlite', async (opts) => {
  const dir = tempDir(undefined);
  const store = await openSqliteStore({ path: path.join(dir, 'store.db'), ...opts });
  return {
    store,
    cleanup: async () => {
      await store.close();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
});

describe('sqlite store file', () => {
  test('the file and its missing folders are created on first run', async (t) => {
    const file = path.join(tempDir(t), 'a', 'b', 'store.db');
    const store = await openSqliteStore({ path: file });
    t.after(() => store.close());
    assert.ok(fs.statSync(file).isFile());
    assert.equal(store.name, `sqlite:${file}`);
  });

  test('the file is in WAL mode, at the latest schema version, with the recipient index', async (t) => {
    const file = path.join(tempDir(t), 'store.db');
    const store = await openSqliteStore({ path: file });
    t.after(() => store.close());
    const raw = new Database(file, { readonly: true });
    t.after(() => raw.close());
    assert.equal(raw.pragma('journal_mode', { simple: true }), 'wal');
    assert.equal(raw.pragma('user_version', { simple: true }), MIGRATIONS.length);
    const index = raw.prepare("SELECT sql FROM sqlite_master WHERE name = 'messages_recipient_id'").pluck().get();
    assert.match(String(index), /ON messages \(recipient, id\)/);
  });

  test('messages survive close and reopen byte for byte, attempts included', async (t) => {
    const file = path.join(tempDir(t), 'store.db');
    const first = await openSqliteStore({ path: file });
    const stored = [];
    for (const body of AWKWARD_BODIES) stored.push(await first.put({ ...msg('\xe9mile', body), params: { domain: '\xff.org' } }));
    await first.failed(stored[0]!.id);
    const last = stored.at(-1)!;
    await first.delivered(last.id);
    await first.close();

    const again = await openSqliteStore({ path: file });
    t.after(() => again.close());
    const pending = await again.pending('\xe9mile');
    assert.deepEqual(pending, [{ ...stored[0]!, attempts: 1 }, ...stored.slice(1, -1)]);
    const next = await again.put(msg('\xe9mile', 'after reopen'));
    assert.ok(next.id > last.id, 'the id of a delivered message is not reused after reopen');
  });

  test('openStore with kind sqlite opens that file', async (t) => {
    const file = path.join(tempDir(t), 'store.db');
    const store = await openStore({ kind: 'sqlite', path: file, quotaPerRecipient: 1 });
    t.after(() => store.close());
    await store.put(msg('alice', '1'));
    await rejectsWith(store.put(msg('alice', '2')), 'STORE_QUOTA');
  });

  test('a path that names no file is refused with BAD_ARGUMENT', async () => {
    await rejectsWith(openSqliteStore({ path: ':memory:' }), 'BAD_ARGUMENT');
    await rejectsWith(openSqliteStore({ path: '' }), 'BAD_ARGUMENT');
  });
});

// Issue 10, item 5: messages are private to the user yate-chat runs as.
describe('sqlite store privacy', () => {
  const mode = (p: string) => fs.statSync(p).mode & 0o777;

  test('the store creates its folder 0700 and its files (database, -wal, -shm) 0600, whatever the umask', async (t) => {
    const dir = path.join(tempDir(t), 'data');
    const file = path.join(dir, 'store.db');
    const umask = process.umask(0);
    try {
      const store = await openSqliteStore({ path: file });
      t.after(() => store.close());
      await store.put(msg('alice', 'private'));
      assert.equal(mode(dir).toString(8), '700');
      for (const f of [file, `${file}-wal`, `${file}-shm`]) assert.equal(mode(f).toString(8), '600', f);
    } finally {
      process.umask(umask);
    }
  });

  test('a database an older run left world-readable is made 0600 when opened', async (t) => {
    const file = path.join(tempDir(t), 'store.db');
    const first = await openSqliteStore({ path: file });
    await first.close();
    fs.chmodSync(file, 0o644);
    const store = await openSqliteStore({ path: file });
    t.after(() => store.close());
    assert.equal(mode(file).toString(8), '600');
  });

  test('a folder an admin gave to Yate\'s group, in a folder only its owner may write to, is used as it is', async (t) => {
    if (process.geteuid?.() !== 0) return t.skip('needs root to give a folder to another user');
    const dir = path.join(tempDir(t), 'var-lib-yate-chat');
    fs.mkdirSync(dir, { mode: 0o775 });
    fs.chmodSync(dir, 0o2775);
    fs.chownSync(dir, 65534, 0);
    const store = await openSqliteStore({ path: path.join(dir, 'store.db') });
    t.after(() => store.close());
    await store.put(msg('alice', 'kept'));
    assert.equal(await store.count('alice'), 1);
    assert.equal(mode(path.join(dir, 'store.db')).toString(8), '600');
  });

  test('a store folder others may write to is refused, naming it and the mode', async (t) => {
    const dir = path.join(tempDir(t), 'shared');
    fs.mkdirSync(dir);
    fs.chmodSync(dir, 0o777);
    await rejectsWith(openSqliteStore({ path: path.join(dir, 'store.db') }), 'STORE_FAILED', dir, 'may be written by others (mode 777)');
    assert.deepEqual(fs.readdirSync(dir), []);
  });

  test('a store folder another user made first (the shared temporary folder trap) is refused', async (t) => {
    if (process.geteuid?.() !== 0) return t.skip('needs root to give a folder to another user');
    const tmp = tempDir(t);
    fs.chmodSync(tmp, 0o1777); // like /tmp: anyone may make a folder in it
    const dir = path.join(tmp, 'yate-chat-0');
    fs.mkdirSync(dir, { mode: 0o700 });
    fs.chownSync(dir, 65534, 65534);
    await rejectsWith(openSqliteStore({ path: path.join(dir, 'store.db') }), 'STORE_FAILED', dir, 'belongs to uid 65534, not to this user (uid 0)');
    // A symlink another user planted at the folder's path is refused too.
    const link = path.join(tmp, 'yate-chat-link');
    fs.symlinkSync(tempDir(t), link);
    fs.lchownSync(link, 65534, 65534);
    await rejectsWith(openSqliteStore({ path: path.join(link, 'store.db') }), 'STORE_FAILED', 'is a symlink owned by uid 65534');
  });
});

describe('sqlite store migrations', () => {
  const m1: Migration = { version: 1, description: 'one', up: (db) => db.exec('CREATE TABLE t (a TEXT)') };
  const m2: Migration = { version: 2, description: 'two', up: (db) => db.exec("ALTER TABLE t ADD COLUMN b TEXT NOT NULL DEFAULT 'b'") };
  const broken: Migration = { version: 2, description: 'broken', up: (db) => db.exec('CREATE TABLE u (x); SELECT nonsense FROM nowhere') };

  test('only the steps newer than the file version run, and the data is kept', (t) => {
    const raw = new Database(path.join(tempDir(t), 'm.db'));
    t.after(() => raw.close());
    assert.deepEqual(migrate(raw, 'm.db', [m1]), { from: 0, to: 1 });
    raw.exec("INSERT INTO t (a) VALUES ('kept')");
    assert.deepEqual(migrate(raw, 'm.db', [m1, m2]), { from: 1, to: 2 });
    assert.deepEqual(raw.prepare('SELECT a, b FROM t').all(), [{ a: 'kept', b: 'b' }]);
    assert.deepEqual(migrate(raw, 'm.db', [m1, m2]), { from: 2, to: 2 });
  });

  test('a failing step leaves the file at its old version with nothing half done', (t) => {
    const raw = new Database(path.join(tempDir(t), 'm.db'));
    t.after(() => raw.close());
    migrate(raw, 'm.db', [m1]);
    assert.throws(() => migrate(raw, 'm.db', [m1, broken]), /nowhere/);
    assert.equal(schemaVersion(raw), 1);
    assert.equal(raw.prepare("SELECT count(*) FROM sqlite_master WHERE name = 'u'").pluck().get(), 0);
  });

  test('an existing SQLite file at version 0 is brought to the latest version on open', async (t) => {
    const file = path.join(tempDir(t), 'old.db');
    const raw = new Database(file);
    raw.exec('CREATE TABLE unrelated (x)');
    raw.close();
    const store = await openSqliteStore({ path: file });
    t.after(() => store.close());
    await store.put(msg('alice', 'hi'));
    const check = new Database(file, { readonly: true });
    t.after(() => check.close());
    assert.equal(schemaVersion(check), MIGRATIONS.length);
  });

  test('a file of version 3 keeps its messages through migration 4 and they come back without headers', async (t) => {
    const file = path.join(tempDir(t), 'v3.db');
    const raw = new Database(file);
    migrate(raw, file, MIGRATIONS.slice(0, 3));
    raw.prepare('INSERT INTO messages (recipient, sender, sender_uri, content_type, body_encoding, body, params, received_at, expires_at) VALUES (?, ?, ?, ?, ?, ?, NULL, ?, ?)')
      .run(Buffer.from('alice'), Buffer.from('bob'), Buffer.from('<sip:bob@h>'), Buffer.from('text/plain'), Buffer.from(''), Buffer.from('from before'), 1, Date.now() + 60_000);
    raw.close();
    const store = await openSqliteStore({ path: file });
    t.after(() => store.close());
    const [m] = await store.pending('alice');
    assert.deepEqual([m?.body, m?.headers], ['from before', {}]);
    await store.put({ ...msg('alice', 'after'), headers: { 'Content-Encoding': 'deflate' } });
    assert.deepEqual((await store.pending('alice')).map((x) => x.headers), [{}, { 'Content-Encoding': 'deflate' }]);
  });

  test('a file from a newer yate-chat is refused with STORE_FAILED and left untouched', async (t) => {
    const file = path.join(tempDir(t), 'newer.db');
    const raw = new Database(file);
    raw.pragma(`user_version = ${MIGRATIONS.length + 1}`);
    raw.close();
    const before = fs.readFileSync(file);
    await rejectsWith(openSqliteStore({ path: file }), 'STORE_FAILED', file, `schema version ${MIGRATIONS.length + 1}`, 'newer');
    assert.deepEqual(fs.readFileSync(file), before);
  });
});

describe('sqlite store failures', () => {
  test('a file that is not a database fails to open with STORE_FAILED naming the file and the cause', async (t) => {
    const file = path.join(tempDir(t), 'garbage.db');
    fs.writeFileSync(file, Buffer.from(Array.from({ length: 8192 }, (_, i) => (i * 131 + 7) % 256)));
    await rejectsWith(openSqliteStore({ path: file }), 'STORE_FAILED', file, 'not a database');
  });

  test('a location under a regular file fails to open with STORE_FAILED naming the path', async (t) => {
    const blocker = path.join(tempDir(t), 'not-a-folder');
    fs.writeFileSync(blocker, 'x');
    const file = path.join(blocker, 'store.db');
    await rejectsWith(openSqliteStore({ path: file }), 'STORE_FAILED', file);
  });

  test('a path that is a folder fails to open with STORE_FAILED naming it', async (t) => {
    const dir = tempDir(t);
    await rejectsWith(openSqliteStore({ path: dir }), 'STORE_FAILED', dir);
  });

  test('a store SQLite can read but not write fails to open with STORE_FAILED instead of failing at the first put', async (t) => {
    const file = path.join(tempDir(t), 'ro.db');
    const first = await openSqliteStore({ path: file });
    await first.put(msg('alice', 'kept'));
    await first.close();
    // A folder where SQLite keeps the WAL index (-shm): it cannot open it for writing (EISDIR,
    // root included, unlike permission bits), opens it read-only instead and serves reads but
    // refuses every write with SQLITE_READONLY: the fallback it takes for a read-only file.
    fs.mkdirSync(`${file}-shm`);
    const raw = new Database(file);
    assert.deepEqual(raw.prepare('SELECT count(*) AS n FROM messages').get(), { n: 1 }, 'reads still work');
    assert.throws(() => raw.exec('DELETE FROM messages'), /readonly/);
    raw.close();
    await rejectsWith(openSqliteStore({ path: file }), 'STORE_FAILED', file, 'SQLITE_READONLY');
  });

  test('a write that cannot get the lock rejects with STORE_FAILED, and the store works afterwards', async (t) => {
    const file = path.join(tempDir(t), 'store.db');
    const store = await openSqliteStore({ path: file, busyTimeoutMs: 0 });
    t.after(() => store.close());
    const other = new Database(file);
    t.after(() => other.close());
    other.exec('BEGIN EXCLUSIVE');
    await rejectsWith(store.put(msg('alice', 'blocked')), 'STORE_FAILED', file, 'put', 'SQLITE_BUSY');
    other.exec('ROLLBACK');
    await store.put(msg('alice', 'after'));
    assert.deepEqual((await store.pending('alice')).map((m) => m.body), ['after']);
    assert.equal(store.stats().failures, 1);
  });

  test('damage that opening does not notice makes reads reject with STORE_FAILED, not crash', async (t) => {
    const file = path.join(tempDir(t), 'store.db');
    const first = await openSqliteStore({ path: file });
    for (let i = 0; i < 50; i++) await first.put(msg('alice', 'x'.repeat(500)));
    await first.close();
    const pageSize = 4096;
    const fd = fs.openSync(file, 'r+');
    // Page 2 is the root of the messages table (the first table created); page 1 (schema) stays intact.
    fs.writeSync(fd, Buffer.alloc(pageSize, 0xa5), 0, pageSize, pageSize);
    fs.closeSync(fd);
    const store = await openSqliteStore({ path: file });
    t.after(() => store.close());
    await rejectsWith(store.pending('alice'), 'STORE_FAILED', file, 'pending', 'SQLITE_CORRUPT');
  });

  test('a file that claims the schema version but lacks the tables fails to open with STORE_FAILED', async (t) => {
    const file = path.join(tempDir(t), 'foreign.db');
    const raw = new Database(file);
    raw.pragma(`user_version = ${MIGRATIONS.length}`);
    raw.close();
    await rejectsWith(openSqliteStore({ path: file }), 'STORE_FAILED', file, 'no such table');
  });
});
