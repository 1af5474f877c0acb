// The offline message store: what a MESSAGE that could not be delivered now becomes, until its
// recipient registers and a delivery is answered 2xx.
//
// The interface is async although SQLite is synchronous, so that a network backend (PostgreSQL
// shared by several Yate nodes) can implement it unchanged. All strings are byte strings
// (one char per byte, 0..255; see protocol/bytes.ts) and come back byte for byte.

/** What the pipeline hands to `put`. */
export interface NewMessage {
  /** Who the message waits for, as the pipeline normalised it (the store compares bytes). */
  readonly recipient: string;
  /** The sender's user name (caller). */
  readonly sender: string;
  /** The sender's full URI, to rebuild the From on delivery. */
  readonly senderUri: string;
  /** Arbitrary NUL-free bytes; at most `maxBodyBytes`. */
  readonly body: string;
  readonly contentType: string;
  /** How `body` is encoded as Yate gave it (e.g. `xsip_body_encoding`); '' when raw. */
  readonly bodyEncoding?: string;
  /** ms since the epoch; defaults to the store's clock. Expiry counts from the store's clock. */
  readonly receivedAt?: number;
  /** Extra routing information needed back on delivery (domain, caller display name...). */
  readonly params?: Readonly<Record<string, string>>;
}

/** A message as stored. Fresh objects every time: mutating one never changes the store. */
export interface StoredMessage {
  /** Increasing in storage order and never reused, so `delivered(id)` can never hit another message. */
  readonly id: number;
  readonly recipient: string;
  readonly sender: string;
  readonly senderUri: string;
  readonly body: string;
  readonly contentType: string;
  readonly bodyEncoding: string;
  /** ms since the epoch. */
  readonly receivedAt: number;
  /** ms since the epoch; the message is gone (never returned) from this instant on. */
  readonly expiresAt: number;
  /** Failed delivery attempts so far. */
  readonly attempts: number;
  /** `{}` when the message was stored without params. */
  readonly params: Readonly<Record<string, string>>;
}

export interface RecipientSummary {
  readonly recipient: string;
  /** Unexpired messages waiting. */
  readonly count: number;
  /** `receivedAt` of the oldest unexpired message. */
  readonly oldest: number;
}

/** Counters since the store was opened (this process only). */
export interface StoreStats {
  /** Messages committed by `put`. */
  readonly stored: number;
  /** Messages deleted by `delivered`. */
  readonly deliveredDeleted: number;
  /** Calls of `failed` that found their message. */
  readonly failedAttempts: number;
  /** Expired messages deleted (by `purgeExpired`, or by `put` making room for its recipient). */
  readonly expiredPurged: number;
  /** Messages deleted by `purge(recipient)`. */
  readonly purged: number;
  /** `put`s refused with STORE_QUOTA. */
  readonly quotaRejected: number;
  /** `put`s refused with STORE_TOO_LARGE. */
  readonly tooLargeRejected: number;
  /** `put`s refused with STORE_FULL. */
  readonly fullRejected: number;
  /** Operations that failed with STORE_FAILED. */
  readonly failures: number;
}

export interface MessageStore {
  /** 'sqlite:/path/to/file.db', 'postgres://user@host:port/db' (never a password) or 'memory', for logs. */
  readonly name: string;
  /** Set by a store several Yate nodes share (PostgreSQL): what they coordinate through it. */
  readonly shared?: SharedState;
  /** Resolves only once the message is committed durably (answer 202 after this, not before).
   *  Rejects STORE_QUOTA (recipient full; nothing stored), STORE_FULL (the store holds
   *  `maxMessages` live messages already), STORE_TOO_LARGE (body over
   *  `maxBodyBytes`), BAD_ARGUMENT (a value is not a byte string), STORE_FAILED (I/O, corruption,
   *  closed). Quota check and insert are one transaction. */
  put(msg: NewMessage): Promise<StoredMessage>;
  /** The recipient's unexpired messages, oldest first (storage order), at most `limit`. */
  pending(recipient: string, limit?: number): Promise<StoredMessage[]>;
  /** Deletes the message (after a 2xx). Unknown or already deleted ids are ignored. */
  delivered(id: number): Promise<void>;
  /** Counts a failed attempt and keeps the message. Unknown ids are ignored. */
  failed(id: number): Promise<void>;
  /** Unexpired messages waiting for `recipient`, or for everyone. */
  count(recipient?: string): Promise<number>;
  /** Every recipient with unexpired messages, in byte order of the recipient. */
  recipients(): Promise<RecipientSummary[]>;
  /** Deletes every message of `recipient` (expired or not); resolves with how many. */
  purge(recipient: string): Promise<number>;
  /** Deletes every message expired at `now` (default: the store's clock); resolves with how many. */
  purgeExpired(now?: number): Promise<number>;
  stats(): StoreStats;
  /** Idempotent. Every later call rejects STORE_FAILED. */
  close(): Promise<void>;
}

/** Limits shared by every backend. */
export interface StoreLimits {
  /** Unexpired messages one recipient may have waiting. */
  readonly quotaPerRecipient: number;
  /** Largest body accepted, in bytes. */
  readonly maxBodyBytes: number;
  /** How long a message waits before it expires. */
  readonly expirySeconds: number;
  /** Messages the whole store holds at most, for every recipient together (expired ones that
   *  are not purged yet count until the put that finds the store full purges them). */
  readonly maxMessages: number;
}

export interface StoreClock {
  /** ms since the epoch; injectable for tests. Default `Date.now`. */
  readonly now?: () => number;
}

/** The limits a store has unless told otherwise: the rules file's `offline` defaults too. */
export const STORE_DEFAULTS: StoreLimits = Object.freeze({
  quotaPerRecipient: 100,
  maxBodyBytes: 4096,
  expirySeconds: 7 * 24 * 3600,
  maxMessages: 100_000,
});

// ---------------------------------------------------------------- several nodes, one store

/** One live publication (a device's PUBLISH) of a user, as nodes share it (chat/presence.ts
 *  keeps each node's copy). */
export interface SharedPresence {
  /** Byte string. */
  readonly user: string;
  /** PIDF <basic>: open | closed | unknown. */
  readonly basic: string;
  /** Text (any character). */
  readonly note: string;
  /** ms since the epoch. */
  readonly at: number;
  readonly expiresAt: number;
  readonly etag: string;
  /** Stays across refreshes of one publication (its PIDF tuple id). */
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
  savePresence(user: string, saved: readonly SharedPresence[], removed: readonly string[] | 'all'): Promise<void>;
  /** The unexpired publications of `user`, the latest last. */
  presence(user: string): Promise<SharedPresence[]>;
  /** Those of every user with any (at most `limit` users, the most recently published first). */
  allPresence(limit: number): Promise<{ readonly user: string; readonly publications: SharedPresence[] }[]>;
  /** `user` registered on this node: every node hears a `known` event (the first time only). */
  addKnown(user: string): Promise<void>;
  /** Users any node saw register, most recent first, at most `limit`. */
  knownUsers(limit: number): Promise<string[]>;
  /** Calls `fn` for each event; returns a function that stops it. */
  subscribe(fn: (e: SharedEvent) => void): () => void;
}
