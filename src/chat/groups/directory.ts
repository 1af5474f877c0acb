// Every group there is now: those of the rules file (read at each use: `chat reload` changes them)
// and those made at run time, held in memory from the store (loaded at start, updated after each
// change made here, read again when another node says it changed one). A MESSAGE never waits for
// the store. Changes go to the store first (its transaction checks the bounds, so two nodes cannot
// pass them together) and are held here once it committed them.
//
// A name is an address of one kind only: a run-time group may not take the name of a group of
// the rules file, an alias, a webhook address or a user (in `users` or seen registering), and a
// member is a user, not a group (a copy is never fanned out again).
import type { GroupWriters } from '../../config/index.js';
import { YateChatError } from '../../errors.js';
import type { GroupStore, StoredGroup } from '../../store/index.js';
import type { Kernel } from '../core/kernel.js';

/** A group as the room works with it. */
export interface Group {
  readonly name: string;
  readonly members: readonly string[];
  readonly writers: GroupWriters;
  /** 'rules': read-only, from the rules file; 'store': made at run time. */
  readonly source: 'rules' | 'store';
  /** When it was made (a run-time group), ms since the epoch; null for a rules group. */
  readonly createdAt: number | null;
}

export interface DirectoryDeps {
  readonly kernel: Kernel;
  /** null: no store could be opened (the rules' groups still work; none can be made). */
  readonly store: GroupStore | null;
  /** Is `name` a user of this server (seen registering)? Such a name cannot become a group. */
  readonly isUser: (name: string) => boolean;
}

export class Directory {
  readonly #k: Kernel;
  readonly #store: GroupStore | null;
  readonly #isUser: (name: string) => boolean;
  readonly #stored = new Map<string, StoredGroup>();
  /** Groups each member of a stored group is in, rebuilt on change. */
  #byMember = new Map<string, string[]>();
  /** The same for the rules' groups, for the rules object it was built from. */
  #rulesIndex: { readonly of: object; readonly byMember: Map<string, string[]> } | null = null;

  constructor(deps: DirectoryDeps) {
    this.#k = deps.kernel;
    this.#store = deps.store;
    this.#isUser = deps.isUser;
  }

  /** Read every stored group (at start, and when the link to a shared store is back). */
  async load(): Promise<void> {
    if (!this.#store) return;
    const all = await this.#store.list();
    this.#stored.clear();
    for (const g of all) this.#stored.set(g.name, g);
    this.#reindex();
  }

  /** Read `name` again from the store (another node changed it). */
  async refresh(name: string): Promise<void> {
    if (!this.#store) return;
    this.#hold(name, await this.#store.get(name));
  }

  /** The group called `name`, or null. A group of the rules file wins over a stored one of the
   *  same name (a `chat reload` may bring one in). */
  find(name: string): Group | null {
    const rules = this.#k.config.groups;
    if (Object.hasOwn(rules, name)) {
      const g = rules[name]!;
      return { name, members: g.members, writers: g.writers, source: 'rules', createdAt: null };
    }
    const g = this.#stored.get(name);
    return g ? { ...g, source: 'store' } : null;
  }

  /** Every group, by name. */
  list(): Group[] {
    const names = new Set([...Object.keys(this.#k.config.groups), ...this.#stored.keys()]);
    return [...names].sort().map((n) => this.find(n)!);
  }

  /** The groups `user` is a member of, by name. */
  groupsOf(user: string): string[] {
    const rules = this.#rulesByMember().get(user) ?? [];
    const stored = (this.#byMember.get(user) ?? []).filter((g) => !Object.hasOwn(this.#k.config.groups, g));
    return [...new Set([...rules, ...stored])].sort();
  }

  /** Is `user` a member of any group? */
  hasMember(user: string): boolean {
    return this.#rulesByMember().has(user) || this.#byMember.has(user);
  }

  async create(name: string, members: readonly string[], writers: GroupWriters | undefined): Promise<Group> {
    this.#taken(name);
    const store = this.#writable(name, true);
    const policy = this.#k.config.groupPolicy;
    return this.#held(await store.create({ name, members: this.#users(members), writers: writers ?? policy.writers }, policy));
  }

  async add(name: string, members: readonly string[]): Promise<Group> {
    return this.#held(await this.#writable(name).add(name, this.#users(members), this.#k.config.groupPolicy));
  }

  async remove(name: string, members: readonly string[]): Promise<Group> {
    return this.#held(await this.#writable(name).remove(name, members));
  }

  async delete(name: string): Promise<boolean> {
    const gone = await this.#writable(name).delete(name);
    this.#hold(name, null);
    return gone;
  }

  /** Takes `user` out of every stored group; the groups they left, and the rules' groups that
   *  still name them (those change only with the file). */
  async forget(user: string): Promise<{ readonly left: string[]; readonly rules: string[] }> {
    const left = this.#store ? await this.#store.forget(user) : [];
    for (const g of left) await this.refresh(g);
    return { left, rules: this.#rulesByMember().get(user) ?? [] };
  }

  /** The store, when `name` may be changed through it: NO_SUCH_GROUP, GROUP_READ_ONLY or
   *  STORE_FAILED (no store) otherwise. */
  #writable(name: string, creating = false): GroupStore {
    if (Object.hasOwn(this.#k.config.groups, name)) throw new YateChatError('GROUP_READ_ONLY', `group ${name} is defined in the rules file: change it there (and chat reload)`);
    if (!this.#store) throw new YateChatError('STORE_FAILED', 'no group store: groups cannot be made or changed (see the store error in Yate\'s log)');
    if (!creating && !this.#stored.has(name)) throw new YateChatError('NO_SUCH_GROUP', `no group ${name}`);
    return this.#store;
  }

  /** GROUP_EXISTS when `name` is an address already. */
  #taken(name: string): void {
    const { aliases, webhooks, users } = this.#k.config;
    const what = this.find(name) ? 'a group' : Object.hasOwn(aliases, name) ? 'an alias' : Object.hasOwn(webhooks, name) ? 'a webhook address'
      : users.includes(name) || this.#isUser(name) ? 'a user' : null;
    if (what) throw new YateChatError('GROUP_EXISTS', `${name} is ${what} already`);
  }

  /** BAD_ARGUMENT when a member is a group. */
  #users(members: readonly string[]): readonly string[] {
    const group = members.find((m) => this.find(m) !== null);
    if (group !== undefined) throw new YateChatError('BAD_ARGUMENT', `${group} is a group: members are users (a group's copies are not sent on to another group)`);
    return members;
  }

  #held(g: StoredGroup): Group {
    this.#hold(g.name, g);
    return { ...g, source: 'store' };
  }

  #hold(name: string, g: StoredGroup | null): void {
    if (g) this.#stored.set(name, g);
    else this.#stored.delete(name);
    this.#reindex();
  }

  #reindex(): void {
    this.#byMember = index(this.#stored.values());
  }

  #rulesByMember(): Map<string, string[]> {
    const rules = this.#k.config.groups;
    if (this.#rulesIndex?.of !== rules) {
      this.#rulesIndex = { of: rules, byMember: index(Object.entries(rules).map(([name, g]) => ({ name, members: g.members }))) };
    }
    return this.#rulesIndex.byMember;
  }
}

function index(groups: Iterable<{ readonly name: string; readonly members: readonly string[] }>): Map<string, string[]> {
  const by = new Map<string, string[]>();
  for (const g of groups) {
    for (const m of g.members) {
      const list = by.get(m);
      if (list) list.push(g.name);
      else by.set(m, [g.name]);
    }
  }
  return by;
}
