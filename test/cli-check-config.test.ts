// `yate-chat check-config` as an admin runs it before Yate does: every problem of the rules file
// at once, then whether the user it runs as can open the store the rules name (issue 22: a store
// folder only root may create made every offline message 500 while check-config said OK). Run
// as root, the store's checks run the command as `nobody`, as an admin would run it as Yate's
// user; otherwise as the test's own user, against folders that user may not write.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { MIGRATIONS } from '../src/store/index.js';

const MAIN = fileURLToPath(new URL('../src/cli/main.js', import.meta.url));
const ROOT = process.geteuid?.() === 0;
/** nobody, when we are root: a user who may write nothing of ours, like Yate's user. */
const AS = ROOT ? { uid: 65534, gid: 65534 } : {};

// A folder the checking user may read (nobody too), with the rules files in it.
const dir = mkdtempSync(path.join(os.tmpdir(), 'yate-chat-check-'));
chmodSync(dir, 0o755);
after(() => rmSync(dir, { recursive: true, force: true }));

/** A folder the checking user may enter but not write in (as nobody: any root-owned 0755 one). */
function readOnlyFolder(name: string): string {
  const d = path.join(dir, name);
  mkdirSync(d, { mode: 0o555 });
  chmodSync(d, 0o555);
  return d;
}

/** A folder the checking user owns (nobody when we are root). */
function ownFolder(name: string): string {
  const d = path.join(dir, name);
  mkdirSync(d, { mode: 0o755 });
  if (ROOT) chownSync(d, 65534, 65534);
  return d;
}

function rulesWithStore(name: string, storePath: string, extra: Record<string, unknown> = {}): string {
  const file = path.join(dir, name);
  writeFileSync(file, JSON.stringify({ offline: { store: { kind: 'sqlite', path: storePath } }, ...extra }));
  chmodSync(file, 0o644);
  return file;
}

interface Ran { code: number | null; stdout: string; stderr: string }

function checkConfig(file: string): Promise<Ran> {
  const child = spawn(process.execPath, [MAIN, 'check-config', file], { stdio: ['ignore', 'pipe', 'pipe'], cwd: '/', ...AS });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  return new Promise((resolve) => child.on('close', (code) => resolve({ code, stdout, stderr })));
}

test('a store folder this user may not create: exit 3, the rules OK, the folder named with the reason and the fix', async () => {
  const parent = readOnlyFolder('ro');
  const store = path.join(parent, 'new', 'yate-chat.db');
  const file = rulesWithStore('ro.json', store);
  const r = await checkConfig(file);
  assert.equal(r.code, 3, r.stderr);
  assert.equal(r.stdout, '');
  const lines = r.stderr.split('\n');
  assert.match(lines[0]!, new RegExp(`^${file.replace(/[.]/g, '\\.')}: rules OK, but uid \\d+( \\(\\w+\\))? cannot open the store sqlite:${store.replace(/[.]/g, '\\.')}:$`));
  assert.equal(lines[1], `  - cannot create the folder ${path.dirname(store)}: EACCES: permission denied, mkdir '${path.dirname(store)}'`);
  assert.match(lines[2]!, new RegExp(`install -d -o yate -g yate -m 0750 ${path.dirname(store).replace(/[.]/g, '\\.')}`));
});

test('a store this user can create: exit 0, what it checked, and nothing left behind', async () => {
  const mine = ownFolder('mine');
  const store = path.join(mine, 'deep', 'er', 'yate-chat.db');
  const file = rulesWithStore('mine.json', store);
  const r = await checkConfig(file);
  assert.equal(r.code, 0, r.stderr);
  const lines = r.stdout.split('\n');
  assert.equal(lines[0], `${file}: OK (mode confirmed, offline sqlite)`);
  assert.match(lines[1]!, new RegExp(`^store: sqlite:${store.replace(/[.]/g, '\\.')}: uid ${ROOT ? 65534 : process.geteuid!()}( \\(\\w+\\))? can create and write it$`));
  assert.equal(lines[2], `note: the folder ${path.dirname(store)} does not exist yet: the module creates it (mode 0700) at start`);
  assert.deepEqual(readdirSync(mine), [], 'the folders and the probe it made are gone');
});

test('a store folder others may write to is refused as the module would refuse it: exit 3 naming it', async () => {
  const open = ownFolder('open');
  chmodSync(open, 0o777);
  const r = await checkConfig(rulesWithStore('open.json', path.join(open, 'yate-chat.db')));
  assert.equal(r.code, 3);
  assert.match(r.stderr, new RegExp(`  - folder ${open.replace(/[.]/g, '\\.')} may be written by others \\(mode 777\\): refusing it`));
});

test('an existing store written by a newer yate-chat: exit 3 naming the file and both schema versions, the file untouched', async () => {
  const mine = ownFolder('newer');
  const store = path.join(mine, 'yate-chat.db');
  const db = new Database(store);
  db.pragma('user_version = 99');
  db.close();
  if (ROOT) chownSync(store, 65534, 65534);
  const r = await checkConfig(rulesWithStore('newer.json', store));
  assert.equal(r.code, 3, r.stderr);
  assert.ok(r.stderr.includes(`  - ${store}: schema version 99 is newer than this yate-chat knows (${MIGRATIONS.length}): a newer yate-chat wrote it`), r.stderr);
  const again = new Database(store, { readonly: true });
  assert.equal(again.pragma('user_version', { simple: true }), 99);
  again.close();
});

test('an existing store of an older schema: exit 0 with a note that the module migrates it one way, and the file is not migrated by the check', async () => {
  const mine = ownFolder('older');
  const store = path.join(mine, 'yate-chat.db');
  const db = new Database(store);
  MIGRATIONS[0]!.up(db);
  db.pragma('user_version = 1');
  db.close();
  if (ROOT) chownSync(store, 65534, 65534);
  const r = await checkConfig(rulesWithStore('older.json', store));
  assert.equal(r.code, 0, r.stderr);
  assert.ok(r.stdout.includes(`note: ${store}: schema version 1; the module migrates it to ${MIGRATIONS.length} at start, one way (back it up first: docs/upgrade.md)`), r.stdout);
  const again = new Database(store, { readonly: true });
  assert.equal(again.pragma('user_version', { simple: true }), 1);
  again.close();
});

test('a store file that belongs to another user is refused, as the module refuses it', { skip: !ROOT && 'needs root to give a file to another user' }, async () => {
  const mine = ownFolder('theirs');
  const store = path.join(mine, 'yate-chat.db');
  new Database(store).close();
  chownSync(store, 0, 0);
  const r = await checkConfig(rulesWithStore('theirs.json', store));
  assert.equal(r.code, 3);
  assert.ok(r.stderr.includes(`  - ${store} belongs to uid 0, not to this user (uid 65534): refusing it`), r.stderr);
});

test('invalid rules are reported (exit 2) without checking the store', async () => {
  const parent = readOnlyFolder('ro2');
  const r = await checkConfig(rulesWithStore('bad.json', path.join(parent, 'new', 'x.db'), { mode: 'loud' }));
  assert.equal(r.code, 2);
  assert.match(r.stderr, /is invalid \(1 problem\):\n  - mode: /);
  assert.ok(!existsSync(path.join(parent, 'new')));
});

test('a memory store, and a store that is not used, need no check', async () => {
  const mem = path.join(dir, 'mem.json');
  writeFileSync(mem, JSON.stringify({ offline: { store: { kind: 'memory' } } }));
  chmodSync(mem, 0o644);
  assert.equal((await checkConfig(mem)).stdout.split('\n')[1], 'store: memory (nothing kept across restarts)');
  const off = path.join(dir, 'off.json');
  writeFileSync(off, JSON.stringify({ offline: { enabled: false }, presence: { subscribe: false } }));
  chmodSync(off, 0o644);
  assert.equal((await checkConfig(off)).stdout.split('\n')[1], 'store: none (offline.enabled and presence.subscribe are off)');
});

test('as root the check says that root may write anywhere, and how to run it as Yate\'s user', { skip: !ROOT && 'only root gets the note' }, async () => {
  const file = path.join(dir, 'root.json');
  writeFileSync(file, JSON.stringify({ offline: { store: { kind: 'sqlite', path: path.join(dir, 'rootstore', 'x.db') } } }));
  const child = spawn(process.execPath, [MAIN, 'check-config', file], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  assert.equal(await new Promise((resolve) => child.on('close', resolve)), 0);
  assert.match(stdout, /^note: checked as root, who may write anywhere: run it as the user Yate runs as .*su -s \/bin\/sh yate -c/m);
});
