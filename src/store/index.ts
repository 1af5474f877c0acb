// The offline message store: one interface, one folder per backend, one place that picks.

import { createMemoryStore, type MemoryStoreOptions } from './memory.js';
import { openSqliteStore, type SqliteStoreOptions } from './sqlite.js';
import type { MessageStore } from './types.js';

export type * from './types.js';
export { STORE_DEFAULTS } from './types.js';
export { createMemoryStore, type MemoryStoreOptions } from './memory.js';
export { openSqliteStore, type SqliteStoreOptions } from './sqlite.js';
export { MIGRATIONS, type Migration } from './migrations.js';

export type StoreConfig = ({ readonly kind: 'sqlite' } & SqliteStoreOptions) | ({ readonly kind: 'memory' } & MemoryStoreOptions);

/** Opens the backend the config names. Rejects STORE_FAILED when it cannot be opened. */
export async function openStore(config: StoreConfig): Promise<MessageStore> {
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
