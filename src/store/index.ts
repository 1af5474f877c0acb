// The offline message store: one interface, one folder per backend, one place that picks.

import { createMemoryStore, type MemoryStoreOptions } from './memory.js';
import { openSqliteStore, type SqliteStoreOptions } from './sqlite.js';
import type { MessageStore, StoreClock, StoreLimits } from './types.js';

export type * from './types.js';
export { STORE_DEFAULTS } from './types.js';
export { createMemoryStore, type MemoryStoreOptions } from './memory.js';
export { openSqliteStore, type SqliteStoreOptions } from './sqlite.js';
export { MIGRATIONS, type Migration } from './migrations.js';

/** Which backend, and where: what the rules file's `offline.store` names. */
export type StoreConfig =
  | { readonly kind: 'sqlite'; /** The database file. */ readonly path: string }
  | { readonly kind: 'memory' };

/** What a backend is opened with besides where: limits (STORE_DEFAULTS), clock, and for SQLite
 *  how long a write waits for another connection's lock. */
export type OpenStoreOptions = Partial<StoreLimits> & StoreClock & { readonly busyTimeoutMs?: number };

/** Opens the backend the config names. Rejects STORE_FAILED when it cannot be opened. */
export async function openStore(config: StoreConfig & OpenStoreOptions): Promise<MessageStore> {
  switch (config.kind) {
    case 'sqlite':
      return openSqliteStore(config);
    case 'memory':
      return createMemoryStore(config);
  }
}
export { createFailedStore } from './failed.js';
export type { StoredSubscription, SubscriptionStore } from './subscriptions.js';
export { createMemorySubscriptions } from './subscriptions-memory.js';
export { openSqliteSubscriptions, type SqliteSubscriptionsOptions } from './subscriptions-sqlite.js';
