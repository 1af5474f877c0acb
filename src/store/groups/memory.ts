// Groups in memory: the same behaviour as the SQLite store, nothing survives the process.
import { YateChatError } from '../../errors.js';
import { type StoreClock } from '../common.js';
import { checkBounds, checkGroup, checkMembers, checkName, copyGroup, groupExists, newMembers, noSuchGroup, notItself, tooManyGroups, tooManyMembers } from './checks.js';
import type { GroupStore, StoredGroup } from './types.js';

export function createMemoryGroups(opts: StoreClock = {}): GroupStore {
  const clock = opts.now ?? Date.now;
  const byName = new Map<string, StoredGroup>();
  let closed = false;

  async function op<T>(fn: () => T): Promise<T> {
    if (closed) throw new YateChatError('STORE_FAILED', 'group store memory is closed');
    return fn();
  }
  const found = (name: string): StoredGroup => {
    const g = byName.get(checkName('group name', name));
    if (!g) throw noSuchGroup(name);
    return g;
  };

  return {
    name: 'memory',
    list: () => op(() => [...byName.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0)).map(copyGroup)),
    get: (name) => op(() => {
      const g = byName.get(checkName('group name', name));
      return g ? copyGroup(g) : null;
    }),
    create: (group, bounds) => op(() => {
      const g = checkGroup(group);
      const { maxGroups, maxMembers } = checkBounds(bounds);
      if (byName.has(g.name)) throw groupExists(g.name);
      if (byName.size >= maxGroups) throw tooManyGroups(maxGroups);
      if (g.members.length > maxMembers) throw tooManyMembers(g.name, g.members.length, maxMembers);
      const stored = { ...g, members: [...g.members], createdAt: clock() };
      byName.set(g.name, stored);
      return copyGroup(stored);
    }),
    add: (name, members, bounds) => op(() => {
      const adding = checkMembers(members);
      const { maxMembers } = checkBounds(bounds);
      const g = found(name);
      notItself(g.name, adding);
      const fresh = newMembers(g.members, adding);
      if (g.members.length + fresh.length > maxMembers) throw tooManyMembers(g.name, g.members.length + fresh.length, maxMembers);
      const next = { ...g, members: [...g.members, ...fresh] };
      byName.set(g.name, next);
      return copyGroup(next);
    }),
    remove: (name, members) => op(() => {
      const gone = new Set(checkMembers(members));
      const g = found(name);
      const next = { ...g, members: g.members.filter((m) => !gone.has(m)) };
      byName.set(g.name, next);
      return copyGroup(next);
    }),
    delete: (name) => op(() => byName.delete(checkName('group name', name))),
    forget: (user) => op(() => {
      const who = checkName('group member', user);
      const left: string[] = [];
      for (const g of [...byName.values()].sort((a, b) => (a.name < b.name ? -1 : 1))) {
        if (!g.members.includes(who)) continue;
        byName.set(g.name, { ...g, members: g.members.filter((m) => m !== who) });
        left.push(g.name);
      }
      return left;
    }),
    close: async () => {
      closed = true;
    },
  };
}
