// Subscriptions in SQLite: a table of the offline store's own file (migration 3), through a
// connection of their own (sqlite/open.ts; WAL lets both write the file in turn). Every save is
// its own transaction, committed to disk (synchronous=FULL) before the promise resolves.
import type Database from 'better-sqlite3';
import { toBuffer as bytes } from '../../protocol/bytes.js';
import { byteString, type StoreClock } from '../common.js';
import { closeDatabase, openPrepared, runOn, type SqliteFileOptions } from '../sqlite/open.js';
import { checkSubscription } from './checks.js';
import { REPLACE_ALL, SUBSCRIPTION_COLUMNS, rowToSubscription, subscriptionRow, type SubscriptionRow } from './rows.js';
import type { SubscriptionStore } from './types.js';

/** The offline store's file (`path`); it and its folder are created on first run. */
export interface SqliteSubscriptionsOptions extends SqliteFileOptions, StoreClock {}

function prepare(db: Database.Database) {
  return {
    // A replaced subscription keeps its seq: the order of first save.
    save: db.prepare<[SubscriptionRow]>(
      `INSERT INTO subscriptions (${SUBSCRIPTION_COLUMNS.join(', ')}) VALUES (${SUBSCRIPTION_COLUMNS.map((c) => `@${c}`).join(', ')})
       ON CONFLICT (id) DO UPDATE SET ${REPLACE_ALL}`,
    ),
    remove: db.prepare<[Buffer]>('DELETE FROM subscriptions WHERE id = ?'),
    purge: db.prepare<[number]>('DELETE FROM subscriptions WHERE expires_at <= ?'),
    live: db.prepare<[number], SubscriptionRow>('SELECT * FROM subscriptions WHERE expires_at > ? ORDER BY seq'),
  };
}

export async function openSqliteSubscriptions(opts: SqliteSubscriptionsOptions): Promise<SubscriptionStore> {
  const clock = opts.now ?? Date.now;
  const { where, db, q } = openPrepared(opts, prepare);
  const op = async <T>(what: string, fn: () => T): Promise<T> => runOn(db, where, what, fn);

  const loadTx = db.transaction((at: number) => {
    q.purge.run(at);
    return q.live.all(at).map(rowToSubscription);
  });

  return {
    name: `sqlite:${where}`,
    save: (sub) => op('save subscription', () => void q.save.run(subscriptionRow(checkSubscription(sub)))),
    remove: (id) => op('remove subscription', () => q.remove.run(bytes(byteString('subscription id', id))).changes > 0),
    load: (now) => op('load subscriptions', () => loadTx.immediate(now ?? clock())),
    close: async () => closeDatabase(db, where),
  };
}
