// The validated configuration every other part of yate-chat receives from loadConfig().
// Deeply frozen. What each field means for the person writing the rules file is documented
// on the schema (schema.ts); here is what the code can rely on.
import type { LogLevel } from '../engine/logger.js';
import type { StoreConfig } from '../store/index.js';

/** A deny pattern, compiled. `text` is what the rules file said. */
export type Pattern =
  | { readonly kind: 'exact'; readonly text: string }
  | { readonly kind: 'regex'; readonly text: string; readonly regex: RegExp };

export type Mode = 'confirmed' | 'seed';
/** The engine connection's levels (engine/logger.ts). */
export type { LogLevel };

export interface RateLimit {
  /** Messages a sender may send in a burst; the bucket refills at messages/intervalSeconds. */
  readonly messages: number;
  readonly intervalSeconds: number;
  /** SIP answer when over the limit; 503 carries Retry-After. */
  readonly code: 403 | 503;
}

export type KnownUsers = 'registered' | 'anyone' | { readonly list: readonly string[] };

export interface OfflineConfig {
  readonly enabled: boolean;
  /** The store the rules name (an absolute path for sqlite); the limits below go with it. */
  readonly store: StoreConfig;
  readonly expirySeconds: number;
  readonly quotaPerRecipient: number;
  /** Most messages stored for all recipients together. */
  readonly maxMessages: number;
  readonly maxBodyBytes: number;
  readonly retryIntervalSeconds: number;
  /** Seconds a message taken by one device stays for the user's other devices that never had it. */
  readonly lateWindowSeconds: number;
  /** Failed deliveries after which a stored message is given up (deleted, logged, counted). */
  readonly maxAttempts: number;
  /** Delivery failure codes that mean "keep it for later"; sorted, no duplicates. */
  readonly storeCodes: readonly number[];
  readonly knownUsers: KnownUsers;
}

export interface PresenceConfig {
  /** Serve SUBSCRIBE for Event: presence. */
  readonly subscribe: boolean;
  /** Whom an authenticated user may watch. */
  readonly watchers: 'local' | 'anyone';
  readonly deny: { readonly watchers: readonly Pattern[]; readonly presentities: readonly Pattern[] };
  /** presentity -> the watchers who may watch it (besides itself). A null-prototype object: look
   *  up with Object.hasOwn. Presentities not named follow `watchers`. */
  readonly allow: Readonly<Record<string, readonly Pattern[]>>;
  /** Seconds; minExpires <= defaultExpires <= maxExpires. */
  readonly minExpires: number;
  readonly maxExpires: number;
  readonly defaultExpires: number;
  readonly maxPerWatcher: number;
  readonly maxSubscriptions: number;
  /** Longest a PUBLISH is kept, seconds: a longer Expires is cut to it. */
  readonly maxPublishExpires: number;
}

/** Who may write to a group: its members only, or any user of this server. */
export type GroupWriters = 'members' | 'anyone';

/** A group of the rules file (`groups`): read-only at run time. */
export interface GroupConfig {
  /** User names, no duplicates, in the order written. */
  readonly members: readonly string[];
  readonly writers: GroupWriters;
}

/** How every group behaves (`groupPolicy`). */
export interface GroupPolicy {
  /** Members one group may have (rules-file and run-time groups). */
  readonly maxMembers: number;
  /** Groups made at run time that the store keeps at most. */
  readonly maxGroups: number;
  /** Who may write to a group that does not say. */
  readonly writers: GroupWriters;
  /** A text/plain copy starts with the writer's name ("123: ..."). */
  readonly prefix: boolean;
}

/** The conversation history (`history`). */
export interface HistoryConfig {
  readonly enabled: boolean;
  /** Days a message is kept in the history. */
  readonly retentionDays: number;
}

/** Where the HTTP face listens (listen.ts). */
export type Listen =
  | { readonly kind: 'tcp'; readonly host: string; /** 0: any free port. */ readonly port: number }
  | { readonly kind: 'unix'; /** Absolute path. */ readonly path: string };

/** The push gateway (RFC 8599 devices that may sleep). */
export interface PushConfig {
  readonly url: string;
  /** HMAC-SHA256 key of the signature (the file's, else YATE_CHAT_PUSH_SECRET). */
  readonly secret: string;
  readonly timeoutMs: number;
  /** Attempts after the first one that failed. */
  readonly retries: number;
}

export interface HttpConfig {
  readonly listen: Listen;
  /** Bearer token of the /v1 API (the file's, else YATE_CHAT_HTTP_TOKEN); null: none (loopback only). */
  readonly token: string | null;
}

export interface Config {
  /** Absolute path of the rules file these values came from; null for built-in defaults. */
  readonly file: string | null;
  readonly mode: Mode;
  /** Lower-case base types ("text/plain", "text/*", "*\/*"), no parameters. */
  readonly contentTypes: readonly string[];
  readonly maxBodyBytes: number;
  /** called -> local user or sip:/sips: URI. A null-prototype object: look up with Object.hasOwn. */
  readonly aliases: Readonly<Record<string, string>>;
  readonly deny: { readonly callers: readonly Pattern[]; readonly callees: readonly Pattern[] };
  readonly rateLimit: RateLimit | false;
  readonly log: LogLevel;
  /** Message bodies (their start) and presence notes in the per-message log line. */
  readonly logBodies: boolean;
  /** The host of every From/To yate-chat writes; undefined: the request's (when valid). */
  readonly domain?: string;
  /** Accept senders ysipchan did not authenticate (their claimed From user, unverified). */
  readonly allowUnauthenticated: boolean;
  /** inPlace: hand one-contact deliveries to ysipchan in the sender's own dispatch. */
  readonly delivery: { readonly inPlace: boolean; readonly waitMs: number; readonly maxTargets: number; readonly sendTimeoutMs: number };
  readonly offline: OfflineConfig;
  readonly users: readonly string[];
  /** SUBSCRIBE/NOTIFY for presence. */
  readonly presence: PresenceConfig;
  /** The HTTP face (metrics, send API); absent: off. */
  readonly http?: HttpConfig;
  /** address -> http(s) URL a MESSAGE to that address is POSTed to. A null-prototype object. */
  readonly webhooks: Readonly<Record<string, string>>;
  /** HMAC-SHA256 key of the webhook signature (the file's, else YATE_CHAT_WEBHOOK_SECRET);
   *  always there when `webhooks` has an address. */
  readonly webhookSecret?: string;
  /** Longest a webhook may take to answer (ms); the sender's budget may cut it shorter. */
  readonly webhookTimeoutMs: number;
  /** The push gateway; absent: no device is woken. */
  readonly push?: PushConfig;
  /** name -> group of the rules file. A null-prototype object: look up with Object.hasOwn. */
  readonly groups: Readonly<Record<string, GroupConfig>>;
  readonly groupPolicy: GroupPolicy;
  readonly history: HistoryConfig;
  /** Valid but worth saying at start-up (e.g. the message store is in a temporary folder). */
  readonly warnings: readonly string[];
}
