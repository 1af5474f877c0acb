// A subscription as both SQL backends keep it in a row of `subscriptions` (SQLite migration 3,
// PostgreSQL schema version 3: the same columns, PostgreSQL's with the owning node besides):
// written and read back in one place, so the two never map a field differently.
import { toBuffer as bytes, fromBuffer as str } from '../../protocol/bytes.js';
import { jsonStrings } from '../common.js';
import type { StoredSubscription } from './types.js';

/** The columns a subscription fills, in the order of the INSERTs. */
export const SUBSCRIPTION_COLUMNS = [
  'id', 'watcher', 'presentity', 'event', 'call_id', 'local_tag', 'remote_tag', 'local_uri', 'remote_uri', 'target', 'contact',
  'transport', 'cseq', 'created_at', 'expires_at',
] as const;

/** A row: byte strings as bytes (never re-encoded); `transport` as JSON (text in SQLite, bytes in
 *  PostgreSQL); times in ms since the epoch. */
export interface SubscriptionRow {
  id: Buffer; watcher: Buffer; presentity: Buffer; event: Buffer; call_id: Buffer; local_tag: Buffer; remote_tag: Buffer;
  local_uri: Buffer; remote_uri: Buffer; target: Buffer; contact: Buffer; transport: string | Buffer; cseq: number; created_at: number; expires_at: number;
}

/** The row for a (checked) subscription, its transport as JSON text. */
export function subscriptionRow(s: StoredSubscription): SubscriptionRow & { transport: string } {
  return {
    id: bytes(s.id), watcher: bytes(s.watcher), presentity: bytes(s.presentity), event: bytes(s.event), call_id: bytes(s.callId),
    local_tag: bytes(s.localTag), remote_tag: bytes(s.remoteTag), local_uri: bytes(s.localUri), remote_uri: bytes(s.remoteUri),
    target: bytes(s.target), contact: bytes(s.contact), transport: JSON.stringify(s.transport), cseq: s.cseq,
    created_at: s.createdAt, expires_at: s.expiresAt,
  };
}

/** The subscription a row holds (a transport column that is not a JSON object of strings throws). */
export function rowToSubscription(r: SubscriptionRow): StoredSubscription {
  return {
    id: str(r.id), watcher: str(r.watcher), presentity: str(r.presentity), event: str(r.event), callId: str(r.call_id),
    localTag: str(r.local_tag), remoteTag: str(r.remote_tag), localUri: str(r.local_uri), remoteUri: str(r.remote_uri),
    target: str(r.target), contact: str(r.contact), transport: jsonStrings('transport', r.transport), cseq: r.cseq, createdAt: r.created_at, expiresAt: r.expires_at,
  };
}

/** `SET col = excluded.col, ...` for every column but the id: an upsert replaces the whole row. */
export const REPLACE_ALL = SUBSCRIPTION_COLUMNS.filter((c) => c !== 'id').map((c) => `${c} = excluded.${c}`).join(', ');
