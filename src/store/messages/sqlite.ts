// Messages in SQLite (better-sqlite3): the `messages` table of one file (opened, kept private and
// migrated by sqlite/open.ts). Every write is its own transaction, committed to disk
// (synchronous=FULL) before the promise resolves: once `put` resolves, the message survives a
// SIGKILL (or power loss) at any later instant.

import type Database from 'better-sqlite3';
import { toBuffer as bytes, fromBuffer as str } from '../../protocol/bytes.js';
import { byteString, HEALTHY, type StoreClock } from '../common.js';
import { closeDatabase, openPrepared, runOn, type SqliteFileOptions } from '../sqlite/open.js';
import { checkCopies, checkDevice, checkLimit, checkMessage, fullError, newCounters, quotaError, resolveLimits, tally } from './checks.js';
import { paramsColumn, rowToMessage, type MessageRow } from './rows.js';
import type { MessageStore, NewMessage, RecipientSummary, StoreLimits, StoredMessage } from './types.js';

export interface SqliteStoreOptions extends SqliteFileOptions, Partial<StoreLimits>, StoreClock {}

/** Some device is still owed message m. */
const OWED = 'EXISTS (SELECT 1 FROM copies c WHERE c.message_id = m.id AND c.state = 0)';
/** Message m still waits for a device: none took it yet, or one is owed it (else it is only
 *  kept for the late window). */
const WAITING = `(m.late_until = 0 OR ${OWED})`;
/** The messages the device named by the 1st and 3rd `?` after `expires_at > ?` gets. */
const FOR_DEVICE = `NOT EXISTS (SELECT 1 FROM copies c WHERE c.message_id = m.id AND c.device = ? AND c.state = 1)
  AND (m.late_until = 0 OR m.late_until > ? OR EXISTS (SELECT 1 FROM copies c WHERE c.message_id = m.id AND c.device = ? AND c.state = 0))`;
/** Taken, owed to none, its late window over at `?`. */
const FINISHED = `m.late_until > 0 AND m.late_until <= ? AND NOT ${OWED}`;

function prepare(db: Database.Database) {
  return {
    insert: db.prepare<[Buffer, Buffer, Buffer, Buffer, Buffer, Buffer, string | null, string | null, number, number, number]>(
      `INSERT INTO messages (recipient, sender, sender_uri, content_type, body_encoding, body, params, headers, received_at, expires_at, late_until)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    ),
    copy: db.prepare<[number, Buffer, number]>(
      'INSERT INTO copies (message_id, device, state) VALUES (?, ?, ?) ON CONFLICT (message_id, device) DO UPDATE SET state = excluded.state',
    ),
    done: db.prepare<[Buffer, number]>(
      'INSERT INTO copies (message_id, device, state) SELECT id, ?, 1 FROM messages WHERE id = ? ON CONFLICT (message_id, device) DO UPDATE SET state = 1',
    ),
    startLate: db.prepare<[number, number]>('UPDATE messages SET late_until = ? WHERE id = ? AND late_until = 0'),
    dropFinished: db.prepare<[number, number]>(`DELETE FROM messages AS m WHERE m.id = ? AND ${FINISHED}`),
    purgeFinished: db.prepare<[number]>(`DELETE FROM messages AS m WHERE ${FINISHED}`),
    dropExpiredOf: db.prepare<[Buffer, number]>('DELETE FROM messages WHERE recipient = ? AND expires_at <= ?'),
    // The recipient's quota counts every unexpired message; those only kept for the late window
    // make room (oldest first) when it is full.
    countOf: db.prepare<[Buffer, number], number>('SELECT count(*) FROM messages WHERE recipient = ? AND expires_at > ?').pluck(),
    spareOf: db.prepare<[Buffer, number, number]>(
      `DELETE FROM messages WHERE id IN (SELECT m.id FROM messages m WHERE m.recipient = ? AND m.expires_at > ? AND NOT ${WAITING} ORDER BY m.id LIMIT ?)`,
    ),
    waitingOf: db.prepare<[Buffer, number], number>(`SELECT count(*) FROM messages m WHERE m.recipient = ? AND m.expires_at > ? AND ${WAITING}`).pluck(),
    waitingAll: db.prepare<[number], number>(`SELECT count(*) FROM messages m WHERE m.expires_at > ? AND ${WAITING}`).pluck(),
    // Every row, expired or not, from the trigger-kept counter (migration 2): O(1) per put.
    total: db.prepare<[], number>('SELECT n FROM message_count WHERE id = 1').pluck(),
    // LIMIT -1 means no limit.
    pending: db.prepare<[Buffer, number, number], MessageRow>(
      `SELECT * FROM messages m WHERE m.recipient = ? AND m.expires_at > ? AND ${WAITING} ORDER BY m.id LIMIT ?`,
    ),
    pendingFor: db.prepare<[Buffer, number, Buffer, number, Buffer, number], MessageRow>(
      `SELECT * FROM messages m WHERE m.recipient = ? AND m.expires_at > ? AND ${FOR_DEVICE} ORDER BY m.id LIMIT ?`,
    ),
    countFor: db.prepare<[Buffer, number, Buffer, number, Buffer], number>(
      `SELECT count(*) FROM messages m WHERE m.recipient = ? AND m.expires_at > ? AND ${FOR_DEVICE}`,
    ).pluck(),
    remove: db.prepare<[number]>('DELETE FROM messages WHERE id = ?'),
    failed: db.prepare<[number]>('UPDATE messages SET attempts = attempts + 1 WHERE id = ?'),
    recipients: db.prepare<[number], { recipient: Buffer; count: number; oldest: number }>(
      `SELECT recipient, count(*) AS count, min(received_at) AS oldest
       FROM messages m WHERE m.expires_at > ? AND ${WAITING} GROUP BY recipient ORDER BY recipient`,
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
  const putTx = db.transaction((msg: NewMessage): { stored: StoredMessage; dropped: number; spare: number } => {
    const now = clock();
    const m = checkMessage(msg, limits, now);
    const copies = checkCopies(msg);
    const recipient = bytes(m.recipient);
    const dropped = q.dropExpiredOf.run(recipient, now).changes;
    const mine = q.countOf.get(recipient, now) ?? 0;
    const spare = mine >= limits.quotaPerRecipient ? q.spareOf.run(recipient, now, mine - limits.quotaPerRecipient + 1).changes : 0;
    if (mine - spare >= limits.quotaPerRecipient) throw quotaError(m.recipient, limits.quotaPerRecipient);
    // The global quota (recipients are named by senders): when full, expired rows make room first.
    let purged = 0;
    if ((q.total.get() ?? 0) >= limits.maxMessages) {
      purged = q.purgeExpired.run(now).changes;
      if ((q.total.get() ?? 0) >= limits.maxMessages) throw fullError(limits.maxMessages);
    }
    const info = q.insert.run(recipient, bytes(m.sender), bytes(m.senderUri), bytes(m.contentType), bytes(m.bodyEncoding), bytes(m.body),
      paramsColumn(m.params), paramsColumn(m.headers), m.receivedAt, m.expiresAt, m.lateUntil);
    const id = Number(info.lastInsertRowid);
    for (const [d, state] of copies.states) q.copy.run(id, bytes(d), state);
    return { stored: { id, ...m, attempts: 0 }, dropped: dropped + purged, spare };
  });

  /** `device` done with message `id` (the first one starts the late window, to `lateUntil`); the
   *  message goes when nothing more is to be done with it. */
  const doneTx = db.transaction((id: number, device: string, lateUntil: number): number => {
    q.done.run(bytes(device), id);
    q.startLate.run(Math.max(1, lateUntil), id);
    return q.dropFinished.run(id, clock()).changes;
  });

  return {
    name: `sqlite:${where}`,

    put: (msg: NewMessage) =>
      op('put', () => {
        // Counted after the commit: a refused put rolls its deletions back too.
        const { stored, dropped, spare } = putTx.immediate(msg);
        counters.stored++;
        counters.expiredPurged += dropped;
        counters.deliveredDeleted += spare;
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

    pendingFor: (recipient: string, device: string, limit?: number) =>
      op('pendingFor', () => {
        const max = checkLimit(limit) ?? -1;
        const d = bytes(checkDevice(device));
        const now = clock();
        return q.pendingFor.all(bytes(byteString('recipient', recipient)), now, d, now, d, max).map(rowToMessage);
      }),

    countFor: (recipient: string, device: string) =>
      op('countFor', () => {
        const d = bytes(checkDevice(device));
        const now = clock();
        return q.countFor.get(bytes(byteString('recipient', recipient)), now, d, now, d) ?? 0;
      }),

    doneWith: (id: number, device: string, lateUntil: number) =>
      op('doneWith', () => {
        counters.deliveredDeleted += doneTx.immediate(id, checkDevice(device), lateUntil);
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
        recipient === undefined ? (q.waitingAll.get(clock()) ?? 0) : (q.waitingOf.get(bytes(byteString('recipient', recipient)), clock()) ?? 0),
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
        const at = now ?? clock();
        const n = q.purgeExpired.run(at).changes;
        counters.expiredPurged += n;
        counters.deliveredDeleted += q.purgeFinished.run(at).changes;
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
