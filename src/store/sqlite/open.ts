// Opening the SQLite file (better-sqlite3) that the message store and the subscription store
// share, each through a connection of its own (WAL lets both write it in turn): the file and
// its -wal/-shm are 0600 in a folder of this user's own (0700 when created here), because
// messages are private; the journal is WAL with synchronous=FULL, so a commit is on disk when it
// returns; and the schema is brought up to date (migrations.ts) before anything is read.

import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { YateChatError, isYateChatError } from '../../errors.js';
import { assertNotNewer, migrate } from './migrations.js';

/** Where a SQLite store lives and how long its writes wait for another connection's lock. */
export interface SqliteFileOptions {
  /** The database file; it and its folder are created on first run. */
  readonly path: string;
  /** How long a write waits for another connection's lock before failing. Default 5000. */
  readonly busyTimeoutMs?: number;
}

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
 * The store's folder: created 0700 when missing, then checked (checkFolder).
 */
function privateFolder(dir: string): void {
  try {
    fs.lstatSync(dir);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  }
  checkFolder(dir);
}

/**
 * Throws (naming the folder and what to do) when the store may not live in `dir`: others (not
 * the owner, not its group) may write in it, and whoever can write there can replace the
 * database or read what it holds. In a folder anyone may write to (the temporary directory,
 * where the default store goes: config/load.ts) another local user could also have made it, or
 * a symlink at its path, first: there it must be ours and written by us alone. Elsewhere
 * (/var/lib/..., chosen by an admin) its owner and group are the admin's choice. `check-config`
 * asks the same (access.ts).
 */
export function checkFolder(dir: string): void {
  const me = euid();
  const link = fs.lstatSync(dir);
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
  for (const { file, st } of ownFiles(where)) if (st.isFile() && st.mode & 0o077) fs.chmodSync(file, 0o600);
}

/** The database file and its companions that exist; throws when one belongs to another user. */
export function ownFiles(where: string): { file: string; st: fs.Stats }[] {
  const me = euid();
  const found: { file: string; st: fs.Stats }[] = [];
  for (const file of [where, `${where}-wal`, `${where}-shm`, `${where}-journal`]) {
    let st: fs.Stats;
    try {
      st = fs.lstatSync(file);
    } catch {
      continue;
    }
    if (me !== null && st.uid !== me) throw new Error(`${file} belongs to uid ${st.uid}, not to this user (uid ${me}): refusing it`);
    found.push({ file, st });
  }
  return found;
}

/** The options checked (BAD_ARGUMENT otherwise): the absolute file and the lock wait. */
export function checkFileOptions(opts: SqliteFileOptions): { where: string; busyTimeoutMs: number } {
  const busyTimeoutMs = opts.busyTimeoutMs ?? 5000;
  if (!Number.isSafeInteger(busyTimeoutMs) || busyTimeoutMs < 0) {
    throw new YateChatError('BAD_ARGUMENT', `store option busyTimeoutMs must be a non-negative integer, got ${String(busyTimeoutMs)}`);
  }
  if (typeof opts.path !== 'string' || opts.path === '' || opts.path === ':memory:' || opts.path.startsWith('file:')) {
    throw new YateChatError('BAD_ARGUMENT', `store path must name a file, got ${JSON.stringify(opts.path)} (use the memory store for no file)`);
  }
  return { where: path.resolve(opts.path), busyTimeoutMs };
}

/** A connection to the file, at the latest schema. Rejects STORE_FAILED naming the file. */
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

/** A connection with a store's statements prepared on it. Preparing fails on a file that claims
 *  our schema version without our tables (written by something else): STORE_FAILED, closed. */
export function openPrepared<Q>(opts: SqliteFileOptions, prepare: (db: Database.Database) => Q): { where: string; db: Database.Database; q: Q } {
  const { where, busyTimeoutMs } = checkFileOptions(opts);
  const db = openDatabase(where, busyTimeoutMs);
  try {
    return { where, db, q: prepare(db) };
  } catch (err) {
    db.close();
    throw storeFailed(where, 'open', err);
  }
}

/** Runs `fn` on the open connection; a closed one, and any failure, throw STORE_FAILED naming
 *  the file and `what` was done. */
export function runOn<T>(db: Database.Database, where: string, what: string, fn: () => T): T {
  try {
    if (!db.open) throw new YateChatError('STORE_FAILED', `store ${where} is closed`);
    return fn();
  } catch (err) {
    throw storeFailed(where, what, err);
  }
}

/** Closes the connection (again: nothing); a failure rejects STORE_FAILED. */
export function closeDatabase(db: Database.Database, where: string): void {
  if (!db.open) return;
  try {
    db.close();
  } catch (err) {
    throw storeFailed(where, 'close', err);
  }
}
