// Groups in SQLite: two tables of the offline store's own file (migration 5), through a
// connection of their own (sqlite/open.ts; WAL lets every connection write the file in turn).
// Every change is one IMMEDIATE transaction, its bounds counted inside it, committed to disk
// (synchronous=FULL) before the promise resolves.
import type Database from 'better-sqlite3';
import { toBuffer as bytes, fromBuffer as str } from '../../protocol/bytes.js';
import { type StoreClock } from '../common.js';
import { closeDatabase, openPrepared, runOn, type SqliteFileOptions } from '../sqlite/open.js';
import { checkBounds, checkGroup, checkMembers, checkName, groupExists, newMembers, noSuchGroup, notItself, tooManyGroups, tooManyMembers } from './checks.js';
import type { GroupBounds, GroupStore, GroupWriters, NewGroup, StoredGroup } from './types.js';

/** The offline store's file (`path`); it and its folder are created on first run. */
export interface SqliteGroupsOptions extends SqliteFileOptions, StoreClock {}

interface GroupRow { name: Buffer; writers: string; created_at: number }

function prepare(db: Database.Database) {
  return {
    all: db.prepare<[], GroupRow>('SELECT * FROM chat_groups ORDER BY name'),
    one: db.prepare<[Buffer], GroupRow>('SELECT * FROM chat_groups WHERE name = ?'),
    count: db.prepare<[], number>('SELECT count(*) FROM chat_groups').pluck(),
    insert: db.prepare<[Buffer, string, number]>('INSERT INTO chat_groups (name, writers, created_at) VALUES (?, ?, ?)'),
    drop: db.prepare<[Buffer]>('DELETE FROM chat_groups WHERE name = ?'),
    members: db.prepare<[Buffer], Buffer>('SELECT member FROM group_members WHERE group_name = ? ORDER BY rowid').pluck(),
    allMembers: db.prepare<[], { group_name: Buffer; member: Buffer }>('SELECT group_name, member FROM group_members ORDER BY rowid'),
    join: db.prepare<[Buffer, Buffer]>('INSERT OR IGNORE INTO group_members (group_name, member) VALUES (?, ?)'),
    leave: db.prepare<[Buffer, Buffer]>('DELETE FROM group_members WHERE group_name = ? AND member = ?'),
    empty: db.prepare<[Buffer]>('DELETE FROM group_members WHERE group_name = ?'),
    groupsOf: db.prepare<[Buffer], Buffer>('SELECT group_name FROM group_members WHERE member = ? ORDER BY group_name').pluck(),
    forget: db.prepare<[Buffer]>('DELETE FROM group_members WHERE member = ?'),
  };
}

export async function openSqliteGroups(opts: SqliteGroupsOptions): Promise<GroupStore> {
  const clock = opts.now ?? Date.now;
  const { where, db, q } = openPrepared(opts, prepare);
  const op = async <T>(what: string, fn: () => T): Promise<T> => runOn(db, where, what, fn);

  const toGroup = (r: GroupRow, members: readonly Buffer[]): StoredGroup => ({
    name: str(r.name), members: members.map(str), writers: r.writers as GroupWriters, createdAt: r.created_at,
  });
  const read = (key: Buffer): StoredGroup | null => {
    const r = q.one.get(key);
    return r ? toGroup(r, q.members.all(key)) : null;
  };
  const existing = (name: string): { key: Buffer; group: StoredGroup } => {
    const key = bytes(checkName('group name', name));
    const group = read(key);
    if (!group) throw noSuchGroup(name);
    return { key, group };
  };

  const createTx = db.transaction((g: NewGroup, bounds: GroupBounds) => {
    const key = bytes(g.name);
    if (q.one.get(key)) throw groupExists(g.name);
    if ((q.count.get() ?? 0) >= bounds.maxGroups) throw tooManyGroups(bounds.maxGroups);
    if (g.members.length > bounds.maxMembers) throw tooManyMembers(g.name, g.members.length, bounds.maxMembers);
    q.insert.run(key, g.writers, clock());
    for (const m of g.members) q.join.run(key, bytes(m));
    return read(key)!;
  });
  const addTx = db.transaction((name: string, members: string[], bounds: GroupBounds) => {
    const { key, group } = existing(name);
    notItself(group.name, members);
    const fresh = newMembers(group.members, members);
    if (group.members.length + fresh.length > bounds.maxMembers) throw tooManyMembers(group.name, group.members.length + fresh.length, bounds.maxMembers);
    for (const m of fresh) q.join.run(key, bytes(m));
    return read(key)!;
  });
  const removeTx = db.transaction((name: string, members: string[]) => {
    const { key } = existing(name);
    for (const m of members) q.leave.run(key, bytes(m));
    return read(key)!;
  });
  const deleteTx = db.transaction((key: Buffer) => {
    q.empty.run(key);
    return q.drop.run(key).changes > 0;
  });
  const forgetTx = db.transaction((key: Buffer) => {
    const left = q.groupsOf.all(key).map(str);
    q.forget.run(key);
    return left;
  });

  return {
    name: `sqlite:${where}`,
    list: () => op('list groups', () => {
      const members = new Map<string, Buffer[]>();
      for (const r of q.allMembers.all()) {
        const k = str(r.group_name);
        const list = members.get(k);
        if (list) list.push(r.member);
        else members.set(k, [r.member]);
      }
      return q.all.all().map((r) => toGroup(r, members.get(str(r.name)) ?? []));
    }),
    get: (name) => op('get group', () => read(bytes(checkName('group name', name)))),
    create: (group, bounds) => op('create group', () => createTx.immediate(checkGroup(group), checkBounds(bounds))),
    add: (name, members, bounds) => op('add group members', () => addTx.immediate(name, checkMembers(members), checkBounds(bounds))),
    remove: (name, members) => op('remove group members', () => removeTx.immediate(name, checkMembers(members))),
    delete: (name) => op('delete group', () => deleteTx.immediate(bytes(checkName('group name', name)))),
    forget: (user) => op('forget group member', () => forgetTx.immediate(bytes(checkName('group member', user)))),
    close: async () => closeDatabase(db, where),
  };
}
