// The subscription store: presence subscriptions (SUBSCRIBE dialogs, RFC 6665) kept beside the
// offline messages, so that a module restart keeps every watcher's subscription and its NOTIFY
// CSeq goes on rising. One small interface, a backend per file beside this one (memory.ts,
// sqlite.ts, postgres.ts: there each node keeps its own, under its Yate nodename).
//
// The module holds every live subscription in memory (bounded by presence.maxSubscriptions) and
// writes through to the store: the store is what a restart reads back, never asked per event.
// Bounds (per watcher, in total) are the module's (chat/presence/watchers.ts). All strings are byte
// strings (one char per byte, 0..255; see protocol/bytes.ts) and come back byte for byte.

/** One subscription, as the module keeps and stores it. */
export interface StoredSubscription {
  /** The dialog: `${callId};${remoteTag};${localTag}` (unique, never reused for another). */
  readonly id: string;
  /** The authenticated user who subscribed. */
  readonly watcher: string;
  /** The user watched. */
  readonly presentity: string;
  /** The Event header value to send back (`presence`, or `presence;id=...`). */
  readonly event: string;
  readonly callId: string;
  /** Our tag: the To tag of the SUBSCRIBE's answer, the From tag of every NOTIFY. */
  readonly localTag: string;
  /** The watcher's From tag: the To tag of every NOTIFY. */
  readonly remoteTag: string;
  /** From of every NOTIFY, without the tag: the presentity's address. */
  readonly localUri: string;
  /** To of every NOTIFY, without the tag: the watcher's From as it subscribed. */
  readonly remoteUri: string;
  /** Request URI of every NOTIFY: the watcher's Contact (refreshed by each SUBSCRIBE). */
  readonly target: string;
  /** Our Contact in NOTIFYs (the URI the watcher subscribed to). */
  readonly contact: string;
  /** How to reach the watcher: host, port, connection_id as ysipchan gave them. */
  readonly transport: Readonly<Record<string, string>>;
  /** The CSeq of the last NOTIFY sent (0: none yet); the next one is higher. */
  readonly cseq: number;
  /** ms since the epoch. */
  readonly createdAt: number;
  /** ms since the epoch; gone from this instant on. */
  readonly expiresAt: number;
}

export interface SubscriptionStore {
  /** 'sqlite:/path/to/file.db', 'postgres://user@host/db (node NAME)' (never a password) or
   *  'memory', for logs. */
  readonly name: string;
  /** Insert, or replace the subscription with the same id; resolves once it is durable.
   *  Rejects BAD_ARGUMENT (a field is not a byte string, a number is not an integer) or
   *  STORE_FAILED (I/O, closed). */
  save(sub: StoredSubscription): Promise<void>;
  /** Deletes it; resolves true when it was there. */
  remove(id: string): Promise<boolean>;
  /** Every subscription live at `now` (default: the store's clock), oldest first; expired ones
   *  are deleted. */
  load(now?: number): Promise<StoredSubscription[]>;
  /** Idempotent. Every later call rejects STORE_FAILED. */
  close(): Promise<void>;
}
