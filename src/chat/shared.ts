// Several Yate nodes on one store (PostgreSQL): what this node does with what the others did.
//
// - A message stored by another node, for a user registered HERE (this node's own view, never
//   another node's): deliver it now, not at the next retry pass.
// - Presence: a PUBLISH answered here writes the one publication (device) it recorded or removed
//   to the store; every node (this one too) reads the user's whole set again when told, one read
//   after the other, so all end with what the store holds, and a node whose copy changed tells
//   its watchers (NOTIFY) as for a PUBLISH it answered. A user whose change the store could not
//   take (it was away) has this node's whole set written again when it is back.
// - Users seen registering on any node count as known (offline.knownUsers "registered").
// - After the link to the store comes (back) up, notifications may have been missed: presence
//   and known users are read again, and the users registered here who have messages waiting
//   get them.
import { isStoreUnreachable, type SharedPresence, type SharedState } from '../store/index.js';
import type { ChatContext } from './context.js';

/** Users and presences read back from the store at most (as many as each node keeps). */
const READ_BACK = 100_000;

export interface Sharing {
  /** `user` registered on this node. */
  registered(user: string): void;
  close(): void;
}

export function startSharing(ctx: ChatContext, shared: SharedState): Sharing {
  /** Users this node already told the store about (bounded like the registration view). */
  const announced = new Set<string>();
  /** Users whose presence change the store did not take. */
  const unsaved = new Set<string>();
  let reads: Promise<void> = Promise.resolve();

  /** The store already said, once, that it is unreachable; anything else is worth a line. */
  const quiet = (what: string) => (err: unknown) => {
    if (!isStoreUnreachable(err)) ctx.conn.log.warn(`shared store: ${what} failed: ${(err as Error).message}`);
  };

  const deliverIfHere = (user: string): void => {
    const targets = ctx.registrations.targets(user);
    if (targets.length) void ctx.offline?.flush(user, targets);
  };

  /** Take the store's set for `user`; the watchers hear of it when it differs from ours. */
  const applyPresence = (user: string, publications: SharedPresence[]): void => {
    if (ctx.presence.apply(user, publications)) ctx.watchers?.changed(user);
  };

  const readPresence = (user: string): void => {
    reads = reads.then(async () => applyPresence(user, await shared.presence(user))).catch(quiet('reading presence'));
  };

  ctx.presence.onChange = (user, saved, removed) => {
    if (unsaved.has(user)) return; // written whole at the next resync
    shared.savePresence(user, saved ? [saved] : [], removed).catch((err: unknown) => {
      unsaved.add(user);
      quiet('saving presence')(err);
    });
  };

  async function resync(): Promise<void> {
    for (const user of [...unsaved]) {
      unsaved.delete(user);
      await shared.savePresence(user, ctx.presence.all(user).reverse(), 'all');
    }
    // Oldest first: the registration view keeps the most recent when it is full.
    for (const user of (await shared.knownUsers(READ_BACK)).reverse()) ctx.registrations.know(user);
    const presence = await shared.allPresence(READ_BACK);
    const held = new Set(presence.map((p) => p.user));
    for (const p of ctx.presence.list()) if (!held.has(p.user)) applyPresence(p.user, []);
    // Oldest first: the presence book forgets the least recent user when it is full.
    for (const { user, publications } of presence.reverse()) applyPresence(user, publications);
    if (ctx.offline) for (const { recipient } of await ctx.offline.store.recipients()) deliverIfHere(recipient);
  }

  const stop = shared.subscribe((e) => {
    switch (e.kind) {
      case 'stored': return deliverIfHere(e.recipient);
      case 'presence': return readPresence(e.user);
      case 'known': return ctx.registrations.know(e.user);
      case 'resync': {
        reads = reads.then(resync).catch(quiet('reading the shared state again'));
        return;
      }
    }
  });

  // The first resync (also reported when the store starts listening: whichever comes first).
  reads = reads.then(resync).catch(quiet('reading the shared state'));

  return {
    registered(user) {
      if (announced.has(user)) return;
      announced.add(user);
      if (announced.size > READ_BACK) announced.delete(announced.values().next().value!);
      shared.addKnown(user).catch((err: unknown) => {
        announced.delete(user);
        quiet('recording a registration')(err);
      });
    },
    close() {
      stop();
      ctx.presence.onChange = null;
    },
  };
}
