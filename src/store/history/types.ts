// The history store: every MESSAGE yate-chat routed, when the rules turn history on (who wrote to
// whom, when, the type, the body, what the sender was told). One interface, a backend per file
// beside this one (memory.ts, sqlite.ts, postgres.ts). The chat module appends in batches, off
// the path of any MESSAGE (chat/history/recorder.ts), and reads by user, newest first. All
// strings are byte strings (one char per byte, 0..255; see protocol/bytes.ts).

/** One message as the history keeps it. */
export interface HistoryEntry {
  /** When it was routed (ms since the epoch). */
  readonly at: number;
  /** Who wrote it (the authenticated sender). */
  readonly sender: string;
  /** Whom it was for: a user, or a group (`group` true). */
  readonly recipient: string;
  readonly group: boolean;
  readonly contentType: string;
  /** How the body is encoded as Yate carried it ('' for text). */
  readonly bodyEncoding: string;
  readonly body: string;
  /** The SIP code the sender got (200, 202...); 0: handed to ysipchan, which answered the sender
   *  with the far end's own code. */
  readonly outcome: number;
}

/** An entry as stored: `id` increases in the order entries were appended (per store). */
export interface HistoryRecord extends HistoryEntry {
  readonly id: number;
}

/** Where a page ends: the (at, id) of the last record of the page before (older records follow). */
export interface HistoryPosition {
  readonly at: number;
  readonly id: number;
}

export interface HistoryQuery {
  /** Whose history: what they wrote, and what was written to them. */
  readonly user: string;
  /** Only the conversation with this user (both ways), or with this group (every message to
   *  it: `group` true). */
  readonly peer?: { readonly name: string; readonly group: boolean };
  /** Without `peer`: the messages to these groups too (the groups `user` belongs to). */
  readonly groups?: readonly string[];
  /** Only records older than this position (the page before). */
  readonly before?: HistoryPosition;
  /** Most records returned (1..1000). */
  readonly limit: number;
}

export interface HistoryStore {
  /** 'sqlite:/path/to/file.db', 'postgres://user@host/db' (never a password) or 'memory', for logs. */
  readonly name: string;
  /** Appends the entries in one transaction. Rejects BAD_ARGUMENT (nothing appended), STORE_FAILED. */
  append(entries: readonly HistoryEntry[]): Promise<void>;
  /** The records the query selects, newest first: by `at`, then by `id`. */
  page(query: HistoryQuery): Promise<HistoryRecord[]>;
  /** Deletes what `user` wrote and what was written to them (not the messages of their groups
   *  written by others); resolves with how many. */
  forget(user: string): Promise<number>;
  /** Deletes every record older than `at` (ms since the epoch); resolves with how many. */
  purgeBefore(at: number): Promise<number>;
  /** Idempotent. Every later call rejects STORE_FAILED. */
  close(): Promise<void>;
}
