// The group and history stores' memory and SQLite backends through their shared case files, and
// what only SQLite does: both live in the offline store's own file, beside its messages.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import Database from 'better-sqlite3';
import { createMemoryGroups, createMemoryHistory, openSqliteGroups, openSqliteHistory, openSqliteStore } from '../src/store/index.js';
import { BOUNDS, runGroupStoreSuite } from './group-store.case.js';
import { entry, runHistoryStoreSuite } from './history-store.case.js';

runGroupStoreSuite('memory', async (opts) => {
  const store = createMemoryGroups(opts);
  return { store, cleanup: () => store.close(), reopen: async () => null };
});

runHistoryStoreSuite('memory', async () => {
  const store = createMemoryHistory();
  return { store, cleanup: () => store.close(), reopen: async () => null };
});

/** A fresh folder, a file in it, and every store opened on it closed and removed at the end. */
function sqliteFactory<S extends { close(): Promise<void> }>(open: (file: string) => Promise<S>) {
  return async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'yate-chat-groups-'));
    const file = path.join(dir, 'store.db');
    const opened: S[] = [await open(file)];
    return {
      store: opened[0]!,
      reopen: async () => {
        const again = await open(file);
        opened.push(again);
        return again;
      },
      cleanup: async () => {
        for (const s of opened) await s.close();
        fs.rmSync(dir, { recursive: true, force: true });
      },
    };
  };
}

runGroupStoreSuite('sqlite', (opts) => sqliteFactory((file) => openSqliteGroups({ path: file, ...opts }))());
runHistoryStoreSuite('sqlite', sqliteFactory((file) => openSqliteHistory({ path: file })));

test('sqlite groups and history share the offline store\'s file: each keeps its own rows, the file stays 0600', async (t) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'yate-chat-groups-'));
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  const file = path.join(dir, 'chat.db');
  const messages = await openSqliteStore({ path: file });
  const groups = await openSqliteGroups({ path: file });
  const history = await openSqliteHistory({ path: file });
  t.after(async () => {
    await history.close();
    await groups.close();
    await messages.close();
  });
  await messages.put({ recipient: '555', sender: '123', senderUri: 'sip:123@h', body: 'hi', contentType: 'text/plain' });
  await groups.create({ name: 'team', members: ['123', '234'], writers: 'members' }, BOUNDS);
  await history.append([entry('123', '234', 'hello', 0)]);
  const raw = new Database(file, { readonly: true });
  t.after(() => raw.close());
  assert.deepEqual([
    raw.prepare('SELECT count(*) FROM messages').pluck().get(),
    raw.prepare('SELECT count(*) FROM group_members').pluck().get(),
    raw.prepare('SELECT count(*) FROM history').pluck().get(),
  ], [1, 2, 1]);
  assert.equal(fs.statSync(file).mode & 0o777, 0o600);
});
