// The group store: groups made and changed at run time (rmanager `chat group ...`, the HTTP face),
// kept beside the offline messages so that they survive a restart and, on PostgreSQL, every node
// sees them. Groups of the rules file are not here: they change only with the file. One small
// interface, a backend per file beside this one (memory.ts, sqlite.ts, postgres.ts).
//
// The chat module holds every group in memory (chat/groups/directory.ts) and reads the store at
// start, after its own changes and when another node says it changed one: never per message.
// Bounds (members per group, groups in all) are given with each change, as the rules say them
// now, and checked in the change's own transaction, so two nodes cannot pass them together. All
// strings are byte strings (one char per byte, 0..255; see protocol/bytes.ts).

/** Who may write to a group: its members only, or anyone (the rules' groupPolicy.writers). */
export type GroupWriters = 'members' | 'anyone';

/** One group, as the store keeps it. Fresh objects every time. */
export interface StoredGroup {
  /** The group's address (a user name: no spaces, "@" or ":"). */
  readonly name: string;
  /** Its members, in the order they were added; no duplicates. */
  readonly members: readonly string[];
  readonly writers: GroupWriters;
  /** ms since the epoch. */
  readonly createdAt: number;
}

export interface NewGroup {
  readonly name: string;
  readonly members: readonly string[];
  readonly writers: GroupWriters;
}

/** The bounds a change is checked against (groupPolicy). */
export interface GroupBounds {
  /** Members one group may have. */
  readonly maxMembers: number;
  /** Groups the store may hold. */
  readonly maxGroups: number;
}

export interface GroupStore {
  /** 'sqlite:/path/to/file.db', 'postgres://user@host/db' (never a password) or 'memory', for logs. */
  readonly name: string;
  /** Every group, in byte order of the name. */
  list(): Promise<StoredGroup[]>;
  /** The group, or null. */
  get(name: string): Promise<StoredGroup | null>;
  /** Makes a group. Rejects GROUP_EXISTS (the name is a group already), GROUP_LIMIT (maxGroups
   *  groups already, or more members than maxMembers), BAD_ARGUMENT, STORE_FAILED. */
  create(group: NewGroup, bounds: GroupBounds): Promise<StoredGroup>;
  /** Adds the members it does not have yet (in the order given); resolves with the group after.
   *  Rejects NO_SUCH_GROUP, GROUP_LIMIT (nothing added), BAD_ARGUMENT, STORE_FAILED. */
  add(name: string, members: readonly string[], bounds: GroupBounds): Promise<StoredGroup>;
  /** Removes these members (those it does not have are ignored); resolves with the group after.
   *  Rejects NO_SUCH_GROUP, BAD_ARGUMENT, STORE_FAILED. */
  remove(name: string, members: readonly string[]): Promise<StoredGroup>;
  /** Deletes the group; resolves false when there was none. */
  delete(name: string): Promise<boolean>;
  /** Takes `user` out of every group; resolves with the names of the groups they were in. */
  forget(user: string): Promise<string[]>;
  /** Idempotent. Every later call rejects STORE_FAILED. */
  close(): Promise<void>;
}
