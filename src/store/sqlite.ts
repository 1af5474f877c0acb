// SQLite store (better-sqlite3): one file, WAL, synchronous=FULL. Every write is its own
// transaction, committed to disk before the promise resolves: once `put` resolves, the message
// survives a SIGKILL (or power loss) at any later instant. The file and its -wal/-shm are 0600 in
// a folder of this user's own (0700 when created here): messages are private.

import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { YateChatError, isYateChatError } from '../errors.js';
import { byteString, checkLimit, checkMessage, fullError, newCounters, quotaError, resolveLimits, rowToMessage, tally, type MessageRow } from './common.js';
import { assertNotNewer, migrate } from './migrations.js';
import type { MessageStore, NewMessage, RecipientSummary, StoreClock, StoreLimits, StoredMessage } from './types.js';

export interface SqliteStoreOptions extends Partial<StoreLimits>, StoreClock {
  /** The database file; it and its folder are created on first run. */
  readonly path: string;
  /** How long a write waits for another connection's lock before failing. Default 5000. */
  readonly busyTimeoutMs?: number;
}


const bytes = (s: string): Buffer => Buffer.from(s, 'latin1');
const str = (b: Buffer): string => b.toString('latin1');

/** Anything that is not already ours becomes STORE_FAILED naming the file and the cause. */
export function storeFailed(where: string, what: string, err: unknown): YateChatError {
  if (isYateChatError(err)) return err;
  const e = err as { code?: unknown; message?: unknown };
  const message = typeof e?.message === 'string' ? e.message : String(err);
  // SQLite messages lack the code (SQLITE_BUSY...); Node's fs messages already start with theirs.
  const code = typeof e?.code === 'string' && !message.startsWith(e.code) ? `${e.code}: ` : '';
  return new YateChatError('STORE_FAILED', `store ${where}: ${what} failed: ${code}${message}`, { cause: err });
}

/** Our effective user id (null where there is none: not POSIX). */
const euid = (): number | null => process.geteuid?.() ?? null;

/**
 * The store's folder: created 0700 when missing. Refused when others (not the owner, not its
 * group) may write in it: whoever can write there can replace the database or read what it
 * holds. In a folder anyone may write to (the temporary directory, where the default store
 * goes: load.ts) another local user could also have made it, or a symlink at its path, first:
 * there it must be ours and written by us alone. Elsewhere (/var/lib/..., chosen by an admin)
 * its owner and group are the admin's choice.
 */
function privateFolder(dir: string): void {
  const me = euid();
  let link: fs.Stats;
  try {
    link = fs.lstatSync(dir);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
    link = fs.lstatSync(dir);
  }
  if (me === null) return;
  const shared = (fs.statSync(path.dirname(dir)).mode & 0o002) !== 0;
  if (shared && link.isSymbolicLink() && link.uid !== me) {
    throw new Error(`folder ${dir} is a symlink owned by uid ${link.uid}, not by this user (uid ${me}): refusing it`);
  }
  const st = link.isSymbolicLink() ? fs.statSync(dir) : link;
  if (!st.isDirectory()) throw new Error(`${dir} is not a folder`);
  if (shared && st.uid !== me) {
    throw new Error(`folder ${dir} belongs to uid ${st.uid}, not to this user (uid ${me}), in a folder anyone may write to: refusing it (remove it, or set offline.store.path)`);
  }
  if (st.mode & (shared ? 0o022 : 0o002)) {
    throw new Error(`folder ${dir} may be written by others (mode ${(st.mode & 0o777).toString(8)}): refusing it (chmod ${shared ? 700 : 'o-w'} it, or set offline.store.path)`);
  }
}

/** The database file and SQLite's companions: created 0600 (SQLite gives -wal and -shm the
 *  database's own mode), and tightened to 0600 when an older run left them readable. */
function privateFiles(where: string): void {
  fs.closeSync(fs.openSync(where, fs.constants.O_RDWR | fs.constants.O_CREAT | fs.constants.O_NOFOLLOW, 0o600));
  const me = euid();
  for (const file of [where, `${where}-wal`, `${where}-shm`, `${where}-journal`]) {
    let st: fs.Stats;
    try {
      st = fs.lstatSync(file);
    } catch {
      continue;
    }
    if (me !== null && st.uid !== me) throw new Error(`${file} belongs to uid ${st.uid}, not to this user (uid ${me}): refusing it`);
    if (st.isFile() && st.mode & 0o077) fs.chmodSync(file, 0o600);
  }
}

export function openDatabase(where: string, busyTimeoutMs: number): Database.Database {
  let db: Database.Database | undefined;
  try {
    privateFolder(path.dirname(where));
    privateFiles(where);
    db = new Database(where);
    db.pragma(`busy_timeout = ${busyTimeoutMs}`);
    // First read of the file: a corrupt one fails here (SQLITE_NOTADB), a newer one is refused
    // before WAL mode rewrites its header.
    assertNotNewer(db, where);
    const mode = db.pragma('journal_mode = WAL', { simple: true });
    if (mode !== 'wal') throw new YateChatError('STORE_FAILED', `store ${where}: cannot use WAL journal mode (SQLite kept ${String(mode)})`);
    db.pragma('synchronous = FULL');
    migrate(db, where);
    return db;
  } catch (err) {
    try {
      db?.close();
    } catch {
      // The open error is the one worth reporting.
    }
    throw storeFailed(where, 'open', err);
  }
}

function prepare(db: Database.Database) {
  return {
    insert: db.prepare<[Buffer, Buffer, Buffer, Buffer, Buffer, Buffer, string | null, number, number]>(
      `INSERT INTO messages (recipient, sender, sender_uri, content_type, body_encoding, body, params, received_at, expires_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
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
    purge: db.prepare<[Buffer]>('DELETE FROM messages WHERE recipient = ?'),
    purgeExpired: db.prepare<[number]>('DELETE FROM messages WHERE expires_at <= ?'),
  };
}


export async function openSqliteStore(opts: SqliteStoreOptions): Promise<MessageStore> {
  const limits = resolveLimits(opts);
  const clock = opts.now ?? Date.now;
  const busyTimeoutMs = opts.busyTimeoutMs ?? 5000;
  if (!Number.isSafeInteger(busyTimeoutMs) || busyTimeoutMs < 0) {
    throw new YateChatError('BAD_ARGUMENT', `store option busyTimeoutMs must be a non-negative integer, got ${String(busyTimeoutMs)}`);
  }
  if (typeof opts.path !== 'string' || opts.path === '' || opts.path === ':memory:' || opts.path.startsWith('file:')) {
    throw new YateChatError('BAD_ARGUMENT', `store path must name a file, got ${JSON.stringify(opts.path)} (use the memory store for no file)`);
  }
  const where = path.resolve(opts.path);
  const db = openDatabase(where, busyTimeoutMs);
  let q: ReturnType<typeof prepare>;
  try {
    q = prepare(db);
  } catch (err) {
    // A file claiming our schema version without our tables (written by something else).
    db.close();
    throw storeFailed(where, 'open', err);
  }
  const counters = newCounters();

  /** Runs `fn` on the open database; every failure rejects with a code and is counted. */
  async function op<T>(what: string, fn: () => T): Promise<T> {
    try {
      if (!db.open) throw new YateChatError('STORE_FAILED', `store ${where} is closed`);
      return fn();
    } catch (err) {
      throw tally(counters, storeFailed(where, what, err));
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
    const params = Object.keys(m.params).length > 0 ? JSON.stringify(m.params) : null;
    const info = q.insert.run(recipient, bytes(m.sender), bytes(m.senderUri), bytes(m.contentType), bytes(m.bodyEncoding), bytes(m.body), params, m.receivedAt, m.expiresAt);
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

    count: (recipient?: string) =>
      op('count', () =>
        recipient === undefined ? (q.countAll.get(clock()) ?? 0) : (q.countOf.get(bytes(byteString('recipient', recipient)), clock()) ?? 0),
      ),

    recipients: () =>
      op('recipients', (): RecipientSummary[] =>
        q.recipients.all(clock()).map((r) => ({ recipient: str(r.recipient), count: r.count, oldest: r.oldest })),
      ),

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

    close: async () => {
      if (!db.open) return;
      try {
        db.close();
      } catch (err) {
        throw tally(counters, storeFailed(where, 'close', err));
      }
    },
  };
}
