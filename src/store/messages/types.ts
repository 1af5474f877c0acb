// The offline message store: what a MESSAGE that could not be delivered now becomes, until its
// recipient registers and a delivery is answered 2xx. One interface, a backend per file beside
// this one (memory.ts, sqlite.ts, postgres.ts, failed.ts).
//
// The interface is async although SQLite is synchronous, so that a network backend (PostgreSQL
// shared by several Yate nodes) can implement it unchanged. All strings are byte strings
// (one char per byte, 0..255; see protocol/bytes.ts) and come back byte for byte.
import type { StoreHealth } from '../common.js';
import type { SharedState } from '../nodes.js';

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
  /** Devices of the recipient owed a copy (a fork they did not take it from): each gets it when
   *  it registers, however late (until it expires). Device names are byte strings. */
  readonly owedBy?: readonly string[];
  /** Devices that took it already (a fork): they never get it again. With one, the message is
   *  taken, and stays for the recipient's other devices until `lateUntil`. */
  readonly tookBy?: readonly string[];
  /** Devices that refused it for good: they never get it (the others still may). */
  readonly refusedBy?: readonly string[];
  /** ms since the epoch; with `tookBy`: until when a device that never had it gets it. */
  readonly lateUntil?: number;
  /** SIP headers the message carries to its recipient as the sender wrote them (name -> value:
   *  Call-ID, Content-Encoding...). */
  readonly headers?: Readonly<Record<string, string>>;
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
  /** 0 until a device takes it; then until when (ms) the recipient's devices that never had it
   *  get it too ("fork late"). */
  readonly lateUntil: number;
  /** `{}` when the message was stored without headers. */
  readonly headers: Readonly<Record<string, string>>;
}

export interface RecipientSummary {
  readonly recipient: string;
  /** Unexpired messages waiting. */
  readonly count: number;
  /** `receivedAt` of the oldest unexpired message. */
  readonly oldest: number;
}

/** What the store holds, from counts it keeps as messages come and go (never a scan). */
export interface StoreSummary {
  /** Messages held, expired ones (and those only kept for the late window, done with by every
   *  device owed one) included until they are purged (offline.retryIntervalSeconds). */
  readonly count: number;
  /** `receivedAt` of the first message in storage order (ms), null when there is none. */
  readonly oldest: number | null;
}

/** Counters since the store was opened (this process only). */
export interface StoreStats {
  /** Messages committed by `put`. */
  readonly stored: number;
  /** Messages deleted by `delivered`, or once every device owed one took it and its late
   *  window was over (`doneWith`, `purgeExpired`). */
  readonly deliveredDeleted: number;
  /** Calls of `failed` that found their message. */
  readonly failedAttempts: number;
  /** Messages deleted undelivered by `dropped`. */
  readonly droppedDeleted: number;
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
  /** Resolves only once the message (and its copies' states) is committed durably (answer 202
   *  after this, not before). A recipient at its quota first makes room from its messages only
   *  kept for the late window, oldest first. Rejects STORE_QUOTA (recipient full; nothing stored), STORE_FULL (the store holds
   *  `maxMessages` live messages already), STORE_TOO_LARGE (body over
   *  `maxBodyBytes`), BAD_ARGUMENT (a value is not a byte string), STORE_FAILED (I/O, corruption,
   *  closed). Quota check and insert are one transaction. */
  put(msg: NewMessage): Promise<StoredMessage>;
  /** The recipient's unexpired messages still waiting for a device, oldest first (storage
   *  order), at most `limit`: those no device took yet, and those some device is still owed. A
   *  message only kept for the late window is not waiting. */
  pending(recipient: string, limit?: number): Promise<StoredMessage[]>;
  /** Deletes the message (after a 2xx). Unknown or already deleted ids are ignored. */
  delivered(id: number): Promise<void>;
  /**
   * The messages `device` of `recipient` gets when it registers, oldest first, at most `limit`:
   * those owed to it, those no device took yet, and those another device took whose late window
   * is not over; never one it took or refused already.
   */
  pendingFor(recipient: string, device: string, limit?: number): Promise<StoredMessage[]>;
  /** How many messages pendingFor would return without a limit. */
  countFor(recipient: string, device: string): Promise<number>;
  /**
   * `device` is done with message `id`: it took it (a 2xx) or refused it for good, and never
   * gets it again. The first device done with it starts the late window (it ends at
   * `lateUntil`, ms): the recipient's devices that never had it get it until then. A message no
   * device is owed any more whose window is over is deleted. Unknown ids are ignored.
   */
  doneWith(id: number, device: string, lateUntil: number): Promise<void>;
  /** Counts a failed attempt and keeps the message. Unknown ids are ignored. */
  failed(id: number): Promise<void>;
  /** Deletes the message undelivered (refused for good, or out of attempts). Unknown or already
   *  deleted ids are ignored. */
  dropped(id: number): Promise<void>;
  /** Unexpired messages waiting for `recipient`, or for everyone (as `pending` counts them). */
  count(recipient?: string): Promise<number>;
  /** Every recipient with unexpired messages waiting, in byte order of the recipient. */
  recipients(): Promise<RecipientSummary[]>;
  /** How many messages are held and the oldest's time, in O(1) (or an index lookup): what a
   *  metrics scrape reads, whatever the store holds (issue 21: a GROUP BY over every row took
   *  590 ms with 100,000 messages, the event loop stalled meanwhile). */
  summary(): Promise<StoreSummary>;
  /** Deletes every message of `recipient` (expired or not); resolves with how many. */
  purge(recipient: string): Promise<number>;
  /** Deletes every message expired at `now` (default: the store's clock), and those no device is
   *  owed any more whose late window is over; resolves with how many expired. */
  purgeExpired(now?: number): Promise<number>;
  stats(): StoreStats;
  /** Can it be used now? Read without touching the disk or the server: a store that could not
   *  be opened, is closed, or (PostgreSQL) has lost its server says why. For `status`, the
   *  ready line and GET /healthz. */
  health(): StoreHealth;
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

/** Longest a message may be kept (expirySeconds): ten years. Past ~8.6e12 s its expiry is no
 *  date at all (issue 21: `GET /v1/queue/USER` answered 500), and nobody waits that long. */
export const MAX_EXPIRY_SECONDS = 10 * 365 * 86400;

/** The limits a store has unless told otherwise: the rules file's `offline` defaults too. */
export const STORE_DEFAULTS: StoreLimits = Object.freeze({
  quotaPerRecipient: 100,
  maxBodyBytes: 4096,
  expirySeconds: 7 * 24 * 3600,
  maxMessages: 100_000,
});
