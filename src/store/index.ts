// The stores: offline messages (messages/), presence subscriptions (subscriptions/), groups made at
// run time (groups/) and the history (history/), each one interface with a backend per file
// (memory, SQLite, PostgreSQL), and what several nodes share
// through a store (nodes.ts). This is the one place that picks a backend from the config, and
// the public door: the rest of yate-chat imports the stores from here only.
//
// The PostgreSQL backends are imported on first use: a module on SQLite never loads `pg`.

import type { StoreClock } from './common.js';
import { createMemoryStore } from './messages/memory.js';
import type { PostgresStoreOptions } from './messages/postgres.js';
import { openSqliteStore } from './messages/sqlite.js';
import type { MessageStore, StoreLimits } from './messages/types.js';
import type { LinkLog } from './postgres/link.js';
import type { PostgresSubscriptionsOptions } from './subscriptions/postgres.js';
import type { SubscriptionStore } from './subscriptions/types.js';
import type { PostgresGroupsOptions } from './groups/postgres.js';
import type { GroupStore } from './groups/types.js';
import type { PostgresHistoryOptions } from './history/postgres.js';
import type { HistoryStore } from './history/types.js';

export type { NewMessage, StoredMessage, RecipientSummary, StoreStats, StoreSummary, MessageStore, StoreLimits } from './messages/types.js';
export { MAX_EXPIRY_SECONDS, STORE_DEFAULTS } from './messages/types.js';
export type { StoreClock } from './common.js';
export { isStoreUnreachable, type StoreHealth } from './common.js';
export type { Publication, SharedEvent, SharedState } from './nodes.js';
export type { LinkLog } from './postgres/link.js';

export { createMemoryStore, type MemoryStoreOptions } from './messages/memory.js';
export { openSqliteStore, type SqliteStoreOptions } from './messages/sqlite.js';
export type { PostgresStoreOptions } from './messages/postgres.js';
export { createFailedStore } from './messages/failed.js';
export { MIGRATIONS, type Migration } from './sqlite/migrations.js';
export { checkSqliteAccess, type StoreAccess } from './sqlite/access.js';

export type { StoredSubscription, SubscriptionStore } from './subscriptions/types.js';
export { createMemorySubscriptions } from './subscriptions/memory.js';
export { openSqliteSubscriptions, type SqliteSubscriptionsOptions } from './subscriptions/sqlite.js';
export type { PostgresSubscriptionsOptions } from './subscriptions/postgres.js';

export type { GroupBounds, GroupStore, NewGroup, StoredGroup } from './groups/types.js';
export { createMemoryGroups } from './groups/memory.js';
export { openSqliteGroups, type SqliteGroupsOptions } from './groups/sqlite.js';
export type { PostgresGroupsOptions } from './groups/postgres.js';

export type { HistoryEntry, HistoryPosition, HistoryQuery, HistoryRecord, HistoryStore } from './history/types.js';
export { MAX_PAGE as MAX_HISTORY_PAGE } from './history/checks.js';
export { createMemoryHistory } from './history/memory.js';
export { openSqliteHistory, type SqliteHistoryOptions } from './history/sqlite.js';
export type { PostgresHistoryOptions } from './history/postgres.js';

/** Which backend, and where: what the rules file's `offline.store` names. */
export type StoreConfig =
  | { readonly kind: 'sqlite'; /** The database file. */ readonly path: string }
  | { readonly kind: 'memory' }
  | {
      readonly kind: 'postgres';
      /** postgres:// URL (from the file, else YATE_CHAT_PG_URL); may hold a password: never log it. */
      readonly url: string;
      /** Connections to the server at most (besides the one that listens). Default 4. */
      readonly poolSize?: number;
      /** How long a node's delivery lease lasts unrenewed (a node that dies holds it this long);
       *  read by the chat module (chat/offline/queue.ts), not the store. Default 15. */
      readonly leaseSeconds?: number;
    };

/** What a backend is opened with besides where: limits (STORE_DEFAULTS), clock, for SQLite how
 *  long a write waits for another connection's lock, for PostgreSQL how long an operation waits
 *  for the server and where the store says the server went away and came back (default stderr). */
export type OpenStoreOptions = Partial<StoreLimits> & StoreClock & {
  readonly busyTimeoutMs?: number;
  readonly timeoutMs?: number;
  readonly log?: LinkLog;
};

/** The PostgreSQL store, loaded on first use: a module on SQLite never loads its client. */
export async function openPostgresStore(opts: PostgresStoreOptions): Promise<MessageStore> {
  return (await import('./messages/postgres.js')).openPostgresStore(opts);
}

/** Opens the backend the config names. Rejects STORE_FAILED when it cannot be opened. */
export async function openStore(config: StoreConfig & OpenStoreOptions): Promise<MessageStore> {
  switch (config.kind) {
    case 'sqlite':
      return openSqliteStore(config);
    case 'memory':
      return createMemoryStore(config);
    case 'postgres':
      return openPostgresStore(config);
  }
}

/** Subscriptions in the PostgreSQL store, loaded on first use like the message store. */
export async function openPostgresSubscriptions(opts: PostgresSubscriptionsOptions): Promise<SubscriptionStore> {
  return (await import('./subscriptions/postgres.js')).openPostgresSubscriptions(opts);
}

/** Groups in the PostgreSQL store, loaded on first use like the message store. */
export async function openPostgresGroups(opts: PostgresGroupsOptions): Promise<GroupStore> {
  return (await import('./groups/postgres.js')).openPostgresGroups(opts);
}

/** The history in the PostgreSQL store, loaded on first use like the message store. */
export async function openPostgresHistory(opts: PostgresHistoryOptions): Promise<HistoryStore> {
  return (await import('./history/postgres.js')).openPostgresHistory(opts);
}
