// In-memory store: same behaviour as the SQLite one, nothing survives the process.
// For tests of other parts and for running without persistence.

import { YateChatError } from '../../errors.js';
import { byteString, HEALTHY, type StoreClock } from '../common.js';
import { checkCopies, checkDevice, checkLimit, checkMessage, copyParams, fullError, newCounters, quotaError, resolveLimits, tally } from './checks.js';
import type { MessageStore, NewMessage, RecipientSummary, StoreLimits, StoredMessage } from './types.js';

export type MemoryStoreOptions = Partial<StoreLimits> & StoreClock;

/** Copy states: owed to the device, or done with it (taken, or refused for good). */
const OWED = 0;
const DONE = 1;

/** A stored message as kept here: attempts, the late window and the copies change in place. */
type Row = Omit<StoredMessage, 'attempts' | 'params' | 'headers' | 'lateUntil'> & {
  attempts: number;
  lateUntil: number;
  readonly params: Record<string, string>;
  readonly headers: Record<string, string>;
  readonly copies: Map<string, typeof OWED | typeof DONE>;
};

function copy(row: Row): StoredMessage {
  const { copies: _, ...m } = row;
  return { ...m, params: copyParams(row.params), headers: copyParams(row.headers) };
}

const owed = (row: Row): boolean => [...row.copies.values()].includes(OWED);
/** Still waiting for a device: none took it yet, or one is owed it. */
const waiting = (row: Row): boolean => row.lateUntil === 0 || owed(row);
/** Taken, owed to none, its late window over at `now`: nothing more to do with it. */
const finished = (row: Row, now: number): boolean => !waiting(row) && row.lateUntil <= now;

export function createMemoryStore(opts: MemoryStoreOptions = {}): MessageStore {
  const limits = resolveLimits(opts);
  const clock = opts.now ?? Date.now;
  const counters = newCounters();
  // Maps keep insertion order, and ids only grow: iteration order is storage order.
  const byId = new Map<number, Row>();
  const byRecipient = new Map<string, Map<number, Row>>();
  let lastId = 0;
  let closed = false;

  function open(): void {
    if (closed) throw new YateChatError('STORE_FAILED', 'store memory is closed');
  }

  function remove(row: Row): void {
    byId.delete(row.id);
    const box = byRecipient.get(row.recipient);
    box?.delete(row.id);
    if (box?.size === 0) byRecipient.delete(row.recipient);
  }

  function live(recipient: string, now: number): Row[] {
    return [...(byRecipient.get(byteString('recipient', recipient))?.values() ?? [])].filter((r) => r.expiresAt > now);
  }

  /** The messages `device` gets: unexpired, not done with by it, and owed to it, taken by no
   *  device yet, or in their late window. */
  function forDevice(recipient: string, device: string, now: number): Row[] {
    return live(recipient, now).filter((r) => r.copies.get(device) !== DONE && (r.lateUntil === 0 || r.lateUntil > now || r.copies.get(device) === OWED));
  }

  /** Mark `device` done with message `id`; the message goes when nothing more is to be done. */
  function done(id: number, device: string, lateUntil: number): void {
    const row = byId.get(id);
    if (!row) return;
    row.copies.set(device, DONE);
    if (row.lateUntil === 0) row.lateUntil = Math.max(1, lateUntil);
    if (finished(row, clock())) {
      remove(row);
      counters.deliveredDeleted++;
    }
  }

  /** Runs `fn`, turning a throw into a rejection and counting it. */
  async function op<T>(fn: () => T): Promise<T> {
    try {
      open();
      return fn();
    } catch (err) {
      throw tally(counters, err);
    }
  }

  return {
    name: 'memory',

    put: (msg: NewMessage) =>
      op(() => {
        const now = clock();
        const m = checkMessage(msg, limits, now);
        const copies = checkCopies(msg);
        const mine = [...(byRecipient.get(m.recipient)?.values() ?? [])];
        const expired = mine.filter((r) => r.expiresAt <= now);
        // At the quota, the messages only kept for the late window make room, oldest first.
        const over = mine.length - expired.length - limits.quotaPerRecipient + 1;
        const spare = over > 0 ? mine.filter((r) => r.expiresAt > now && !waiting(r)).slice(0, over) : [];
        if (over > spare.length) throw quotaError(m.recipient, limits.quotaPerRecipient);
        // Like SQLite: a full store drops every expired message first, then counts again.
        let stale: Row[] = [];
        if (byId.size - expired.length >= limits.maxMessages) {
          stale = [...byId.values()].filter((r) => r.expiresAt <= now && r.recipient !== m.recipient);
          if (byId.size - expired.length - stale.length >= limits.maxMessages) throw fullError(limits.maxMessages);
        }
        for (const row of stale) remove(row);
        const purged = stale.length;
        // Like SQLite: an accepted put drops its recipient's expired messages (a refused one changes nothing).
        for (const row of expired) remove(row);
        counters.expiredPurged += expired.length + purged;
        for (const row of spare) remove(row);
        counters.deliveredDeleted += spare.length;
        const row: Row = { id: ++lastId, ...m, attempts: 0, copies: new Map(copies.states) };
        byId.set(row.id, row);
        let box = byRecipient.get(row.recipient);
        if (!box) byRecipient.set(row.recipient, (box = new Map()));
        box.set(row.id, row);
        counters.stored++;
        return copy(row);
      }),

    pending: (recipient: string, limit?: number) =>
      op(() => {
        const max = checkLimit(limit);
        const rows = live(recipient, clock()).filter(waiting);
        return (max === undefined ? rows : rows.slice(0, max)).map(copy);
      }),

    pendingFor: (recipient: string, device: string, limit?: number) =>
      op(() => {
        const max = checkLimit(limit);
        const rows = forDevice(recipient, checkDevice(device), clock());
        return (max === undefined ? rows : rows.slice(0, max)).map(copy);
      }),

    countFor: (recipient: string, device: string) => op(() => forDevice(recipient, checkDevice(device), clock()).length),

    doneWith: (id: number, device: string, lateUntil: number) => op(() => done(id, checkDevice(device), lateUntil)),

    delivered: (id: number) =>
      op(() => {
        const row = byId.get(id);
        if (!row) return;
        remove(row);
        counters.deliveredDeleted++;
      }),

    failed: (id: number) =>
      op(() => {
        const row = byId.get(id);
        if (!row) return;
        row.attempts++;
        counters.failedAttempts++;
      }),

    dropped: (id: number) =>
      op(() => {
        const row = byId.get(id);
        if (!row) return;
        remove(row);
        counters.droppedDeleted++;
      }),

    count: (recipient?: string) =>
      op(() => {
        const now = clock();
        if (recipient !== undefined) return live(recipient, now).filter(waiting).length;
        let n = 0;
        for (const row of byId.values()) if (row.expiresAt > now && waiting(row)) n++;
        return n;
      }),

    recipients: () =>
      op(() => {
        const now = clock();
        const out: RecipientSummary[] = [];
        for (const recipient of byRecipient.keys()) {
          const rows = live(recipient, now).filter(waiting);
          if (rows.length === 0) continue;
          const oldest = rows.reduce((min, r) => Math.min(min, r.receivedAt), Infinity);
          out.push({ recipient, count: rows.length, oldest });
        }
        // Byte strings: UTF-16 code unit order is byte order, same as SQLite's BLOB order.
        return out.sort((a, b) => (a.recipient < b.recipient ? -1 : a.recipient > b.recipient ? 1 : 0));
      }),

    summary: () =>
      op(() => {
        // Maps keep insertion order: the first entry is the first stored.
        const first = byId.values().next();
        return { count: byId.size, oldest: first.done ? null : first.value.receivedAt };
      }),

    purge: (recipient: string) =>
      op(() => {
        const rows = [...(byRecipient.get(byteString('recipient', recipient))?.values() ?? [])];
        for (const row of rows) remove(row);
        counters.purged += rows.length;
        return rows.length;
      }),

    purgeExpired: (now?: number) =>
      op(() => {
        const at = now ?? clock();
        let n = 0;
        for (const row of [...byId.values()]) {
          if (row.expiresAt <= at) {
            remove(row);
            n++;
          } else if (finished(row, at)) {
            remove(row);
            counters.deliveredDeleted++;
          }
        }
        counters.expiredPurged += n;
        return n;
      }),

    stats: () => ({ ...counters }),

    health: () => (closed ? { ok: false, reason: 'closed' } : HEALTHY),

    close: async () => {
      closed = true;
    },
  };
}
