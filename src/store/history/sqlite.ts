// The history in SQLite: a table of the offline store's own file (migration 5), through a
// connection of its own (sqlite/open.ts; WAL lets every connection write the file in turn).
//
// Unlike the offline messages (a 202 promises the message survives), history is written with
// synchronous=NORMAL on this connection: a batch's commit goes to the WAL file without waiting for
// the disk, which makes it cheap enough to keep every message. In WAL mode that is still safe
// against a crash of the process (the commit is in the file); only a power loss or an OS crash
// can lose the last commits before a checkpoint, never the database itself.
import type Database from 'better-sqlite3';
import { toBuffer as bytes, fromBuffer as str } from '../../protocol/bytes.js';
import { byteString } from '../common.js';
import { closeDatabase, openPrepared, runOn, type SqliteFileOptions } from '../sqlite/open.js';
import { checkEntry, checkQuery } from './checks.js';
import type { HistoryEntry, HistoryQuery, HistoryRecord, HistoryStore } from './types.js';

export type SqliteHistoryOptions = SqliteFileOptions;

interface HistoryRow {
  id: number; at: number; sender: Buffer; recipient: Buffer; via_group: number;
  content_type: Buffer; body_encoding: Buffer; body: Buffer; outcome: number;
}

const toRecord = (r: HistoryRow): HistoryRecord => ({
  id: r.id, at: r.at, sender: str(r.sender), recipient: str(r.recipient), group: r.via_group === 1,
  contentType: str(r.content_type), bodyEncoding: str(r.body_encoding), body: str(r.body), outcome: r.outcome,
});

/** The WHERE clause of each kind of query (its parameters are named: @user, @peer, @groups). */
const SELECTIONS = {
  user: '((sender = @user AND recipient = @peer) OR (sender = @peer AND recipient = @user)) AND via_group = 0',
  group: 'recipient = @peer AND via_group = 1',
  all: `(sender = @user OR (recipient = @user AND via_group = 0)
         OR (via_group = 1 AND recipient IN (SELECT unhex(value) FROM json_each(@groups))))`,
} as const;

/** Rows one INSERT writes: a batch goes as few statements (each a step of SQLite's VM per row,
 *  but one call from JavaScript per ROWS rows). */
const ROWS = 50;
const COLUMNS = '(at, sender, recipient, via_group, content_type, body_encoding, body, outcome)';
// The body is bound as text when it is ASCII (its UTF-8 is its bytes: no Buffer to make), as bytes
// otherwise; CAST keeps it a BLOB either way.
const ROW = '(?, ?, ?, ?, ?, ?, CAST(? AS BLOB), ?)';
const ASCII = /^[\x00-\x7f]*$/;

function prepare(db: Database.Database) {
  const page = (where: string) =>
    db.prepare<Record<string, unknown>, HistoryRow>(`SELECT * FROM history WHERE ${where} AND (at < @at OR (at = @at AND id < @id)) ORDER BY at DESC, id DESC LIMIT @limit`);
  return {
    insert: db.prepare<unknown[]>(`INSERT INTO history ${COLUMNS} VALUES ${ROW}`),
    insertMany: db.prepare<unknown[]>(`INSERT INTO history ${COLUMNS} VALUES ${Array(ROWS).fill(ROW).join(', ')}`),
    user: page(SELECTIONS.user),
    group: page(SELECTIONS.group),
    all: page(SELECTIONS.all),
    forget: db.prepare<[Buffer, Buffer]>('DELETE FROM history WHERE sender = ? OR (recipient = ? AND via_group = 0)'),
    purgeBefore: db.prepare<[number]>('DELETE FROM history WHERE at < ?'),
  };
}

export async function openSqliteHistory(opts: SqliteHistoryOptions): Promise<HistoryStore> {
  const { where, db, q } = openPrepared(opts, (d) => {
    d.pragma('synchronous = NORMAL');
    return prepare(d);
  });
  const op = async <T>(what: string, fn: () => T): Promise<T> => runOn(db, where, what, fn);

  // The same few names and types come again and again: their bytes are made once (bounded).
  const small = new Map<string, Buffer>();
  const cached = (s: string): Buffer => {
    let b = small.get(s);
    if (b) return b;
    b = bytes(s);
    if (s.length <= 64) {
      if (small.size >= 1024) small.clear();
      small.set(s, b);
    }
    return b;
  };
  const row = (e: HistoryEntry, into: unknown[]): void => {
    into.push(e.at, cached(e.sender), cached(e.recipient), e.group ? 1 : 0, cached(e.contentType), cached(e.bodyEncoding), ASCII.test(e.body) ? e.body : bytes(e.body), e.outcome);
  };
  const appendTx = db.transaction((entries: readonly HistoryEntry[]) => {
    let i = 0;
    for (; i + ROWS <= entries.length; i += ROWS) {
      const values: unknown[] = [];
      for (let j = i; j < i + ROWS; j++) row(entries[j]!, values);
      q.insertMany.run(values);
    }
    for (; i < entries.length; i++) {
      const values: unknown[] = [];
      row(entries[i]!, values);
      q.insert.run(values);
    }
  });

  const page = (query: HistoryQuery): HistoryRecord[] => {
    const c = checkQuery(query);
    const params = {
      user: bytes(c.user),
      peer: c.peer ? bytes(c.peer.name) : null,
      groups: JSON.stringify((c.groups ?? []).map((g) => bytes(g).toString('hex'))),
      at: c.before?.at ?? Number.MAX_SAFE_INTEGER,
      id: c.before?.id ?? Number.MAX_SAFE_INTEGER,
      limit: c.limit,
    };
    const stmt = !c.peer ? q.all : c.peer.group ? q.group : q.user;
    // Each statement names only the parameters it uses.
    const used = Object.fromEntries(Object.entries(params).filter(([k]) => stmt.source.includes(`@${k}`)));
    return stmt.all(used).map(toRecord);
  };

  return {
    name: `sqlite:${where}`,
    append: async (entries) => {
      const checked = entries.map(checkEntry);
      return op('append history', () => void appendTx.immediate(checked));
    },
    page: (query) => op('read history', () => page(query)),
    forget: async (user) => {
      const key = bytes(byteString('history user', user));
      return op('forget history', () => q.forget.run(key, key).changes);
    },
    purgeBefore: (at) => op('purge history', () => q.purgeBefore.run(at).changes),
    close: async () => closeDatabase(db, where),
  };
}
