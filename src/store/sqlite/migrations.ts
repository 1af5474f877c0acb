// The SQLite schema, as an ordered list of steps. `PRAGMA user_version` records the last step
// applied. Append new steps; never edit one that has shipped (files in the field already ran it).

import type BetterSqlite3 from 'better-sqlite3';
import { YateChatError } from '../../errors.js';

export interface Migration {
  /** 1, 2, 3... in order, no gaps. */
  readonly version: number;
  readonly description: string;
  readonly up: (db: BetterSqlite3.Database) => void;
}

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    description: 'messages table, indexed by recipient then storage order',
    up: (db) =>
      db.exec(`
        -- Byte strings are BLOBs: stored and compared byte for byte, never re-encoded.
        -- AUTOINCREMENT: ids are never reused, so a late delivered(id) cannot delete a newer message.
        CREATE TABLE messages (
          id            INTEGER PRIMARY KEY AUTOINCREMENT,
          recipient     BLOB    NOT NULL,
          sender        BLOB    NOT NULL,
          sender_uri    BLOB    NOT NULL,
          content_type  BLOB    NOT NULL,
          body_encoding BLOB    NOT NULL,
          body          BLOB    NOT NULL,
          params        TEXT,             -- JSON object of byte strings; NULL when none
          received_at   INTEGER NOT NULL, -- ms since the epoch
          expires_at    INTEGER NOT NULL, -- ms since the epoch
          attempts      INTEGER NOT NULL DEFAULT 0
        ) STRICT;
        CREATE INDEX messages_recipient_id ON messages (recipient, id);
        CREATE INDEX messages_expires_at ON messages (expires_at);
      `),
  },
  {
    version: 2,
    description: 'message_count: the number of rows in messages, kept by triggers (the global quota reads it in O(1))',
    up: (db) =>
      db.exec(`
        CREATE TABLE message_count (
          id INTEGER PRIMARY KEY CHECK (id = 1),
          n  INTEGER NOT NULL
        ) STRICT;
        INSERT INTO message_count (id, n) SELECT 1, count(*) FROM messages;
        CREATE TRIGGER messages_count_insert AFTER INSERT ON messages BEGIN UPDATE message_count SET n = n + 1 WHERE id = 1; END;
        CREATE TRIGGER messages_count_delete AFTER DELETE ON messages BEGIN UPDATE message_count SET n = n - 1 WHERE id = 1; END;
      `),
  },
  {
    version: 3,
    description: 'subscriptions: presence subscriptions (SUBSCRIBE dialogs), one row each, kept across restarts',
    up: (db) =>
      db.exec(`
        -- Byte strings are BLOBs, like the messages. seq keeps the order of first save.
        CREATE TABLE subscriptions (
          seq         INTEGER PRIMARY KEY AUTOINCREMENT,
          id          BLOB    NOT NULL UNIQUE,
          watcher     BLOB    NOT NULL,
          presentity  BLOB    NOT NULL,
          event       BLOB    NOT NULL,
          call_id     BLOB    NOT NULL,
          local_tag   BLOB    NOT NULL,
          remote_tag  BLOB    NOT NULL,
          local_uri   BLOB    NOT NULL,
          remote_uri  BLOB    NOT NULL,
          target      BLOB    NOT NULL,
          contact     BLOB    NOT NULL,
          transport   TEXT    NOT NULL,  -- JSON object of byte strings
          cseq        INTEGER NOT NULL,
          created_at  INTEGER NOT NULL,  -- ms since the epoch
          expires_at  INTEGER NOT NULL   -- ms since the epoch
        ) STRICT;
        CREATE INDEX subscriptions_expires_at ON subscriptions (expires_at);
      `),
  },
  {
    version: 4,
    description: 'messages.headers: the SIP headers a stored message carries to its recipient (Call-ID, Content-Encoding...)',
    up: (db) =>
      db.exec(`
        -- JSON object of byte strings, like params; NULL when none (and for every older row).
        ALTER TABLE messages ADD COLUMN headers TEXT;
      `),
  },
  {
    version: 5,
    description: 'chat_groups and group_members: groups made at run time; history: the conversation history',
    up: (db) =>
      db.exec(`
        -- Groups made with rmanager or the HTTP face (those of the rules file are not stored).
        CREATE TABLE chat_groups (
          name       BLOB    PRIMARY KEY,
          writers    TEXT    NOT NULL,  -- "members" or "anyone"
          created_at INTEGER NOT NULL   -- ms since the epoch
        ) STRICT;
        -- One row per member; rowid keeps the order they were added in.
        CREATE TABLE group_members (
          group_name BLOB NOT NULL,
          member     BLOB NOT NULL,
          UNIQUE (group_name, member)
        ) STRICT;
        CREATE INDEX group_members_member ON group_members (member);

        -- Every MESSAGE routed, with history.enabled (one row for a message to a group, whose
        -- name is then the recipient and via_group 1). Read by user, newest first (at, id).
        CREATE TABLE history (
          id            INTEGER PRIMARY KEY AUTOINCREMENT,
          at            INTEGER NOT NULL, -- ms since the epoch
          sender        BLOB    NOT NULL,
          recipient     BLOB    NOT NULL,
          via_group     INTEGER NOT NULL, -- 1: recipient is a group
          content_type  BLOB    NOT NULL,
          body_encoding BLOB    NOT NULL,
          body          BLOB    NOT NULL,
          outcome       INTEGER NOT NULL  -- the SIP code the sender got; 0: handed to ysipchan
        ) STRICT;
        CREATE INDEX history_sender ON history (sender, at, id);
        CREATE INDEX history_recipient ON history (recipient, at, id);
        CREATE INDEX history_at ON history (at);
      `),
  },
  {
    version: 6,
    description: 'copies: which devices of the recipient are owed a message, or done with it; messages.late_until',
    up: (db) =>
      db.exec(`
        -- 0 until a device takes the message; then until when (ms) the recipient's devices that
        -- never had it get it too (docs/devices.md, "fork late").
        ALTER TABLE messages ADD COLUMN late_until INTEGER NOT NULL DEFAULT 0;
        -- One row per device the message concerns: state 0 owed (it did not take it), 1 done
        -- (took it, or refused it for good). Gone with its message.
        CREATE TABLE copies (
          message_id INTEGER NOT NULL,
          device     BLOB    NOT NULL,
          state      INTEGER NOT NULL CHECK (state IN (0, 1)),
          PRIMARY KEY (message_id, device)
        ) STRICT, WITHOUT ROWID;
        CREATE TRIGGER messages_copies_delete AFTER DELETE ON messages BEGIN DELETE FROM copies WHERE message_id = OLD.id; END;
      `),
  },
];

export function schemaVersion(db: BetterSqlite3.Database): number {
  return db.pragma('user_version', { simple: true }) as number;
}

function newerError(where: string, found: number, known: number): YateChatError {
  return new YateChatError(
    'STORE_FAILED',
    `store ${where}: schema version ${found} is newer than this yate-chat knows (${known}); ` +
      'upgrade yate-chat, or point the store at another file',
  );
}

/** Refuses a file written by a newer yate-chat, before anything touches it. */
export function assertNotNewer(db: BetterSqlite3.Database, where: string, migrations: readonly Migration[] = MIGRATIONS): void {
  const found = schemaVersion(db);
  if (found > migrations.length) throw newerError(where, found, migrations.length);
}

/**
 * Brings the file to the last version in one IMMEDIATE transaction: either every pending step
 * and the new user_version are committed, or nothing is. Two processes opening a new file at
 * once serialise on the write lock; the second finds the work done.
 *
 * user_version is written even when nothing is pending: that write is the probe that fails now,
 * with SQLITE_READONLY, when the file or its folder cannot be written, instead of at the first
 * put (SQLite silently falls back to read-only when it cannot open for writing).
 */
export function migrate(
  db: BetterSqlite3.Database,
  where: string,
  migrations: readonly Migration[] = MIGRATIONS,
): { from: number; to: number } {
  migrations.forEach((m, i) => {
    if (m.version !== i + 1) throw new Error(`migration list out of order: entry ${i} has version ${m.version}`);
  });
  const known = migrations.length;
  const run = db.transaction(() => {
    const from = schemaVersion(db);
    if (from > known) throw newerError(where, from, known);
    for (const m of migrations.slice(from)) m.up(db);
    db.pragma(`user_version = ${known}`);
    return { from, to: known };
  });
  return run.immediate();
}
