// Messages in SQLite (better-sqlite3): the `messages` table of one file (opened, kept private and
// migrated by sqlite/open.ts). Every write is its own transaction, committed to disk
// (synchronous=FULL) before the promise resolves: once `put` resolves, the message survives a
// SIGKILL (or power loss) at any later instant.

import type Database from 'better-sqlite3';
import { toBuffer as bytes, fromBuffer as str } from '../../protocol/bytes.js';
import { byteString, HEALTHY, type StoreClock } from '../common.js';
import { closeDatabase, openPrepared, runOn, type SqliteFileOptions } from '../sqlite/open.js';
import { checkLimit, checkMessage, fullError, newCounters, quotaError, resolveLimits, tally } from './checks.js';
import { paramsColumn, rowToMessage, type MessageRow } from './rows.js';
import type { MessageStore, NewMessage, RecipientSummary, StoreLimits, StoredMessage } from './types.js';

export interface SqliteStoreOptions extends SqliteFileOptions, Partial<StoreLimits>, StoreClock {}

function prepare(db: Database.Database) {
  return {
    insert: db.prepare<[Buffer, Buffer, Buffer, Buffer, Buffer, Buffer, string | null, string | null, number, number]>(
      `INSERT INTO messages (recipient, sender, sender_uri, content_type, body_encoding, body, params, headers, received_at, expires_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    ),
    dropExpiredOf: db.prepare<[Buffer, number]>('DELETE FROM messages WHERE recipient = ? AND expires_at <= ?'),
    countOf: db.prepare<[Buffer, number], number>('SELECT count(*) FROM messages WHERE recipient = ? AND expires_at > ?').pluck(),
    countAll: db.prepare<[number], number>('SELECT count(*) FROM messages WHERE expires_at > ?').pluck(),
    // Every row, expired or not, from the trigger-kept counter (migration 2): O(1) per put.
    total: db.prepare<[], number>('SELECT n FROM message_count WHERE id = 1').pluck(),
    // LIMIT -1 means no limit.
    pending: db.prepare<[Buffer, number, number], MessageRow>(
      'SELECT * FROM messages WHERE recipient = ? AND expires_at > ? ORDER BY id LIMIT ?',
    ),
    remove: db.prepare<[number]>('DELETE FROM messages WHERE id = ?'),
    failed: db.prepare<[number]>('UPDATE messages SET attempts = attempts + 1 WHERE id = ?'),
    recipients: db.prepare<[number], { recipient: Buffer; count: number; oldest: number }>(
      `SELECT recipient, count(*) AS count, min(received_at) AS oldest
       FROM messages WHERE expires_at > ? GROUP BY recipient ORDER BY recipient`,
    ),
    // The first row by its key: an index lookup, never a scan.
    first: db.prepare<[], number>('SELECT received_at FROM messages ORDER BY id LIMIT 1').pluck(),
    purge: db.prepare<[Buffer]>('DELETE FROM messages WHERE recipient = ?'),
    purgeExpired: db.prepare<[number]>('DELETE FROM messages WHERE expires_at <= ?'),
  };
}

export async function openSqliteStore(opts: SqliteStoreOptions): Promise<MessageStore> {
  const limits = resolveLimits(opts);
  const clock = opts.now ?? Date.now;
  const { where, db, q } = openPrepared(opts, prepare);
  const counters = newCounters();

  /** Runs `fn` on the open database; every failure rejects with a code and is counted. */
  async function op<T>(what: string, fn: () => T): Promise<T> {
    try {
      return runOn(db, where, what, fn);
    } catch (err) {
      throw tally(counters, err);
    }
  }

  // IMMEDIATE: the write lock is taken before the quota is counted, so no other connection can
  // insert between the count and the insert. The commit (fsync, synchronous=FULL) happens
  // before this returns.
  const putTx = db.transaction((msg: NewMessage): { stored: StoredMessage; dropped: number } => {
    const now = clock();
    const m = checkMessage(msg, limits, now);
    const recipient = bytes(m.recipient);
    const dropped = q.dropExpiredOf.run(recipient, now).changes;
    if ((q.countOf.get(recipient, now) ?? 0) >= limits.quotaPerRecipient) throw quotaError(m.recipient, limits.quotaPerRecipient);
    // The global quota (recipients are named by senders): when full, expired rows make room first.
    let purged = 0;
    if ((q.total.get() ?? 0) >= limits.maxMessages) {
      purged = q.purgeExpired.run(now).changes;
      if ((q.total.get() ?? 0) >= limits.maxMessages) throw fullError(limits.maxMessages);
    }
    const info = q.insert.run(recipient, bytes(m.sender), bytes(m.senderUri), bytes(m.contentType), bytes(m.bodyEncoding), bytes(m.body),
      paramsColumn(m.params), paramsColumn(m.headers), m.receivedAt, m.expiresAt);
    return { stored: { id: Number(info.lastInsertRowid), ...m, attempts: 0 }, dropped: dropped + purged };
  });

  return {
    name: `sqlite:${where}`,

    put: (msg: NewMessage) =>
      op('put', () => {
        // Counted after the commit: a refused put rolls its deletions back too.
        const { stored, dropped } = putTx.immediate(msg);
        counters.stored++;
        counters.expiredPurged += dropped;
        return stored;
      }),

    pending: (recipient: string, limit?: number) =>
      op('pending', () => {
        const max = checkLimit(limit) ?? -1;
        return q.pending.all(bytes(byteString('recipient', recipient)), clock(), max).map(rowToMessage);
      }),

    delivered: (id: number) =>
      op('delivered', () => {
        counters.deliveredDeleted += q.remove.run(id).changes;
      }),

    failed: (id: number) =>
      op('failed', () => {
        counters.failedAttempts += q.failed.run(id).changes;
      }),

    dropped: (id: number) =>
      op('dropped', () => {
        counters.droppedDeleted += q.remove.run(id).changes;
      }),

    count: (recipient?: string) =>
      op('count', () =>
        recipient === undefined ? (q.countAll.get(clock()) ?? 0) : (q.countOf.get(bytes(byteString('recipient', recipient)), clock()) ?? 0),
      ),

    recipients: () =>
      op('recipients', (): RecipientSummary[] =>
        q.recipients.all(clock()).map((r) => ({ recipient: str(r.recipient), count: r.count, oldest: r.oldest })),
      ),

    summary: () =>
      op('summary', () => ({ count: q.total.get() ?? 0, oldest: q.first.get() ?? null })),

    purge: (recipient: string) =>
      op('purge', () => {
        const n = q.purge.run(bytes(byteString('recipient', recipient))).changes;
        counters.purged += n;
        return n;
      }),

    purgeExpired: (now?: number) =>
      op('purgeExpired', () => {
        const n = q.purgeExpired.run(now ?? clock()).changes;
        counters.expiredPurged += n;
        return n;
      }),

    stats: () => ({ ...counters }),

    health: () => (db.open ? HEALTHY : { ok: false, reason: 'closed' }),

    close: async () => {
      try {
        closeDatabase(db, where);
      } catch (err) {
        throw tally(counters, err);
      }
    },
  };
}
