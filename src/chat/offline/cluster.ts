// Several Yate nodes on one store (PostgreSQL): what this node's offline queue does with what the
// others did (presence has its own, presence/cluster.ts).
//
// - A message stored by another node, for a user registered HERE (this node's own view, never
//   another node's): deliver it now, not at the next retry pass.
// - Users seen registering on any node count as known (offline.knownUsers "registered"): this
//   node tells the store of its own, and hears of the others'.
// - After the link to the store comes (back) up, notifications may have been missed: known
//   users are read again, and the users registered here who have messages waiting get them.
import { isStoreUnreachable, type SharedState } from '../../store/index.js';
import type { Kernel } from '../core/kernel.js';

/** Users read back from the store at most (as many as each node keeps). */
export const READ_BACK = 100_000;

export interface OfflineClusterDeps {
  readonly kernel: Kernel;
  readonly shared: SharedState;
  readonly view: {
    devices(user: string): readonly unknown[];
    /** `user` registered on another node: known, though not routable from here. */
    know(user: string): void;
  };
  /** Recipients with messages waiting. */
  recipients(): Promise<readonly { readonly recipient: string }[]>;
  /** Deliver what waits for `user`'s devices registered here. */
  flush(user: string): void;
}

export interface OfflineCluster {
  /** `user` registered on this node. */
  registered(user: string): void;
  close(): void;
}

export function startOfflineCluster(deps: OfflineClusterDeps): OfflineCluster {
  const { kernel: k, shared, view } = deps;
  /** Users this node already told the store about (bounded like the registration view). */
  const announced = new Set<string>();
  let reads: Promise<void> = Promise.resolve();

  /** The store already said, once, that it is unreachable; anything else is worth a line. */
  const quiet = (what: string) => (err: unknown) => {
    if (!isStoreUnreachable(err)) k.log.warn(`shared store: ${what} failed: ${(err as Error).message}`);
  };

  const deliverIfHere = (user: string): void => {
    if (view.devices(user).length) deps.flush(user);
  };

  async function resync(): Promise<void> {
    // Oldest first: the registration view keeps the most recent when it is full.
    for (const user of (await shared.knownUsers(READ_BACK)).reverse()) view.know(user);
    for (const { recipient } of await deps.recipients()) deliverIfHere(recipient);
  }

  const stop = shared.subscribe((e) => {
    switch (e.kind) {
      case 'stored': return deliverIfHere(e.recipient);
      case 'known': return view.know(e.user);
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
    close: stop,
  };
}
