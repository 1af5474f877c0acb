// What every store shares, whatever it stores (messages, subscriptions) and wherever (memory,
// SQLite, PostgreSQL): the clock it is given, the byte-string check that makes every backend
// refuse the same values the same way, the JSON columns both SQL backends read back, and the
// error that says the server cannot be reached.
import { YateChatError } from '../errors.js';
import { fromBuffer } from '../protocol/bytes.js';

export interface StoreClock {
  /** ms since the epoch; injectable for tests. Default `Date.now`. */
  readonly now?: () => number;
}

/** Anything above 0xFF would be silently truncated by `Buffer.from(s, 'latin1')`. */
const NOT_A_BYTE = /[^\x00-\xff]/;

/** `value` when it is a byte string (one char per byte); BAD_ARGUMENT naming `field` otherwise. */
export function byteString(field: string, value: unknown): string {
  if (typeof value !== 'string') throw new YateChatError('BAD_ARGUMENT', `message ${field} must be a string`);
  if (NOT_A_BYTE.test(value)) {
    throw new YateChatError('BAD_ARGUMENT', `message ${field} is not a byte string (a char code is above 0xFF)`);
  }
  return value;
}

/** A JSON object of strings as a SQL column holds it (text in SQLite, bytes in PostgreSQL): a
 *  fresh plain object; anything else throws naming the column. */
export function jsonStrings(column: string, raw: string | Buffer): Record<string, string> {
  const value: unknown = JSON.parse(typeof raw === 'string' ? raw : fromBuffer(raw));
  if (typeof value !== 'object' || value === null || Array.isArray(value) || Object.values(value).some((v) => typeof v !== 'string')) {
    throw new Error(`${column} column is not a JSON object of strings`);
  }
  return Object.fromEntries(Object.entries(value as Record<string, string>));
}

/** STORE_FAILED because the store's server cannot be reached (or does not answer). The store says
 *  so in Yate's log once, when it happens, and again when the server is back: callers log nothing
 *  more for each operation it fails. */
export class StoreUnreachable extends YateChatError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('STORE_FAILED', message, options);
  }
}

export const isStoreUnreachable = (err: unknown): err is StoreUnreachable => err instanceof StoreUnreachable;

/** Whether a store can be used now, and if not, why (never a secret: names are redacted). */
export type StoreHealth = { readonly ok: true } | { readonly ok: false; readonly reason: string };

export const HEALTHY: StoreHealth = Object.freeze({ ok: true });
