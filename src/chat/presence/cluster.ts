// Several Yate nodes on one store (PostgreSQL): presence as every node sees it (the offline
// queue has its own, offline/cluster.ts). A PUBLISH answered here writes the one publication
// (device) it recorded or removed to the store; every node (this one too) reads the user's whole
// set again when told, one read after the other, so all end with what the store holds, and a
// node whose copy changed tells its watchers (NOTIFY) as for a PUBLISH it answered. A user whose
// change the store could not take (it was away) has this node's whole set written again when it
// is back; after the link to the store comes (back) up, every user's presence is read again.
import { isStoreUnreachable, type Publication, type SharedState } from '../../store/index.js';
import type { Kernel } from '../core/kernel.js';
import type { PresenceBook } from './book.js';

/** Presences read back from the store at most (as many as each node keeps). */
const READ_BACK = 100_000;

export interface PresenceClusterDeps {
  readonly kernel: Kernel;
  readonly shared: SharedState;
  readonly book: PresenceBook;
  /** `user`'s state changed on another node: its watchers hear of it. */
  changed(user: string): void;
}

export function startPresenceCluster(deps: PresenceClusterDeps): () => void {
  const { kernel: k, shared, book } = deps;
  /** Users whose presence change the store did not take. */
  const unsaved = new Set<string>();
  let reads: Promise<void> = Promise.resolve();

  /** The store already said, once, that it is unreachable; anything else is worth a line. */
  const quiet = (what: string) => (err: unknown) => {
    if (!isStoreUnreachable(err)) k.log.warn(`shared store: ${what} failed: ${(err as Error).message}`);
  };

  /** Take the store's set for `user`; the watchers hear of it when it differs from ours. */
  const apply = (user: string, publications: Publication[]): void => {
    if (book.apply(user, publications)) deps.changed(user);
  };

  const readPresence = (user: string): void => {
    reads = reads.then(async () => apply(user, await shared.presence(user))).catch(quiet('reading presence'));
  };

  const stopListening = book.onChange((user, saved, removed) => {
    if (unsaved.has(user)) return; // written whole at the next resync
    shared.savePresence(user, saved ? [saved] : [], removed).catch((err: unknown) => {
      unsaved.add(user);
      quiet('saving presence')(err);
    });
  });

  async function resync(): Promise<void> {
    for (const user of [...unsaved]) {
      unsaved.delete(user);
      await shared.savePresence(user, book.all(user).reverse(), 'all');
    }
    const presence = await shared.allPresence(READ_BACK);
    const held = new Set(presence.map((p) => p.user));
    for (const p of book.list()) if (!held.has(p.user)) apply(p.user, []);
    // Oldest first: the presence book forgets the least recent user when it is full.
    for (const { user, publications } of presence.reverse()) apply(user, publications);
  }

  const stop = shared.subscribe((e) => {
    if (e.kind === 'presence') readPresence(e.user);
    else if (e.kind === 'resync') reads = reads.then(resync).catch(quiet('reading the shared state again'));
  });

  // The first resync (also reported when the store starts listening: whichever comes first).
  reads = reads.then(resync).catch(quiet('reading the shared state'));

  return () => {
    stop();
    stopListening();
  };
}
