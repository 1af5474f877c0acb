// Checks and counters shared by every message backend, so they refuse the same inputs with the
// same codes and count the same way.

import { YateChatError, isYateChatError } from '../../errors.js';
import { byteString } from '../common.js';
import { MAX_EXPIRY_SECONDS, STORE_DEFAULTS, type NewMessage, type StoreLimits, type StoreStats, type StoredMessage } from './types.js';

function positiveInteger(name: string, value: number, max = Number.MAX_SAFE_INTEGER): number {
  if (!Number.isSafeInteger(value) || value <= 0 || value > max) {
    throw new YateChatError('BAD_ARGUMENT', `store option ${name} must be a positive integer${max < Number.MAX_SAFE_INTEGER ? ` up to ${max}` : ''}, got ${String(value)}`);
  }
  return value;
}

export function resolveLimits(opts: Partial<StoreLimits>): StoreLimits {
  return {
    quotaPerRecipient: positiveInteger('quotaPerRecipient', opts.quotaPerRecipient ?? STORE_DEFAULTS.quotaPerRecipient),
    maxBodyBytes: positiveInteger('maxBodyBytes', opts.maxBodyBytes ?? STORE_DEFAULTS.maxBodyBytes),
    expirySeconds: positiveInteger('expirySeconds', opts.expirySeconds ?? STORE_DEFAULTS.expirySeconds, MAX_EXPIRY_SECONDS),
    maxMessages: positiveInteger('maxMessages', opts.maxMessages ?? STORE_DEFAULTS.maxMessages),
  };
}

/** A message with every optional field filled in, checked against the limits. */
export type CheckedMessage = Omit<StoredMessage, 'id' | 'attempts' | 'params' | 'headers'> & {
  readonly params: Record<string, string>;
  readonly headers: Record<string, string>;
};

/** The devices a new message is owed to, taken by and refused by, checked: byte strings, no
 *  duplicates, none in two lists. */
export interface CheckedCopies {
  readonly owedBy: readonly string[];
  readonly tookBy: readonly string[];
  readonly refusedBy: readonly string[];
  /** Every device named, with its copy's state: 0 owed, 1 done (took or refused). */
  readonly states: readonly (readonly [string, 0 | 1])[];
}

export function checkCopies(msg: Pick<NewMessage, 'owedBy' | 'tookBy' | 'refusedBy'>): CheckedCopies {
  const names = (list: readonly string[] | undefined, field: string): string[] => {
    const out = new Set<string>();
    for (const d of list ?? []) {
      if (byteString(field, d) === '') throw new YateChatError('BAD_ARGUMENT', `message ${field} holds an empty device name`);
      out.add(d);
    }
    return [...out];
  };
  const tookBy = names(msg.tookBy, 'tookBy');
  const owedBy = names(msg.owedBy, 'owedBy');
  const refusedBy = names(msg.refusedBy, 'refusedBy');
  const all = [...tookBy, ...owedBy, ...refusedBy];
  if (new Set(all).size !== all.length) throw new YateChatError('BAD_ARGUMENT', 'a device is named in more than one of owedBy, tookBy, refusedBy');
  const states = [...tookBy.map((d) => [d, 1] as const), ...owedBy.map((d) => [d, 0] as const), ...refusedBy.map((d) => [d, 1] as const)];
  return { owedBy, tookBy, refusedBy, states };
}

/** A device name given to pendingFor, countFor, doneWith. */
export function checkDevice(device: unknown): string {
  const d = byteString('device', device);
  if (!d) throw new YateChatError('BAD_ARGUMENT', 'a device name is not empty');
  return d;
}

export function checkMessage(msg: NewMessage, limits: StoreLimits, now: number): CheckedMessage {
  const body = byteString('body', msg.body);
  if (body.length > limits.maxBodyBytes) {
    throw new YateChatError('STORE_TOO_LARGE', `message body is ${body.length} bytes, the store accepts at most ${limits.maxBodyBytes}`);
  }
  const receivedAt = msg.receivedAt ?? now;
  if (!Number.isSafeInteger(receivedAt)) throw new YateChatError('BAD_ARGUMENT', 'message receivedAt must be an integer (ms since the epoch)');
  // Taken by a device already: its late window ends then (at least now: a taken message is never 0).
  const lateUntil = msg.tookBy?.length ? Math.max(1, msg.lateUntil ?? now) : 0;
  if (!Number.isSafeInteger(lateUntil)) throw new YateChatError('BAD_ARGUMENT', 'message lateUntil must be an integer (ms since the epoch)');
  const params = byteRecord('param', msg.params);
  const headers = byteRecord('header', msg.headers);
  return {
    recipient: byteString('recipient', msg.recipient),
    sender: byteString('sender', msg.sender),
    senderUri: byteString('senderUri', msg.senderUri),
    body,
    contentType: byteString('contentType', msg.contentType),
    bodyEncoding: byteString('bodyEncoding', msg.bodyEncoding ?? ''),
    receivedAt,
    expiresAt: now + limits.expirySeconds * 1000,
    params,
    headers,
    lateUntil,
  };
}

/** A fresh record of byte strings (`what` names a bad entry): a key named __proto__ stays a
 *  plain key (defineProperty). */
function byteRecord(what: string, from: Readonly<Record<string, string>> | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(from ?? {})) {
    Object.defineProperty(out, byteString(`${what} name`, k), { value: byteString(`${what} ${k}`, v), enumerable: true, writable: true, configurable: true });
  }
  return out;
}

export function checkLimit(limit: number | undefined): number | undefined {
  if (limit === undefined) return undefined;
  if (!Number.isSafeInteger(limit) || limit <= 0) {
    throw new YateChatError('BAD_ARGUMENT', `pending limit must be a positive integer, got ${String(limit)}`);
  }
  return limit;
}

export function fullError(max: number): YateChatError {
  return new YateChatError('STORE_FULL', `the store already holds ${max} messages (maxMessages)`);
}

export function quotaError(recipient: string, quota: number): YateChatError {
  return new YateChatError('STORE_QUOTA', `recipient ${JSON.stringify(recipient)} already has ${quota} stored messages (quotaPerRecipient)`);
}

/** Copy of params that never goes through the __proto__ setter. */
export function copyParams(params: Readonly<Record<string, string>>): Record<string, string> {
  return Object.fromEntries(Object.entries(params));
}

export type Counters = { -readonly [K in keyof StoreStats]: StoreStats[K] };

export function newCounters(): Counters {
  return { stored: 0, deliveredDeleted: 0, failedAttempts: 0, droppedDeleted: 0, expiredPurged: 0, purged: 0, quotaRejected: 0, tooLargeRejected: 0, fullRejected: 0, failures: 0 };
}

/** Counts a refusal or failure in the stats, then hands the error back for rethrowing. */
export function tally(counters: Counters, err: unknown): unknown {
  if (isYateChatError(err, 'STORE_QUOTA')) counters.quotaRejected++;
  else if (isYateChatError(err, 'STORE_TOO_LARGE')) counters.tooLargeRejected++;
  else if (isYateChatError(err, 'STORE_FULL')) counters.fullRejected++;
  else if (isYateChatError(err, 'STORE_FAILED')) counters.failures++;
  return err;
}
