// Groups in PostgreSQL, shared by every Yate node on the database: two tables of the schema
// yate_chat (postgres/schema.ts, version 5). A change is one transaction under the groups'
// advisory lock (so two nodes cannot pass groupPolicy's bounds together) that ends with a
// notification (kind `g`, postgres/shared.ts) on the channel every node listens to: each node's
// chat module reads that group again (chat/groups/directory.ts). Through a link of its own to the
// server (postgres/link.ts: a pool of one connection, no listening), with the same outage handling
// and log lines as the other stores. It opens even when the server does not answer yet (the
// module starts all the same): operations fail meanwhile, and the link keeps asking. Loaded only
// for a postgres store (store/index.ts imports it on demand).
import { createHash } from 'node:crypto';
import { toBuffer as bytes, fromBuffer as str } from '../../protocol/bytes.js';
import type { StoreClock } from '../common.js';
import { CHANNEL, PgLink, checkOptions, type PostgresOptions, type Queryable } from '../postgres/link.js';
import { LOCK_SPACE, migratePg } from '../postgres/schema.js';
import { notification } from '../postgres/shared.js';
import { checkBounds, checkGroup, checkMembers, checkName, groupExists, newMembers, noSuchGroup, notItself, tooManyGroups, tooManyMembers } from './checks.js';
import type { GroupStore, GroupWriters, StoredGroup } from './types.js';

export interface PostgresGroupsOptions extends PostgresOptions, StoreClock {}

/** Second key of the advisory lock every group change takes ("grps"). */
const GROUPS_KEY = 0x67727073;

interface GroupRow { name: Buffer; writers: string; created_at: number; members: Buffer[] | null }

const SELECT = `
  SELECT g.name, g.writers, g.created_at,
         (SELECT array_agg(m.member ORDER BY m.seq) FROM yate_chat.group_members m WHERE m.group_name = g.name) AS members
  FROM yate_chat.chat_groups g`;

const toGroup = (r: GroupRow): StoredGroup => ({ name: str(r.name), members: (r.members ?? []).map(str), writers: r.writers as GroupWriters, createdAt: r.created_at });

export async function openPostgresGroups(opts: PostgresGroupsOptions): Promise<GroupStore> {
  const clock = opts.now ?? Date.now;
  const { name, timeoutMs, log } = checkOptions(opts);
  const node = createHash('sha1').update(`groups ${process.pid} ${Date.now()} ${Math.random()}`).digest('hex').slice(0, 12);
  const link = new PgLink({
    url: opts.url,
    name,
    what: 'group store',
    consequence: 'groups cannot be made or changed',
    poolSize: 1,
    timeoutMs,
    log,
    prepare: async (db) => void (await migratePg(db, name)),
  });
  await link.start();

  const read = async (db: Queryable, key: Buffer): Promise<StoredGroup | null> => {
    const { rows } = await db.query<GroupRow>(`${SELECT} WHERE g.name = $1`, [key]);
    return rows[0] ? toGroup(rows[0]) : null;
  };
  /** A change: under the lock, announced to every node at its commit. */
  const change = <T>(what: string, group: string, fn: (db: Queryable) => Promise<T>): Promise<T> =>
    link.transaction(what, async (db) => {
      await db.query('SELECT pg_advisory_xact_lock($1, $2)', [LOCK_SPACE, GROUPS_KEY]);
      const out = await fn(db);
      await db.query('SELECT pg_notify($1, $2)', [CHANNEL, notification(node, 'g', group)]);
      return out;
    });
  const existing = async (db: Queryable, group: string): Promise<StoredGroup> => {
    const g = await read(db, bytes(group));
    if (!g) throw noSuchGroup(group);
    return g;
  };
  const join = (db: Queryable, group: string, members: readonly string[]) =>
    members.length
      ? db.query('INSERT INTO yate_chat.group_members (group_name, member) SELECT $1, m FROM unnest($2::bytea[]) WITH ORDINALITY AS t(m, i) ORDER BY i ON CONFLICT DO NOTHING', [bytes(group), members.map(bytes)])
      : null;

  return {
    name,
    list: () => link.run('list groups', async (db) => (await db.query<GroupRow>(`${SELECT} ORDER BY g.name`)).rows.map(toGroup)),
    get: async (group) => {
      const key = bytes(checkName('group name', group));
      return link.run('get group', (db) => read(db, key));
    },
    create: async (group, bounds) => {
      const g = checkGroup(group);
      const { maxGroups, maxMembers } = checkBounds(bounds);
      return change('create group', g.name, async (db) => {
        if (await read(db, bytes(g.name))) throw groupExists(g.name);
        const { rows } = await db.query<{ n: number }>('SELECT count(*)::bigint AS n FROM yate_chat.chat_groups');
        if (rows[0]!.n >= maxGroups) throw tooManyGroups(maxGroups);
        if (g.members.length > maxMembers) throw tooManyMembers(g.name, g.members.length, maxMembers);
        await db.query('INSERT INTO yate_chat.chat_groups (name, writers, created_at) VALUES ($1, $2, $3)', [bytes(g.name), g.writers, clock()]);
        await join(db, g.name, g.members);
        return (await read(db, bytes(g.name)))!;
      });
    },
    add: async (group, members, bounds) => {
      checkName('group name', group);
      const adding = checkMembers(members);
      const { maxMembers } = checkBounds(bounds);
      return change('add group members', group, async (db) => {
        const g = await existing(db, group);
        notItself(g.name, adding);
        const fresh = newMembers(g.members, adding);
        if (g.members.length + fresh.length > maxMembers) throw tooManyMembers(g.name, g.members.length + fresh.length, maxMembers);
        await join(db, g.name, fresh);
        return (await read(db, bytes(g.name)))!;
      });
    },
    remove: async (group, members) => {
      checkName('group name', group);
      const gone = checkMembers(members);
      return change('remove group members', group, async (db) => {
        await existing(db, group);
        await db.query('DELETE FROM yate_chat.group_members WHERE group_name = $1 AND member = ANY($2::bytea[])', [bytes(group), gone.map(bytes)]);
        return (await read(db, bytes(group)))!;
      });
    },
    delete: async (group) => {
      const key = bytes(checkName('group name', group));
      return change('delete group', group, async (db) => ((await db.query('DELETE FROM yate_chat.chat_groups WHERE name = $1', [key])).rowCount ?? 0) > 0);
    },
    forget: async (user) => {
      const key = bytes(checkName('group member', user));
      const left = await link.transaction('forget group member', async (db) => {
        await db.query('SELECT pg_advisory_xact_lock($1, $2)', [LOCK_SPACE, GROUPS_KEY]);
        const { rows } = await db.query<{ group_name: Buffer }>('DELETE FROM yate_chat.group_members WHERE member = $1 RETURNING group_name', [key]);
        const names = rows.map((r) => str(r.group_name)).sort();
        for (const g of names) await db.query('SELECT pg_notify($1, $2)', [CHANNEL, notification(node, 'g', g)]);
        return names;
      });
      return left;
    },
    close: () => link.close(),
  };
}
