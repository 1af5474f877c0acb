// Can this user open the SQLite store at `path`? What `yate-chat check-config` asks, run as the
// user Yate runs as, before Yate finds out at the first offline message (500, EACCES). It does
// what opening would do that can fail for lack of rights, and leaves nothing behind: it creates
// the missing folders (0700, as the store does) and removes them again, writes and removes a
// probe file where SQLite writes its -wal and -shm, and reads the schema version of an existing
// file without migrating it (an upgrade's check must not change a file the running module
// uses). The folder and owner rules are the store's own (open.ts).
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { MIGRATIONS, schemaVersion } from './migrations.js';
import { checkFolder, ownFiles } from './open.js';

export interface StoreAccess {
  /** The database file checked (absolute). */
  readonly path: string;
  /** What stops this user from opening it, each naming the path; [] when nothing does. */
  readonly problems: readonly string[];
  /** What the module will do there that an admin should know (create the folder, migrate). */
  readonly notes: readonly string[];
}

const reason = (err: unknown) => {
  const e = err as NodeJS.ErrnoException;
  return e.code && !e.message.startsWith(e.code) ? `${e.code}: ${e.message}` : e.message;
};

/** Checks, as this process's user, that the store `file` can be created or opened and written. */
export function checkSqliteAccess(file: string): StoreAccess {
  const where = path.resolve(file);
  const dir = path.dirname(where);
  const problems: string[] = [];
  const notes: string[] = [];
  const created: string[] = [];
  try {
    for (let d = dir; !exists(d); d = path.dirname(d)) created.unshift(d);
    if (created.length) {
      try {
        fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
      } catch (err) {
        problems.push(`cannot create the folder ${dir}: ${reason(err)}`);
        return { path: where, problems, notes };
      }
      notes.push(`the folder ${dir} does not exist yet: the module creates it (mode 0700) at start`);
    }
    try {
      checkFolder(dir);
    } catch (err) {
      problems.push(reason(err));
      return { path: where, problems, notes };
    }
    // SQLite creates the -wal and -shm files beside the database: the folder must take new files.
    const probe = path.join(dir, `.yate-chat-check-${process.pid}`);
    try {
      fs.closeSync(fs.openSync(probe, fs.constants.O_WRONLY | fs.constants.O_CREAT | fs.constants.O_EXCL | fs.constants.O_NOFOLLOW, 0o600));
      fs.rmSync(probe);
    } catch (err) {
      problems.push(`cannot write in the folder ${dir}: ${reason(err)}`);
      return { path: where, problems, notes };
    }
    if (exists(where)) existing(where, problems, notes);
    return { path: where, problems, notes };
  } finally {
    // Only the folders made here, deepest first, and only while empty.
    for (const d of created.reverse()) {
      try {
        fs.rmdirSync(d);
      } catch {
        break;
      }
    }
  }
}

/** An existing database: ours, readable and writable, and at a schema this build knows. */
function existing(where: string, problems: string[], notes: string[]): void {
  try {
    for (const { file } of ownFiles(where)) fs.accessSync(file, fs.constants.R_OK | fs.constants.W_OK);
  } catch (err) {
    problems.push(reason(err));
    return;
  }
  let db: Database.Database | undefined;
  try {
    db = new Database(where, { readonly: true, fileMustExist: true });
    const found = schemaVersion(db);
    const known = MIGRATIONS.length;
    if (found > known) {
      problems.push(`${where}: schema version ${found} is newer than this yate-chat knows (${known}): a newer yate-chat wrote it (docs/upgrade.md, "Rolling back")`);
    } else if (found < known) {
      notes.push(`${where}: schema version ${found}; the module migrates it to ${known} at start, one way (back it up first: docs/upgrade.md)`);
    }
  } catch (err) {
    problems.push(`${where}: cannot be read as a SQLite database: ${reason(err)}`);
  } finally {
    db?.close();
  }
}

function exists(p: string): boolean {
  try {
    fs.lstatSync(p);
    return true;
  } catch {
    return false;
  }
}
