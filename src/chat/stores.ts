// Opening the stores the chat module keeps things in, all where the rules' `offline.store` says
// (its SQLite file, its PostgreSQL database, or memory): the offline messages, the presence
// subscriptions, the groups made at run time and the history. A store that cannot be opened
// keeps chat running: what needs it is refused or kept in memory, and Yate's log says why.
import os from 'node:os';
import type { Config } from '../config/index.js';
import type { Connection } from '../engine/connection.js';
import { redactUrl } from '../redact.js';
import {
  createFailedStore, createMemoryGroups, createMemoryHistory, createMemorySubscriptions, openPostgresGroups, openPostgresHistory, openPostgresSubscriptions,
  openSqliteGroups, openSqliteHistory, openSqliteSubscriptions, openStore, type GroupStore, type HistoryStore, type LinkLog, type MessageStore, type SubscriptionStore,
} from '../store/index.js';

/** Subscriptions live in the offline store's file or database (or memory), whether offline
 *  messages are on or not; in PostgreSQL each node keeps its own, under Yate's nodename (yate.conf
 *  [general] nodename, the host name by default). A store that cannot be opened leaves them in
 *  memory, with the reason in Yate's log, the ready line and `status`. */
export async function openSubscriptionStore(conn: Connection, config: Config): Promise<{ store: SubscriptionStore; problem: string | null }> {
  const where = config.offline.store;
  if (where.kind === 'memory') return { store: createMemorySubscriptions(), problem: null };
  try {
    if (where.kind === 'postgres') {
      const owner = (await conn.setlocal('engine.nodename').catch(() => '')) || os.hostname();
      return { store: await openPostgresSubscriptions({ url: where.url, owner, log: logTo(conn) }), problem: null };
    }
    return { store: await openSqliteSubscriptions({ path: where.path }), problem: null };
  } catch (err) {
    const problem = (err as Error).message;
    conn.log.error(`subscription store unavailable, presence subscriptions are kept in memory only (lost at restart): ${problem}`);
    return { store: createMemorySubscriptions(), problem };
  }
}

/** The offline store the rules name. One that cannot be opened keeps chat running: offline
 *  messages are refused with 500 instead of a false 202, and Yate's log says why. */
export async function openOfflineStore(config: Config, conn: Connection): Promise<MessageStore> {
  const o = config.offline;
  try {
    return await openStore({ ...o.store, quotaPerRecipient: o.quotaPerRecipient, maxBodyBytes: o.maxBodyBytes, expirySeconds: o.expirySeconds, maxMessages: o.maxMessages, log: logTo(conn) });
  } catch (err) {
    conn.log.error(`offline store unavailable, messages for offline users will get 500: ${(err as Error).message}`);
    return createFailedStore(storeName(config), (err as Error).message);
  }
}

/** Groups made at run time, beside the offline messages (shared by every node on PostgreSQL).
 *  null when the store cannot be opened: the rules' groups still work, none can be made. */
export function openGroupStore(conn: Connection, config: Config): Promise<GroupStore | null> {
  return beside(conn, config, { memory: createMemoryGroups, sqlite: openSqliteGroups, postgres: openPostgresGroups },
    'group store unavailable, groups of the rules file work but none can be made or changed');
}

/** The history, beside the offline messages, when the rules turn it on. null when it cannot be
 *  opened: nothing is recorded, and reading it answers the store's problem. */
export function openHistoryStore(conn: Connection, config: Config): Promise<HistoryStore | null> {
  return beside(conn, config, { memory: createMemoryHistory, sqlite: openSqliteHistory, postgres: openPostgresHistory }, 'history store unavailable, nothing is recorded');
}

/** A store of the kind `offline.store` names, in its file or database; null (and `problem` with
 *  the cause in Yate's log) when it cannot be opened. */
async function beside<S>(conn: Connection, config: Config, open: {
  readonly memory: () => S;
  readonly sqlite: (o: { path: string }) => Promise<S>;
  readonly postgres: (o: { url: string; log: LinkLog }) => Promise<S>;
}, problem: string): Promise<S | null> {
  const where = config.offline.store;
  try {
    if (where.kind === 'memory') return open.memory();
    if (where.kind === 'postgres') return await open.postgres({ url: where.url, log: logTo(conn) });
    return await open.sqlite({ path: where.path });
  } catch (err) {
    conn.log.error(`${problem}: ${(err as Error).message}`);
    return null;
  }
}

/** A PostgreSQL store says in Yate's log when the database goes away and comes back, once each. */
function logTo(conn: Connection): LinkLog {
  return (level, text) => conn.log[level](text);
}

/** The store's name for the log when it could not even be opened (never a password). */
function storeName(config: Config): string {
  const s = config.offline.store;
  if (s.kind === 'sqlite') return `sqlite:${s.path}`;
  if (s.kind === 'memory') return 'memory';
  return redactUrl(s.url);
}
