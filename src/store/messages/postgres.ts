// Messages in PostgreSQL (node-postgres): one database several Yate nodes share. The same
// behaviour as the SQLite store (storage order, byte-for-byte values, quotas, expiry from the
// store's clock, body limit), each write one transaction committed before its promise resolves,
// plus what the nodes coordinate through it (postgres/shared.ts): delivery leases, presence,
// known users, and a notification to every node when a message is stored. The server is reached
// through postgres/link.ts, which says in the log when it goes away and comes back.
//
// Loaded only when the rules name a postgres store (store/index.ts imports it on demand).
import { createHash } from 'node:crypto';
import { toBuffer as bytes, fromBuffer as str } from '../../protocol/bytes.js';
import { byteString, type StoreClock } from '../common.js';
import { CHANNEL, PgLink, checkOptions, type PostgresOptions, type Queryable } from '../postgres/link.js';
import { LOCK_SPACE, migratePg } from '../postgres/schema.js';
import { createSharedState, notification, readNotification } from '../postgres/shared.js';
import type { SharedEvent } from '../shared.js';
import { checkLimit, checkMessage, fullError, newCounters, quotaError, resolveLimits, tally } from './checks.js';
import { paramsColumn, rowToMessage, type MessageRow } from './rows.js';
import type { MessageStore, NewMessage, RecipientSummary, StoreLimits } from './types.js';

export interface PostgresStoreOptions extends PostgresOptions, Partial<StoreLimits>, StoreClock {
  /** Connections to the server at most (besides the one that listens). Default 4. */
  readonly poolSize?: number;
}

/** Second key of a recipient's advisory lock: who counts their quota and inserts, one at a time. */
function recipientKey(recipient: Buffer): number {
  return createHash('sha1').update(recipient).digest().readInt32BE(0);
}

/**
 * Opens the store. Resolves even when the server does not answer yet (the module must start
 * all the same): operations then fail with STORE_FAILED until it does, and the link keeps trying.
 * Rejects BAD_ARGUMENT for options that can never work (a url that is not postgres://).
 */
export async function openPostgresStore(opts: PostgresStoreOptions): Promise<MessageStore> {
  const limits = resolveLimits(opts);
  const clock = opts.now ?? Date.now;
  const { name, poolSize, timeoutMs, log } = checkOptions(opts);
  const counters = newCounters();
  const node = createHash('sha1').update(`${process.pid} ${Date.now()} ${Math.random()}`).digest('hex').slice(0, 12);

  const listeners = new Set<(e: SharedEvent) => void>();
  const emit = (e: SharedEvent): void => {
    for (const fn of listeners) fn(e);
  };
  const link = new PgLink({
    url: opts.url,
    name,
    what: 'offline store',
    consequence: 'messages for offline users get 500',
    poolSize,
    timeoutMs,
    log,
    prepare: async (db) => void (await migratePg(db, name)),
    onNotify: (payload) => {
      const e = readNotification(payload, node);
      if (e) emit(e);
    },
    onResync: () => emit({ kind: 'resync' }),
  });

  /** Runs `fn` against the server (in one transaction with `tx`); every failure rejects with a
   *  code and is counted. */
  async function op<T>(what: string, fn: (db: Queryable) => Promise<T>, tx = false): Promise<T> {
    try {
      return await (tx ? link.transaction(what, fn) : link.run(what, fn));
    } catch (err) {
      throw tally(counters, err);
    }
  }

  /** Checks that need no server, counted like SQLite's (BAD_ARGUMENT, STORE_TOO_LARGE). */
  function checked<T>(fn: () => T): T {
    try {
      return fn();
    } catch (err) {
      throw tally(counters, err);
    }
  }

  const shared = createSharedState({ node, link, clock, subscribe: (fn) => (listeners.add(fn), () => void listeners.delete(fn)) });
  await link.start();

  return {
    name,
    shared,

    put: async (msg: NewMessage) => {
      const now = clock();
      const m = checked(() => checkMessage(msg, limits, now));
      const recipient = bytes(m.recipient);
      const column = (json: string | null): Buffer | null => (json === null ? null : bytes(json));
      const { id, dropped } = await op('put', async (db) => {
        try {
          const { rows } = await db.query<{ id: number; dropped: number }>(
            'SELECT id, dropped FROM yate_chat.put($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17)',
            [recipient, bytes(m.sender), bytes(m.senderUri), bytes(m.contentType), bytes(m.bodyEncoding), bytes(m.body), column(paramsColumn(m.params)),
              column(paramsColumn(m.headers)), m.receivedAt, m.expiresAt,
              now, limits.quotaPerRecipient, limits.maxMessages, LOCK_SPACE, recipientKey(recipient), CHANNEL, notification(node, 'm', m.recipient)],
          );
          return rows[0]!;
        } catch (err) {
          // The refusals the function raises (postgres/schema.ts), as every store says them.
          const code = (err as { code?: unknown }).code;
          if (code === 'YCQTA') throw quotaError(m.recipient, limits.quotaPerRecipient);
          if (code === 'YCFUL') throw fullError(limits.maxMessages);
          throw err;
        }
      });
      counters.stored++;
      counters.expiredPurged += dropped;
      return { id, ...m, attempts: 0 };
    },

    pending: async (recipient: string, limit?: number) => {
      const key = checked(() => bytes(byteString('recipient', recipient)));
      const max = checked(() => checkLimit(limit)) ?? null;
      const now = clock();
      const { rows } = await op('pending', (db) => db.query<MessageRow>(
        'SELECT * FROM yate_chat.messages WHERE recipient = $1 AND expires_at > $2 ORDER BY id LIMIT $3', [key, now, max]));
      return rows.map(rowToMessage);
    },

    delivered: async (id: number) => {
      const r = await op('delivered', (db) => db.query('DELETE FROM yate_chat.messages WHERE id = $1', [id]));
      counters.deliveredDeleted += r.rowCount ?? 0;
    },

    failed: async (id: number) => {
      const r = await op('failed', (db) => db.query('UPDATE yate_chat.messages SET attempts = attempts + 1 WHERE id = $1', [id]));
      counters.failedAttempts += r.rowCount ?? 0;
    },

    dropped: async (id: number) => {
      const r = await op('dropped', (db) => db.query('DELETE FROM yate_chat.messages WHERE id = $1', [id]));
      counters.droppedDeleted += r.rowCount ?? 0;
    },

    count: async (recipient?: string) => {
      const key = recipient === undefined ? null : checked(() => bytes(byteString('recipient', recipient)));
      const now = clock();
      const { rows } = await op('count', (db) => key === null
        ? db.query<{ n: number }>('SELECT count(*) AS n FROM yate_chat.messages WHERE expires_at > $1', [now])
        : db.query<{ n: number }>('SELECT count(*) AS n FROM yate_chat.messages WHERE recipient = $1 AND expires_at > $2', [key, now]));
      return rows[0]?.n ?? 0;
    },

    recipients: async (): Promise<RecipientSummary[]> => {
      const now = clock();
      const { rows } = await op('recipients', (db) => db.query<{ recipient: Buffer; count: number; oldest: number }>(
        `SELECT recipient, count(*) AS count, min(received_at) AS oldest
         FROM yate_chat.messages WHERE expires_at > $1 GROUP BY recipient ORDER BY recipient`, [now]));
      return rows.map((r) => ({ recipient: str(r.recipient), count: r.count, oldest: r.oldest }));
    },

    summary: async () => {
      // The trigger-kept count and the first row by its key: no scan, whatever the table holds.
      const { rows } = await op('summary', (db) => db.query<{ n: number; oldest: number | null }>(
        'SELECT (SELECT n FROM yate_chat.message_count WHERE id = 1) AS n, (SELECT received_at FROM yate_chat.messages ORDER BY id LIMIT 1) AS oldest'));
      return { count: rows[0]?.n ?? 0, oldest: rows[0]?.oldest ?? null };
    },

    purge: async (recipient: string) => {
      const key = checked(() => bytes(byteString('recipient', recipient)));
      const r = await op('purge', (db) => db.query('DELETE FROM yate_chat.messages WHERE recipient = $1', [key]));
      counters.purged += r.rowCount ?? 0;
      return r.rowCount ?? 0;
    },

    purgeExpired: async (now?: number) => {
      const at = now ?? clock();
      const n = await op('purgeExpired', async (db) => {
        const r = await db.query('DELETE FROM yate_chat.messages WHERE expires_at <= $1', [at]);
        // What else runs out: presence, and the leases of nodes that died holding them.
        await db.query('DELETE FROM yate_chat.presence WHERE expires_at <= $1', [at]);
        await db.query('DELETE FROM yate_chat.leases WHERE until < clock_timestamp()');
        return r.rowCount ?? 0;
      }, true);
      counters.expiredPurged += n;
      return n;
    },

    stats: () => ({ ...counters }),

    health: () => link.health(),

    close: async () => {
      listeners.clear();
      await link.close();
    },
  };
}
