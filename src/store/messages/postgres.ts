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
import type { SharedEvent } from '../nodes.js';
import { isYateChatError } from '../../errors.js';
import { checkCopies, checkDevice, checkLimit, checkMessage, fullError, newCounters, quotaError, resolveLimits, tally } from './checks.js';
import { paramsColumn, rowToMessage, type MessageRow } from './rows.js';
import type { MessageStore, NewMessage, RecipientSummary, StoreLimits } from './types.js';

export interface PostgresStoreOptions extends PostgresOptions, Partial<StoreLimits>, StoreClock {
  /** Connections to the server at most (besides the one that listens). Default 4. */
  readonly poolSize?: number;
}

/** Some device is still owed message m. */
const OWED = 'EXISTS (SELECT 1 FROM yate_chat.copies c WHERE c.message_id = m.id AND c.state = 0)';
/** Message m still waits for a device: none took it yet, or one is owed it (else it is only
 *  kept for the late window). */
const WAITING = `(m.late_until = 0 OR ${OWED})`;
/** The messages device $3 gets, the time being $2. */
const FOR_DEVICE = `NOT EXISTS (SELECT 1 FROM yate_chat.copies c WHERE c.message_id = m.id AND c.device = $3 AND c.state = 1)
  AND (m.late_until = 0 OR m.late_until > $2 OR EXISTS (SELECT 1 FROM yate_chat.copies c WHERE c.message_id = m.id AND c.device = $3 AND c.state = 0))`;
/** Taken, owed to none, its late window over at `$n`. */
const finished = (n: number): string => `m.late_until > 0 AND m.late_until <= $${n} AND NOT ${OWED}`;

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

  /** `device` done with message `id` (the first one starts the late window, to `lateUntil`); the
   *  message goes when nothing more is to be done with it. Resolves with how many went (0, 1). */
  async function done(db: Queryable, id: number, device: Buffer, lateUntil: number): Promise<number> {
    await db.query(
      `INSERT INTO yate_chat.copies (message_id, device, state) SELECT id, $2, 1 FROM yate_chat.messages WHERE id = $1
       ON CONFLICT (message_id, device) DO UPDATE SET state = 1`, [id, device]);
    await db.query('UPDATE yate_chat.messages SET late_until = $1 WHERE id = $2 AND late_until = 0', [lateUntil, id]);
    const r = await db.query(`DELETE FROM yate_chat.messages m WHERE m.id = $1 AND ${finished(2)}`, [id, clock()]);
    return r.rowCount ?? 0;
  }

  const shared = createSharedState({ node, link, clock, subscribe: (fn) => (listeners.add(fn), () => void listeners.delete(fn)) });
  await link.start();

  return {
    name,
    shared,

    put: async (msg: NewMessage) => {
      const now = clock();
      const m = checked(() => checkMessage(msg, limits, now));
      const copies = checked(() => checkCopies(msg));
      const recipient = bytes(m.recipient);
      const column = (json: string | null): Buffer | null => (json === null ? null : bytes(json));
      const devices = copies.states;
      // One statement (its own transaction) for a plain message; with its copies, or making room
      // at the quota from messages only kept for the late window, one transaction.
      const write = (makeRoom: boolean) => {
        const fn = async (db: Queryable): Promise<{ id: number; dropped: number; spare: number }> => {
          try {
            let spare = 0;
            if (makeRoom) {
              await db.query('SELECT pg_advisory_xact_lock($1, $2)', [LOCK_SPACE, recipientKey(recipient)]);
              const r = await db.query(
                `DELETE FROM yate_chat.messages WHERE id IN (
                   SELECT m.id FROM yate_chat.messages m WHERE m.recipient = $1 AND m.expires_at > $2 AND NOT ${WAITING} ORDER BY m.id
                   LIMIT GREATEST(0, (SELECT count(*) FROM yate_chat.messages WHERE recipient = $1 AND expires_at > $2) - $3 + 1))`,
                [recipient, now, limits.quotaPerRecipient]);
              spare = r.rowCount ?? 0;
            }
            const { rows } = await db.query<{ id: number; dropped: number }>(
              'SELECT id, dropped FROM yate_chat.put($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17)',
              [recipient, bytes(m.sender), bytes(m.senderUri), bytes(m.contentType), bytes(m.bodyEncoding), bytes(m.body), column(paramsColumn(m.params)),
                column(paramsColumn(m.headers)), m.receivedAt, m.expiresAt,
                now, limits.quotaPerRecipient, limits.maxMessages, LOCK_SPACE, recipientKey(recipient), CHANNEL, notification(node, 'm', m.recipient)],
            );
            const { id, dropped } = rows[0]!;
            if (devices.length) {
              await db.query(
                'INSERT INTO yate_chat.copies (message_id, device, state) SELECT $1, d, s FROM unnest($2::bytea[], $3::smallint[]) AS t(d, s)',
                [id, devices.map(([d]) => bytes(d)), devices.map(([, state]) => state)]);
            }
            if (m.lateUntil) await db.query('UPDATE yate_chat.messages SET late_until = $1 WHERE id = $2', [m.lateUntil, id]);
            return { id, dropped, spare };
          } catch (err) {
            // The refusals the function raises (postgres/schema.ts), as every store says them.
            const code = (err as { code?: unknown }).code;
            if (code === 'YCQTA') throw quotaError(m.recipient, limits.quotaPerRecipient);
            if (code === 'YCFUL') throw fullError(limits.maxMessages);
            throw err;
          }
        };
        return makeRoom || devices.length ? link.transaction('put', fn) : link.run('put', fn);
      };
      let done: { id: number; dropped: number; spare: number };
      try {
        try {
          done = await write(false);
        } catch (err) {
          if (!isYateChatError(err, 'STORE_QUOTA')) throw err;
          done = await write(true);
        }
      } catch (err) {
        throw tally(counters, err);
      }
      counters.stored++;
      counters.expiredPurged += done.dropped;
      counters.deliveredDeleted += done.spare;
      return { id: done.id, ...m, attempts: 0 };
    },

    pending: async (recipient: string, limit?: number) => {
      const key = checked(() => bytes(byteString('recipient', recipient)));
      const max = checked(() => checkLimit(limit)) ?? null;
      const now = clock();
      const { rows } = await op('pending', (db) => db.query<MessageRow>(
        `SELECT * FROM yate_chat.messages m WHERE m.recipient = $1 AND m.expires_at > $2 AND ${WAITING} ORDER BY m.id LIMIT $3`, [key, now, max]));
      return rows.map(rowToMessage);
    },

    pendingFor: async (recipient: string, device: string, limit?: number) => {
      const key = checked(() => bytes(byteString('recipient', recipient)));
      const d = checked(() => bytes(checkDevice(device)));
      const max = checked(() => checkLimit(limit)) ?? null;
      const now = clock();
      const { rows } = await op('pendingFor', (db) => db.query<MessageRow>(
        `SELECT * FROM yate_chat.messages m WHERE m.recipient = $1 AND m.expires_at > $2 AND ${FOR_DEVICE} ORDER BY m.id LIMIT $4`, [key, now, d, max]));
      return rows.map(rowToMessage);
    },

    countFor: async (recipient: string, device: string) => {
      const key = checked(() => bytes(byteString('recipient', recipient)));
      const d = checked(() => bytes(checkDevice(device)));
      const now = clock();
      const { rows } = await op('countFor', (db) => db.query<{ n: number }>(
        `SELECT count(*) AS n FROM yate_chat.messages m WHERE m.recipient = $1 AND m.expires_at > $2 AND ${FOR_DEVICE}`, [key, now, d]));
      return rows[0]?.n ?? 0;
    },

    doneWith: async (id: number, device: string, lateUntil: number) => {
      const d = checked(() => bytes(checkDevice(device)));
      counters.deliveredDeleted += await op('doneWith', (db) => done(db, id, d, Math.max(1, lateUntil)), true);
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
        ? db.query<{ n: number }>(`SELECT count(*) AS n FROM yate_chat.messages m WHERE m.expires_at > $1 AND ${WAITING}`, [now])
        : db.query<{ n: number }>(`SELECT count(*) AS n FROM yate_chat.messages m WHERE m.recipient = $1 AND m.expires_at > $2 AND ${WAITING}`, [key, now]));
      return rows[0]?.n ?? 0;
    },

    recipients: async (): Promise<RecipientSummary[]> => {
      const now = clock();
      const { rows } = await op('recipients', (db) => db.query<{ recipient: Buffer; count: number; oldest: number }>(
        `SELECT recipient, count(*) AS count, min(received_at) AS oldest
         FROM yate_chat.messages m WHERE m.expires_at > $1 AND ${WAITING} GROUP BY recipient ORDER BY recipient`, [now]));
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
        // Taken, owed to none, their late window over: done with.
        const f = await db.query(`DELETE FROM yate_chat.messages m WHERE ${finished(1)}`, [at]);
        counters.deliveredDeleted += f.rowCount ?? 0;
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
