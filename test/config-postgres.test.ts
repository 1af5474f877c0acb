// The rules file for a store several Yate nodes share: {"kind": "postgres", "url"}, the url from
// the environment (YATE_CHAT_PG_URL) for secrets, and no password ever shown back.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';
import { formatConfigError, loadConfig } from '../src/config/index.js';
import { ENV, issuesOf, load, refusal, writeRules } from './config-fixtures.js';

const LAUNCHER = fileURLToPath(new URL('../../scripts/yate-chat', import.meta.url));

test('a postgres store takes its url from the file, with the pool size and lease length defaulted', () => {
  const config = load({ offline: { store: { kind: 'postgres', url: 'postgres://yate@db.example.com:5433/chat' } } });
  assert.deepEqual(config.offline.store, { kind: 'postgres', url: 'postgres://yate@db.example.com:5433/chat', poolSize: 4, leaseSeconds: 15 });
  const tuned = load({ offline: { store: { kind: 'postgres', url: 'postgresql://db/chat?sslmode=require', poolSize: 10, leaseSeconds: 60 } } });
  assert.deepEqual(tuned.offline.store, { kind: 'postgres', url: 'postgresql://db/chat?sslmode=require', poolSize: 10, leaseSeconds: 60 });
});

test('without a url in the file, a postgres store takes YATE_CHAT_PG_URL from the environment; the file wins when it has one', () => {
  const file = writeRules({ offline: { store: { kind: 'postgres' } } });
  const env = { ...ENV.env, YATE_CHAT_PG_URL: 'postgres://yate:s3cret@db1/chat' };
  const fromEnv = loadConfig(file, { env }).offline.store;
  assert.equal(fromEnv.kind === 'postgres' && fromEnv.url, 'postgres://yate:s3cret@db1/chat');
  const named = writeRules({ offline: { store: { kind: 'postgres', url: 'postgres://yate@db2/chat' } } });
  const store = loadConfig(named, { env }).offline.store;
  assert.equal(store.kind === 'postgres' && store.url, 'postgres://yate@db2/chat');
});

test('a postgres store with no url anywhere is refused naming offline.store.url and the variable', () => {
  assert.deepEqual(issuesOf({ offline: { store: { kind: 'postgres' } } }), [
    { field: 'offline.store.url', message: 'expected a postgres:// URL here or in YATE_CHAT_PG_URL (environment), got nothing' },
  ]);
});

test('a bad url, a path on a postgres store and postgres fields on another kind are refused, each at its field', () => {
  assert.deepEqual(issuesOf({ offline: { store: { kind: 'postgres', url: 'mysql://db/chat' } } }), [
    { field: 'offline.store.url', message: 'expected a postgres://user@host[:port]/database URL (not mysql:), got "mysql://db/chat"' },
  ]);
  assert.deepEqual(issuesOf({ offline: { store: { kind: 'postgres', url: 'postgres://db/chat', path: 'x.db', poolSize: 0, leaseSeconds: 1 } } }), [
    { field: 'offline.store.poolSize', message: 'expected a positive integer up to 100, got 0' },
    { field: 'offline.store.leaseSeconds', message: 'expected a whole number of seconds 2..3600, got 1' },
  ]);
  assert.deepEqual(issuesOf({ offline: { store: { kind: 'postgres', url: 'postgres://db/chat', path: 'x.db' } } }), [
    { field: 'offline.store.path', message: 'expected no "path" with "kind": "postgres" (a postgres store is named by "url"), got "x.db"' },
  ]);
  assert.deepEqual(issuesOf({ offline: { store: { kind: 'sqlite', path: 'x.db', url: 'postgres://db/chat' } } }), [
    { field: 'offline.store.url', message: 'expected no "url" with "kind": "sqlite" (they are for "kind": "postgres"), got "postgres://db/chat"' },
  ]);
});

test('a password in a refused url is never shown back, neither in the issue nor by check-config', () => {
  const rules = { offline: { store: { kind: 'memory', url: 'postgres://yate:hunter2@db/chat' } } };
  const file = writeRules(rules);
  const text = formatConfigError(refusal(file));
  assert.match(text, /offline\.store\.url/);
  assert.match(text, /postgres:\/\/yate:\*\*\*@db\/chat/);
  assert.doesNotMatch(text, /hunter2/);
  const bad = writeRules({ offline: { store: { kind: 'postgres', url: 'postgres://yate:hunter2@db:notaport/chat' } } });
  const run = spawnSync(LAUNCHER, ['check-config', bad], { encoding: 'utf8' });
  assert.equal(run.status, 2);
  assert.match(run.stderr, /offline\.store\.url/);
  assert.doesNotMatch(run.stderr + run.stdout, /hunter2/);
});

test('the two-node sample in yate-conf loads as a postgres store whose url carries no password', () => {
  const sample = fileURLToPath(new URL('../../yate-conf/yate-chat-postgres.json', import.meta.url));
  const store = loadConfig(sample, ENV).offline.store;
  assert.equal(store.kind, 'postgres');
  assert.equal(store.kind === 'postgres' && new URL(store.url).password, '');
});

test('a module on SQLite never loads the PostgreSQL client: it is imported only when the store kind is postgres', () => {
  const index = new URL('../src/index.js', import.meta.url).href;
  const script = [
    "import { createRequire } from 'node:module';",
    `const lib = await import(${JSON.stringify(index)});`,
    "const loaded = () => Object.keys(createRequire(import.meta.url).cache).some((f) => /[\\\\/]node_modules[\\\\/]pg[\\\\/]/.test(f));",
    'const before = loaded();',
    "const store = await lib.openStore({ kind: 'postgres', url: 'postgres://nobody@127.0.0.1:1/none', log: () => {} });",
    'await store.close();',
    'console.log(JSON.stringify([before, loaded()]));',
  ].join('\n');
  const run = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' });
  assert.equal(run.status, 0, run.stderr);
  assert.deepEqual(JSON.parse(run.stdout), [false, true]);
});

test('YATE_CHAT_PG_URL is checked at load like a url in the file: mysql://... is refused naming the variable, its password hidden', () => {
  const file = writeRules({ offline: { store: { kind: 'postgres' } } });
  for (const url of ['mysql://yate:hunter2@db/chat', 'not a url', 'postgres:///chat']) {
    const err = refusal(file, { env: { ...ENV.env, YATE_CHAT_PG_URL: url } });
    assert.deepEqual(err.issues.map((i) => i.field), ['YATE_CHAT_PG_URL (environment)', 'offline.store.url'], url);
    assert.match(err.issues[0]!.message, /^expected a postgres:\/\/user@host\[:port\]\/database URL/);
    assert.doesNotMatch(formatConfigError(err), /hunter2/);
  }
  // Set but unused (an sqlite store): still a mistake, said now.
  assert.equal(refusal(writeRules({}), { env: { ...ENV.env, YATE_CHAT_PG_URL: 'mysql://db/chat' } }).issues[0]!.field, 'YATE_CHAT_PG_URL (environment)');
  // A Unix socket folder as the host parameter is a host.
  const sock = loadConfig(file, { env: { ...ENV.env, YATE_CHAT_PG_URL: 'postgres:///chat?host=/run/postgresql' } }).offline.store;
  assert.equal(sock.kind === 'postgres' && sock.url, 'postgres:///chat?host=/run/postgresql');
});

test('check-config exits 2 for YATE_CHAT_PG_URL=mysql://..., saying which variable, without its password', () => {
  const file = writeRules({ offline: { store: { kind: 'postgres' } } });
  const run = spawnSync(LAUNCHER, ['check-config', file], { encoding: 'utf8', env: { ...process.env, ...ENV.env, YATE_CHAT_PG_URL: 'mysql://yate:hunter2@db/chat' } });
  assert.equal(run.status, 2, run.stdout);
  assert.match(run.stderr, /YATE_CHAT_PG_URL \(environment\): expected a postgres:\/\/user@host\[:port\]\/database URL \(not mysql:\), got "mysql:\/\/yate:\*\*\*@db\/chat"/);
  assert.doesNotMatch(run.stderr + run.stdout, /hunter2/);
});

test('a library caller opening a PostgreSQL store with a url that is no postgres url gets BAD_ARGUMENT, from the same check', async () => {
  const { openPostgresStore } = await import('../src/store/index.js');
  await assert.rejects(openPostgresStore({ url: 'mysql://db/chat', log: () => {} }), (err: Error & { code?: string }) => err.code === 'BAD_ARGUMENT' && /\(not mysql:\)/.test(err.message));
});
