// The history in PostgreSQL, one table every node appends to (postgres/schema.ts, version 5): a
// batch is one INSERT of arrays (one round trip, one commit). Through a link of its own to the
// server (postgres/link.ts: a pool of one connection, no listening), with the same outage handling
// and log lines as the other stores. It opens even when the server does not answer yet (the
// module starts all the same): batches wait meanwhile (chat/history/recorder.ts), and the link
// keeps asking. Loaded only for a postgres store (store/index.ts imports it on demand).
import { toBuffer as bytes, fromBuffer as str } from '../../protocol/bytes.js';
import { byteString } from '../common.js';
import { PgLink, checkOptions, type PostgresOptions } from '../postgres/link.js';
import { migratePg } from '../postgres/schema.js';
import { checkEntry, checkQuery } from './checks.js';
import type { HistoryRecord, HistoryStore } from './types.js';

export type PostgresHistoryOptions = PostgresOptions;

interface HistoryRow {
  id: number; at: number; sender: Buffer; recipient: Buffer; via_group: boolean;
  content_type: Buffer; body_encoding: Buffer; body: Buffer; outcome: number;
}

const toRecord = (r: HistoryRow): HistoryRecord => ({
  id: r.id, at: r.at, sender: str(r.sender), recipient: str(r.recipient), group: r.via_group,
  contentType: str(r.content_type), bodyEncoding: str(r.body_encoding), body: str(r.body), outcome: r.outcome,
});

/** Each kind of query's selection ($1 user, $2 peer or groups); $3, $4 the position, $5 the limit. */
const SELECTIONS = {
  user: '((sender = $1 AND recipient = $2) OR (sender = $2 AND recipient = $1)) AND NOT via_group',
  group: '$1::bytea IS NOT NULL AND recipient = $2 AND via_group',
  all: '(sender = $1 OR (recipient = $1 AND NOT via_group) OR (via_group AND recipient = ANY($2::bytea[])))',
} as const;

const page = (where: string) =>
  `SELECT * FROM yate_chat.history WHERE ${where} AND (at < $3 OR (at = $3 AND id < $4)) ORDER BY at DESC, id DESC LIMIT $5`;

export async function openPostgresHistory(opts: PostgresHistoryOptions): Promise<HistoryStore> {
  const { name, timeoutMs, log } = checkOptions(opts);
  const link = new PgLink({
    url: opts.url,
    name,
    what: 'history store',
    consequence: 'the history misses what is routed meanwhile',
    poolSize: 1,
    timeoutMs,
    log,
    prepare: async (db) => void (await migratePg(db, name)),
  });
  await link.start();

  return {
    name,
    append: async (entries) => {
      const e = entries.map(checkEntry);
      if (!e.length) return;
      await link.run('append history', (db) => db.query(
        `INSERT INTO yate_chat.history (at, sender, recipient, via_group, content_type, body_encoding, body, outcome)
         SELECT * FROM unnest($1::bigint[], $2::bytea[], $3::bytea[], $4::boolean[], $5::bytea[], $6::bytea[], $7::bytea[], $8::integer[])`,
        [e.map((x) => x.at), e.map((x) => bytes(x.sender)), e.map((x) => bytes(x.recipient)), e.map((x) => x.group),
          e.map((x) => bytes(x.contentType)), e.map((x) => bytes(x.bodyEncoding)), e.map((x) => bytes(x.body)), e.map((x) => x.outcome)]));
    },
    page: async (query) => {
      const q = checkQuery(query);
      const sql = page(!q.peer ? SELECTIONS.all : q.peer.group ? SELECTIONS.group : SELECTIONS.user);
      const second = q.peer ? bytes(q.peer.name) : (q.groups ?? []).map(bytes);
      const { rows } = await link.run('read history', (db) => db.query<HistoryRow>(sql, [
        bytes(q.user), second, q.before?.at ?? Number.MAX_SAFE_INTEGER, q.before?.id ?? Number.MAX_SAFE_INTEGER, q.limit,
      ]));
      return rows.map(toRecord);
    },
    forget: async (user) => {
      const key = bytes(byteString('history user', user));
      return link.run('forget history', async (db) => (await db.query('DELETE FROM yate_chat.history WHERE sender = $1 OR (recipient = $1 AND NOT via_group)', [key])).rowCount ?? 0);
    },
    purgeBefore: async (at) => link.run('purge history', async (db) => (await db.query('DELETE FROM yate_chat.history WHERE at < $1', [at])).rowCount ?? 0),
    close: () => link.close(),
  };
}
