// The history room: every MESSAGE routed, kept when the rules say `history.enabled`
// (docs/history.md). What it offers the composition root (module.ts): the recorder messaging
// tells of each MESSAGE (messaging/room.ts Recorder), and reading and forgetting for the API faces.
//
//   recorder.ts   entries in memory, written to the store in batches off any MESSAGE's path
//   cursor.ts     the opaque cursor of a page
//
// Kept: the sender, the recipient (a user, or a group: one entry per message to a group, not per
// copy), the time, the content type, the body, and the code the sender got. Not kept: what yate-chat
// refused (it went nowhere), receipts and is-typing indications, a group's commands. Deleted: after
// history.retentionDays (checked hourly), and a user's whole part when they are forgotten.
import { baseMimeType } from '../../config/index.js';
import { YateChatError } from '../../errors.js';
import { isStoreUnreachable, type HistoryRecord, type HistoryStore } from '../../store/index.js';
import type { Kernel } from '../core/kernel.js';
import type { Outgoing } from '../core/outgoing.js';
import { IMDN_TYPE, ISCOMPOSING_TYPE } from '../core/vocabulary.js';
import { cursorOf, positionOf } from './cursor.js';
import { Recorder } from './recorder.js';

export { cursorOf, positionOf } from './cursor.js';

/** How often expired entries are deleted (ms). */
export const PURGE_EVERY_MS = 3600_000;
/** Records a page holds unless asked otherwise, and at most. */
export const DEFAULT_LIMIT = 50;
export const MAX_LIMIT = 500;

export interface HistoryDeps {
  readonly kernel: Kernel;
  readonly store: HistoryStore;
  /** Is `name` a group now? (a peer that is one: the group's messages) */
  readonly isGroup: (name: string) => boolean;
  /** The groups `user` is a member of (their messages are part of the user's history). */
  readonly groupsOf: (user: string) => readonly string[];
}

export interface PageQuery {
  readonly user: string;
  /** Only the conversation with this user, or the messages of this group. */
  readonly peer?: string;
  /** A page's `next`: the page before it. */
  readonly before?: string;
  /** 1..500 [50]. */
  readonly limit?: number;
}

export interface Page {
  /** Oldest first (as a conversation reads), the most recent `limit` before the cursor. */
  readonly records: readonly HistoryRecord[];
  /** Give it back as `before` for the page before this one; null when there is none. */
  readonly next: string | null;
}

export interface History {
  /** What messaging tells of each MESSAGE (messaging/room.ts Recorder). */
  record(out: Outgoing, recipient: string, group: boolean, outcome: number): void;
  /** A page of `user`'s history. Rejects BAD_ARGUMENT (a bad cursor or limit), STORE_FAILED. */
  page(q: PageQuery): Promise<Page>;
  /** Deletes `user`'s part of the history: what they wrote and what was written to them. */
  forget(user: string): Promise<number>;
  /** Entries recorded but not written yet. */
  readonly waiting: number;
  readonly storeName: string;
  close(): Promise<void>;
}

export function createHistory(deps: HistoryDeps): History {
  const k = deps.kernel;
  const recorder = new Recorder(k, deps.store);
  const purge = (): void => {
    const before = Date.now() - k.config.history.retentionDays * 86_400_000;
    deps.store.purgeBefore(before).then(
      (n) => void (n && k.log.info(`history: ${n} entries older than ${k.config.history.retentionDays} days deleted`)),
      (err: unknown) => void (isStoreUnreachable(err) || k.log.warn(`history: deleting old entries failed: ${(err as Error).message}`)),
    );
  };
  const timer = setInterval(purge, PURGE_EVERY_MS);
  timer.unref();
  setImmediate(purge);
  return {
    record(out, recipient, group, outcome) {
      const type = baseMimeType(out.type);
      if (type === ISCOMPOSING_TYPE || type === IMDN_TYPE) return;
      recorder.record({ at: Date.now(), sender: out.sender, recipient, group, contentType: out.type, bodyEncoding: out.encoding, body: out.body, outcome });
    },
    async page(q) {
      const limit = q.limit ?? DEFAULT_LIMIT;
      if (!Number.isInteger(limit) || limit < 1 || limit > MAX_LIMIT) throw new YateChatError('BAD_ARGUMENT', `limit must be a whole number 1..${MAX_LIMIT}, got ${String(q.limit)}`);
      const before = q.before === undefined ? undefined : positionOf(q.before);
      await recorder.flush();
      const peer = q.peer === undefined ? undefined : { name: q.peer, group: deps.isGroup(q.peer) };
      const got = await deps.store.page({
        user: q.user, limit: limit + 1,
        ...(peer ? { peer } : { groups: deps.groupsOf(q.user) }),
        ...(before ? { before } : {}),
      });
      const records = got.slice(0, limit);
      const last = records.at(-1);
      return { records: records.reverse(), next: got.length > limit && last ? cursorOf(last) : null };
    },
    async forget(user) {
      await recorder.flush();
      return deps.store.forget(user);
    },
    get waiting() { return recorder.waiting; },
    storeName: deps.store.name,
    async close() {
      clearInterval(timer);
      await recorder.close();
      await deps.store.close();
    },
  };
}
