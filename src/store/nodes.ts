// Several Yate nodes on one store: what they share through it (presence publications, delivery
// leases, the users any node saw register) and the events that tell each node what the others
// did. Only a store several nodes can open (PostgreSQL: postgres/shared.ts) offers it; the chat
// module (chat/offline/cluster.ts, chat/offline/lease.ts, chat/presence/cluster.ts) uses it when
// `MessageStore.shared` is set.

/** One live publication (a device's PUBLISH) of a user, as the store keeps it and every node
 *  reads it back (chat/presence/book.ts keeps each node's copy). */
export interface Publication {
  /** The publishing user (byte string). */
  readonly user: string;
  /** PIDF <basic>: open | closed | unknown. */
  readonly basic: string;
  /** PIDF <note>, if any (text, any character; the chat module bounds its size: a note is kept,
   *  not a body). */
  readonly note: string;
  /** When it was published (ms since the epoch). */
  readonly at: number;
  /** When it stops being valid (ms since the epoch), from the PUBLISH Expires. */
  readonly expiresAt: number;
  /** Entity tag (RFC 3903): the client refreshes, modifies or removes this state with SIP-If-Match. */
  readonly etag: string;
  /** Stays the same across refreshes and modifications of one publication (a PIDF tuple id). */
  readonly id: string;
}

/** What another node did, or that notifications may have been missed. */
export type SharedEvent =
  /** A message was stored for `recipient` by another node (deliver it if they are registered here). */
  | { readonly kind: 'stored'; readonly recipient: string }
  /** `user`'s presence changed (on any node, this one too): read it again. */
  | { readonly kind: 'presence'; readonly user: string }
  /** Another node saw `user` register (offline.knownUsers "registered"). */
  | { readonly kind: 'known'; readonly user: string }
  /** Group `name` was made, changed or deleted in the store (by any node, this one too): read it again. */
  | { readonly kind: 'group'; readonly name: string }
  /** The link to the store is (back) up: anything may have been missed, read everything again. */
  | { readonly kind: 'resync' };

/**
 * Several Yate nodes on one store. A user registers on whichever node answers; each node knows
 * only its own registrations, and the store tells every node what the others did.
 */
export interface SharedState {
  /** This node's id (random per opened store): its own notifications are not reported back. */
  readonly node: string;
  /** False from a failure to reach the database until it answers again. */
  readonly up: boolean;
  /**
   * Take (or renew) the right to deliver `recipient`'s messages for `ms`: false while another
   * node holds it. A node that dies loses it when it runs out, so nothing is held forever.
   */
  lease(recipient: string, ms: number): Promise<boolean>;
  /** Give the lease back (only when this node holds it). */
  release(recipient: string): Promise<void>;
  /**
   * Record `saved` (each replacing the user's publication with its id, and becoming the latest)
   * after removing the publications whose ids are in `removed`, or all of the user's with 'all';
   * one transaction, then every node hears a `presence` event.
   */
  savePresence(user: string, saved: readonly Publication[], removed: readonly string[] | 'all'): Promise<void>;
  /** The unexpired publications of `user`, the latest last. */
  presence(user: string): Promise<Publication[]>;
  /** Those of every user with any (at most `limit` users, the most recently published first). */
  allPresence(limit: number): Promise<{ readonly user: string; readonly publications: Publication[] }[]>;
  /** `user` registered on this node: every node hears a `known` event (the first time only). */
  addKnown(user: string): Promise<void>;
  /** Users any node saw register, most recent first, at most `limit`. */
  knownUsers(limit: number): Promise<string[]>;
  /** Calls `fn` for each event; returns a function that stops it. */
  subscribe(fn: (e: SharedEvent) => void): () => void;
}
