// The offline message store: one interface, one folder per backend, one place that picks.

import { createMemoryStore, type MemoryStoreOptions } from './memory.js';
import { openSqliteStore, type SqliteStoreOptions } from './sqlite.js';
import type { PostgresStoreOptions } from './postgres.js';
import type { MessageStore } from './types.js';

export type * from './types.js';
export { STORE_DEFAULTS } from './types.js';
export { createMemoryStore, type MemoryStoreOptions } from './memory.js';
export { openSqliteStore, type SqliteStoreOptions } from './sqlite.js';
export { MIGRATIONS, type Migration } from './migrations.js';

export type { PostgresStoreOptions } from './postgres.js';
export { isStoreUnreachable } from './common.js';

export type StoreConfig =
  | ({ readonly kind: 'sqlite' } & SqliteStoreOptions)
  | ({ readonly kind: 'memory' } & MemoryStoreOptions)
  | ({ readonly kind: 'postgres' } & PostgresStoreOptions);

/** The PostgreSQL store, loaded on first use: a module on SQLite never loads its client. */
export async function openPostgresStore(opts: PostgresStoreOptions): Promise<MessageStore> {
  return (await import('./postgres.js')).openPostgresStore(opts);
}

/** Opens the backend the config names. Rejects STORE_FAILED when it cannot be opened. */
export async function openStore(config: StoreConfig): Promise<MessageStore> {
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
