// The subscription store's backends through the shared case file, and what only SQLite does.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import Database from 'better-sqlite3';
import { createMemorySubscriptions, openSqliteStore, openSqliteSubscriptions } from '../src/store/index.js';
import { runSubscriptionStoreSuite, subscription } from './subscription-store.case.js';

runSubscriptionStoreSuite('memory', async (opts) => {
  const store = createMemorySubscriptions(opts);
  return { store, cleanup: () => store.close(), reopen: async () => null };
});

runSubscriptionStoreSuite('sqlite', async (opts) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'yate-chat-subs-'));
  const file = path.join(dir, 'store.db');
  const store = await openSqliteSubscriptions({ path: file, ...opts });
  const opened: Array<{ close(): Promise<void> }> = [store];
  return {
    store,
    reopen: async () => {
      const again = await openSqliteSubscriptions({ path: file, ...opts });
      opened.push(again);
      return again;
    },
    cleanup: async () => {
      for (const s of opened) await s.close();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
});

test('sqlite subscriptions share the offline store\'s file: both open it, each keeps its own rows', async (t) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'yate-chat-subs-'));
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  const file = path.join(dir, 'chat.db');
  const messages = await openSqliteStore({ path: file });
  const subs = await openSqliteSubscriptions({ path: file });
  t.after(async () => {
    await subs.close();
    await messages.close();
  });
  await messages.put({ recipient: '555', sender: '123', senderUri: 'sip:123@h', body: 'hi', contentType: 'text/plain' });
  await subs.save(subscription('c;r;l', { expiresAt: Date.now() + 60_000 }));
  assert.equal(await messages.count(), 1);
  assert.equal((await subs.load()).length, 1);
  const raw = new Database(file, { readonly: true });
  t.after(() => raw.close());
  assert.equal(raw.prepare('SELECT count(*) FROM subscriptions').pluck().get(), 1);
  assert.equal(fs.statSync(file).mode & 0o777, 0o600);
});
