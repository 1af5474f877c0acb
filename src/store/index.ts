// The offline message store: one interface, one folder per backend, one place that picks.

import { createMemoryStore, type MemoryStoreOptions } from './memory.js';
import { openSqliteStore, type SqliteStoreOptions } from './sqlite.js';
import type { PostgresStoreOptions } from './postgres.js';
import type { LinkLog } from './postgres-link.js';
import type { MessageStore, StoreClock, StoreLimits } from './types.js';

export type * from './types.js';
export { STORE_DEFAULTS } from './types.js';
export { createMemoryStore, type MemoryStoreOptions } from './memory.js';
export { openSqliteStore, type SqliteStoreOptions } from './sqlite.js';
export { MIGRATIONS, type Migration } from './migrations.js';

export type { PostgresStoreOptions } from './postgres.js';
export { isStoreUnreachable } from './common.js';

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
       *  read by the chat module (chat/offline.ts), not the store. Default 15. */
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
  return (await import('./postgres.js')).openPostgresStore(opts);
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
export { createFailedStore } from './failed.js';
export type { StoredSubscription, SubscriptionStore } from './subscriptions.js';
export { createMemorySubscriptions } from './subscriptions-memory.js';
export { openSqliteSubscriptions, type SqliteSubscriptionsOptions } from './subscriptions-sqlite.js';
