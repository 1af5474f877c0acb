// The groups room: addresses whose messages go to their members (docs/groups.md). What it offers
// the composition root (module.ts): `find` and `post` for messaging (room.ts GroupPost there),
// the directory for the API faces (rmanager `chat group`, HTTP /v1/groups) and the history
// (the groups a user is in), and `hasMember` for the offline queue (members are known users).
//
//   directory.ts   every group now: the rules', and those of the store held in memory
//   post.ts        a message to a group: a copy to each member, what its writer is told
//   copy.ts        what a copy looks like (From the group, the writer's name shown)
//   commands.ts    #members, #leave, #help, answered by the group
import { isStoreUnreachable } from '../../store/index.js';
import type { Outgoing } from '../core/outgoing.js';
import { Directory, type Group } from './directory.js';
import { post } from './post.js';
import type { GroupsDeps, Posted } from './room.js';

export type { Group } from './directory.js';
export type { GroupsDeps, Posted, Send } from './room.js';

export interface Groups {
  readonly directory: Directory;
  /** The group called `name` now, as the routing decision sees it; null when there is none. */
  find(name: string): { readonly writers: 'members' | 'anyone'; has(user: string): boolean } | null;
  /** Carry a message written to group `name` to its members: what its writer is told. */
  post(out: Outgoing, name: string, until: number): Promise<Posted>;
  /** Is `user` a member of any group? */
  hasMember(user: string): boolean;
  /** Stops hearing other nodes and closes the group store. */
  close(): Promise<void>;
}

/** The room, its stored groups read first (a store that cannot be read leaves the rules' groups
 *  working: Yate's log says why). */
export async function createGroups(deps: GroupsDeps): Promise<Groups> {
  const k = deps.kernel;
  const directory = new Directory(deps);
  const quiet = (what: string) => (err: unknown) => {
    if (!isStoreUnreachable(err)) k.log.warn(`groups: ${what} failed: ${(err as Error).message}`);
  };
  await directory.load().catch(quiet('reading the stored groups'));
  const stop = deps.shared?.subscribe((e) => {
    if (e.kind === 'group') void directory.refresh(e.name).catch(quiet(`reading group ${e.name} again`));
    else if (e.kind === 'resync') void directory.load().catch(quiet('reading the stored groups again'));
  });
  return {
    directory,
    find(name) {
      const g: Group | null = directory.find(name);
      return g && { writers: g.writers, has: (user) => g.members.includes(user) };
    },
    post: (out, name, until) => post({ kernel: k, directory, send: deps.send }, out, name, until),
    hasMember: (user) => directory.hasMember(user),
    async close() {
      stop?.();
      await deps.store?.close().catch(quiet('closing the group store'));
    },
  };
}
