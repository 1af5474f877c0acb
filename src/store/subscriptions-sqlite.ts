// Subscriptions in SQLite: a table of the offline store's own file (migration 3), through a
// connection of their own (WAL lets both write the file in turn). Every save is its own
// transaction, committed to disk (synchronous=FULL) before the promise resolves.
import path from 'node:path';
import type Database from 'better-sqlite3';
import { YateChatError } from '../errors.js';
import { byteString } from './common.js';
import { openDatabase, storeFailed } from './sqlite.js';
import { checkSubscription } from './subscriptions-common.js';
import type { StoredSubscription, SubscriptionStore } from './subscriptions.js';
import type { StoreClock } from './types.js';

export interface SqliteSubscriptionsOptions extends StoreClock {
  /** The database file (the offline store's); it and its folder are created on first run. */
  readonly path: string;
  readonly busyTimeoutMs?: number;
}

interface Row {
  id: Buffer; watcher: Buffer; presentity: Buffer; event: Buffer; call_id: Buffer; local_tag: Buffer; remote_tag: Buffer;
  local_uri: Buffer; remote_uri: Buffer; target: Buffer; contact: Buffer; transport: string; cseq: number; created_at: number; expires_at: number;
}

const bytes = (s: string): Buffer => Buffer.from(s, 'latin1');
const str = (b: Buffer): string => b.toString('latin1');

function transportOf(json: string): Record<string, string> {
  const value: unknown = JSON.parse(json);
  if (typeof value !== 'object' || value === null || Array.isArray(value) || Object.values(value).some((v) => typeof v !== 'string')) {
    throw new Error('transport column is not a JSON object of strings');
  }
  return Object.fromEntries(Object.entries(value as Record<string, string>));
}

function toSubscription(r: Row): StoredSubscription {
  return {
    id: str(r.id), watcher: str(r.watcher), presentity: str(r.presentity), event: str(r.event), callId: str(r.call_id),
    localTag: str(r.local_tag), remoteTag: str(r.remote_tag), localUri: str(r.local_uri), remoteUri: str(r.remote_uri),
    target: str(r.target), contact: str(r.contact), transport: transportOf(r.transport), cseq: r.cseq, createdAt: r.created_at, expiresAt: r.expires_at,
  };
}

function prepare(db: Database.Database) {
  return {
    save: db.prepare(
      `INSERT INTO subscriptions (id, watcher, presentity, event, call_id, local_tag, remote_tag, local_uri, remote_uri, target, contact, transport, cseq, created_at, expires_at)
       VALUES (@id, @watcher, @presentity, @event, @call_id, @local_tag, @remote_tag, @local_uri, @remote_uri, @target, @contact, @transport, @cseq, @created_at, @expires_at)
       ON CONFLICT (id) DO UPDATE SET watcher = excluded.watcher, presentity = excluded.presentity, event = excluded.event,
         call_id = excluded.call_id, local_tag = excluded.local_tag, remote_tag = excluded.remote_tag, local_uri = excluded.local_uri,
         remote_uri = excluded.remote_uri, target = excluded.target, contact = excluded.contact, transport = excluded.transport,
         cseq = excluded.cseq, created_at = excluded.created_at, expires_at = excluded.expires_at`,
    ),
    remove: db.prepare<[Buffer]>('DELETE FROM subscriptions WHERE id = ?'),
    purge: db.prepare<[number]>('DELETE FROM subscriptions WHERE expires_at <= ?'),
    live: db.prepare<[number], Row>('SELECT * FROM subscriptions WHERE expires_at > ? ORDER BY seq'),
  };
}

export async function openSqliteSubscriptions(opts: SqliteSubscriptionsOptions): Promise<SubscriptionStore> {
  const clock = opts.now ?? Date.now;
  if (typeof opts.path !== 'string' || opts.path === '' || opts.path === ':memory:' || opts.path.startsWith('file:')) {
    throw new YateChatError('BAD_ARGUMENT', `store path must name a file, got ${JSON.stringify(opts.path)} (use the memory store for no file)`);
  }
  const where = path.resolve(opts.path);
  const db = openDatabase(where, opts.busyTimeoutMs ?? 5000);
  let q: ReturnType<typeof prepare>;
  try {
    q = prepare(db);
  } catch (err) {
    db.close();
    throw storeFailed(where, 'open', err);
  }

  async function op<T>(what: string, fn: () => T): Promise<T> {
    try {
      if (!db.open) throw new YateChatError('STORE_FAILED', `store ${where} is closed`);
      return fn();
    } catch (err) {
      throw storeFailed(where, what, err);
    }
  }

  const loadTx = db.transaction((at: number) => {
    q.purge.run(at);
    return q.live.all(at).map(toSubscription);
  });

  return {
    name: `sqlite:${where}`,
    save: (sub) =>
      op('save subscription', () => {
        const s = checkSubscription(sub);
        q.save.run({
          id: bytes(s.id), watcher: bytes(s.watcher), presentity: bytes(s.presentity), event: bytes(s.event), call_id: bytes(s.callId),
          local_tag: bytes(s.localTag), remote_tag: bytes(s.remoteTag), local_uri: bytes(s.localUri), remote_uri: bytes(s.remoteUri),
          target: bytes(s.target), contact: bytes(s.contact), transport: JSON.stringify(s.transport), cseq: s.cseq,
          created_at: s.createdAt, expires_at: s.expiresAt,
        });
      }),
    remove: (id) => op('remove subscription', () => q.remove.run(bytes(byteString('subscription id', id))).changes > 0),
    load: (now) => op('load subscriptions', () => loadTx.immediate(now ?? clock())),
    close: async () => {
      if (!db.open) return;
      try {
        db.close();
      } catch (err) {
        throw storeFailed(where, 'close', err);
      }
    },
  };
}
