// What several Yate nodes coordinate through the PostgreSQL store (SharedState in ../nodes.ts):
//
// - delivery leases: one node at a time delivers a recipient's messages (exactly once, in
//   order); a lease runs out on the database's clock, so a node that dies mid-delivery holds
//   nothing for longer than the lease;
// - notifications on one channel (`yate_chat`), sent with the commit of what they announce:
//   a message stored (`m`), a presence changed (`p`), a user seen registering (`k`), a group
//   made or changed by the group store (`g`, groups/postgres.ts). A payload
//   is JSON with the sender node and the user in hex (bytes survive any database encoding);
// - presence (every live publication of each user) and the users any node saw register.
import { toBuffer as bytes, fromBuffer as str } from '../../protocol/bytes.js';
import type { StoreClock } from '../common.js';
import type { Publication, SharedEvent, SharedState } from '../nodes.js';
import { CHANNEL, type PgLink } from './link.js';

/** PostgreSQL refuses a payload of 8000 bytes or more. */
const MAX_PAYLOAD = 7900;

export type Kind = 'm' | 'p' | 'k' | 'g';
const KINDS: Record<Kind, 'stored' | 'presence' | 'known' | 'group'> = { m: 'stored', p: 'presence', k: 'known', g: 'group' };

/** The payload announcing `kind` for `user` (without the user when it would not fit: then the
 *  other nodes learn of it at their next retry pass or resync, never by an error here). */
export function notification(node: string, kind: Kind, user: string): string {
  const full = JSON.stringify({ n: node, k: kind, u: bytes(user).toString('hex') });
  return full.length < MAX_PAYLOAD ? full : JSON.stringify({ n: node, k: kind });
}

/** The event a payload announces; null for our own stored messages and for anything unreadable. */
export function readNotification(payload: string, self: string): SharedEvent | null {
  let v: unknown;
  try {
    v = JSON.parse(payload);
  } catch {
    return null;
  }
  const { n, k, u } = (v ?? {}) as { n?: unknown; k?: unknown; u?: unknown };
  if (typeof n !== 'string' || typeof k !== 'string' || typeof u !== 'string' || !Object.hasOwn(KINDS, k) || !/^(?:[0-9a-f]{2})*$/.test(u)) return null;
  const kind = KINDS[k as Kind];
  // A message this node stored: it failed here or nobody was registered here when it came.
  // (Presence comes back to its own node too: every node reads the row again, in order. A
  // group change comes from the group store, whose node id is its own.)
  if (kind !== 'presence' && kind !== 'group' && n === self) return null;
  const user = str(Buffer.from(u, 'hex'));
  if (kind === 'group') return { kind, name: user };
  return kind === 'stored' ? { kind, recipient: user } : { kind, user };
}

interface PresenceRow {
  username: Buffer;
  basic: string;
  note: Buffer;
  at: number;
  expires_at: number;
  etag: string;
  id: string;
}

const toPublication = (r: PresenceRow): Publication => ({
  user: str(r.username), basic: r.basic, note: r.note.toString('utf8'), at: r.at, expiresAt: r.expires_at, etag: r.etag, id: r.id,
});

export interface SharedDeps {
  readonly node: string;
  readonly link: PgLink;
  readonly clock: NonNullable<StoreClock['now']>;
  readonly subscribe: SharedState['subscribe'];
}

export function createSharedState({ node, link, clock, subscribe }: SharedDeps): SharedState {
  return {
    node,
    get up() {
      return link.up;
    },
    subscribe,

    lease: async (recipient, ms) => {
      const { rowCount } = await link.run('lease', (db) => db.query(
        `INSERT INTO yate_chat.leases (recipient, node, until)
         VALUES ($1, $2, clock_timestamp() + $3::bigint * interval '1 millisecond')
         ON CONFLICT (recipient) DO UPDATE SET node = EXCLUDED.node, until = EXCLUDED.until
         WHERE yate_chat.leases.node = EXCLUDED.node OR yate_chat.leases.until <= clock_timestamp()`,
        [bytes(recipient), node, Math.max(1, Math.round(ms))]));
      return rowCount === 1;
    },

    release: async (recipient) => {
      await link.run('release', (db) => db.query('DELETE FROM yate_chat.leases WHERE recipient = $1 AND node = $2', [bytes(recipient), node]));
    },

    savePresence: async (user, saved, removed) => {
      const key = bytes(user);
      await link.transaction('savePresence', async (db) => {
        if (removed === 'all') await db.query('DELETE FROM yate_chat.presence WHERE username = $1', [key]);
        else if (removed.length) await db.query('DELETE FROM yate_chat.presence WHERE username = $1 AND id = ANY($2::text[])', [key, removed]);
        for (const p of saved) {
          await db.query(
            `INSERT INTO yate_chat.presence (username, id, basic, note, at, expires_at, etag) VALUES ($1, $2, $3, $4, $5, $6, $7)
             ON CONFLICT (username, id) DO UPDATE SET basic = EXCLUDED.basic, note = EXCLUDED.note, at = EXCLUDED.at,
               expires_at = EXCLUDED.expires_at, etag = EXCLUDED.etag, seq = nextval('yate_chat.presence_seq')`,
            [key, p.id, p.basic, Buffer.from(p.note, 'utf8'), p.at, p.expiresAt, p.etag]);
        }
        await db.query('SELECT pg_notify($1, $2)', [CHANNEL, notification(node, 'p', user)]);
      });
    },

    presence: async (user) => {
      const now = clock();
      const { rows } = await link.run('presence', (db) => db.query<PresenceRow>(
        'SELECT * FROM yate_chat.presence WHERE username = $1 AND expires_at > $2 ORDER BY seq', [bytes(user), now]));
      return rows.map(toPublication);
    },

    allPresence: async (limit) => {
      const now = clock();
      const { rows } = await link.run('allPresence', (db) => db.query<PresenceRow>(
        `SELECT p.* FROM yate_chat.presence p
         JOIN (SELECT username, max(at) AS latest FROM yate_chat.presence WHERE expires_at > $1
               GROUP BY username ORDER BY latest DESC LIMIT $2) u USING (username)
         WHERE p.expires_at > $1 ORDER BY u.latest DESC, p.username, p.seq`, [now, limit]));
      const byUser = new Map<string, Publication[]>();
      for (const p of rows.map(toPublication)) {
        const list = byUser.get(p.user);
        if (list) list.push(p);
        else byUser.set(p.user, [p]);
      }
      return [...byUser].map(([user, publications]) => ({ user, publications }));
    },

    addKnown: async (user) => {
      const now = clock();
      await link.run('addKnown', (db) => db.query(
        `WITH seen AS (
           INSERT INTO yate_chat.known_users (username, seen_at) VALUES ($1, $2)
           ON CONFLICT (username) DO UPDATE SET seen_at = EXCLUDED.seen_at
           RETURNING (xmax = 0) AS fresh)
         SELECT CASE WHEN fresh THEN pg_notify($3, $4) END FROM seen`,
        [bytes(user), now, CHANNEL, notification(node, 'k', user)]));
    },

    knownUsers: async (limit) => {
      const { rows } = await link.run('knownUsers', (db) => db.query<{ username: Buffer }>(
        'SELECT username FROM yate_chat.known_users ORDER BY seen_at DESC LIMIT $1', [limit]));
      return rows.map((r) => str(r.username));
    },
  };
}
