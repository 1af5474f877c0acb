// Subscriptions in PostgreSQL, the store several Yate nodes share: a table of the schema
// yate_chat (postgres-schema.ts, version 3). A subscription belongs to the node that accepted
// the SUBSCRIBE (its dialog and NOTIFYs go out through that Yate): each row carries the node's
// `owner` name, stable across restarts (Yate's [general] nodename), and a node loads, replaces
// and deletes only its own rows. Every save is one statement, committed before it resolves.
// A pool of one connection of its own, like the SQLite backend's own connection; loaded only
// for a postgres store (store/index.ts imports it on demand).
import pg from 'pg';
import { YateChatError, isYateChatError } from '../errors.js';
import { byteString } from './common.js';
import { describe } from './postgres-link.js';
import { migratePg } from './postgres-schema.js';
import { safeUrl } from './postgres.js';
import { checkSubscription } from './subscriptions-common.js';
import type { StoredSubscription, SubscriptionStore } from './subscriptions.js';
import type { StoreClock } from './types.js';

export interface PostgresSubscriptionsOptions extends StoreClock {
  /** The offline store's url (postgres://...); the password may come from PGPASSWORD. */
  readonly url: string;
  /** Which node's subscriptions these are: the same name after a restart, another on each node. */
  readonly owner: string;
  /** Longest a statement waits for the server. Default 5000. */
  readonly timeoutMs?: number;
}

interface Row {
  id: Buffer; watcher: Buffer; presentity: Buffer; event: Buffer; call_id: Buffer; local_tag: Buffer; remote_tag: Buffer;
  local_uri: Buffer; remote_uri: Buffer; target: Buffer; contact: Buffer; transport: Buffer; cseq: number; created_at: number; expires_at: number;
}

const bytes = (s: string): Buffer => Buffer.from(s, 'latin1');
const str = (b: Buffer): string => b.toString('latin1');

function transportOf(raw: Buffer): Record<string, string> {
  const value: unknown = JSON.parse(str(raw));
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

const SAVE = `
  INSERT INTO yate_chat.subscriptions (owner, id, watcher, presentity, event, call_id, local_tag, remote_tag, local_uri, remote_uri, target, contact, transport, cseq, created_at, expires_at)
  VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)
  ON CONFLICT (owner, id) DO UPDATE SET watcher = EXCLUDED.watcher, presentity = EXCLUDED.presentity, event = EXCLUDED.event,
    call_id = EXCLUDED.call_id, local_tag = EXCLUDED.local_tag, remote_tag = EXCLUDED.remote_tag, local_uri = EXCLUDED.local_uri,
    remote_uri = EXCLUDED.remote_uri, target = EXCLUDED.target, contact = EXCLUDED.contact, transport = EXCLUDED.transport,
    cseq = EXCLUDED.cseq, created_at = EXCLUDED.created_at, expires_at = EXCLUDED.expires_at`;

export async function openPostgresSubscriptions(opts: PostgresSubscriptionsOptions): Promise<SubscriptionStore> {
  const clock = opts.now ?? Date.now;
  const timeoutMs = opts.timeoutMs ?? 5000;
  if (typeof opts.owner !== 'string' || opts.owner === '') throw new YateChatError('BAD_ARGUMENT', 'subscription store owner must be a non-empty name');
  const name = safeUrl(opts.url);
  const owner = opts.owner;
  const pool = new pg.Pool({
    connectionString: opts.url,
    application_name: 'yate-chat',
    max: 1,
    connectionTimeoutMillis: timeoutMs,
    statement_timeout: timeoutMs,
    query_timeout: timeoutMs + 1000,
    idleTimeoutMillis: 60_000,
    // bigint (ms timestamps) as numbers: all stay below 2^53.
    types: { getTypeParser: ((oid: number, format?: 'text' | 'binary') => (oid === 20 ? Number : pg.types.getTypeParser(oid, format))) as typeof pg.types.getTypeParser },
  });
  // A connection the server closes is an event, not a crash: the next query says more.
  pool.on('error', () => {});
  let closed = false;

  const failed = (what: string, err: unknown): YateChatError =>
    isYateChatError(err) ? err : new YateChatError('STORE_FAILED', `store ${name}: ${what} failed: ${describe(err)}`, { cause: err });

  async function op<T>(what: string, fn: () => Promise<T>): Promise<T> {
    if (closed) throw new YateChatError('STORE_FAILED', `subscription store ${name} is closed`);
    try {
      return await fn();
    } catch (err) {
      throw failed(what, err);
    }
  }

  try {
    const db = await pool.connect();
    try {
      await migratePg(db, name);
    } finally {
      db.release();
    }
  } catch (err) {
    await pool.end().catch(() => {});
    throw failed('open', err);
  }

  return {
    name: `${name} (node ${owner})`,
    save: (sub) =>
      op('save subscription', async () => {
        const s = checkSubscription(sub);
        await pool.query(SAVE, [
          owner, bytes(s.id), bytes(s.watcher), bytes(s.presentity), bytes(s.event), bytes(s.callId), bytes(s.localTag), bytes(s.remoteTag),
          bytes(s.localUri), bytes(s.remoteUri), bytes(s.target), bytes(s.contact), bytes(JSON.stringify(s.transport)), s.cseq, s.createdAt, s.expiresAt,
        ]);
      }),
    remove: (id) =>
      op('remove subscription', async () => {
        const r = await pool.query('DELETE FROM yate_chat.subscriptions WHERE owner = $1 AND id = $2', [owner, bytes(byteString('subscription id', id))]);
        return (r.rowCount ?? 0) > 0;
      }),
    load: (now) =>
      op('load subscriptions', async () => {
        const at = now ?? clock();
        await pool.query('DELETE FROM yate_chat.subscriptions WHERE owner = $1 AND expires_at <= $2', [owner, at]);
        const { rows } = await pool.query<Row>('SELECT * FROM yate_chat.subscriptions WHERE owner = $1 AND expires_at > $2 ORDER BY seq', [owner, at]);
        return rows.map(toSubscription);
      }),
    close: async () => {
      if (closed) return;
      closed = true;
      await pool.end().catch((err: unknown) => {
        throw failed('close', err);
      });
    },
  };
}
