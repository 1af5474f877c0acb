// A stored message as both SQL backends keep it in a row: read back in one place, so SQLite and
// PostgreSQL return the same message for the same row.
import { fromBuffer as str } from '../../protocol/bytes.js';
import { jsonStrings } from '../common.js';
import type { StoredMessage } from './types.js';

/** A row of `messages`: text columns as bytes (latin1 byte strings, never re-encoded); `params`
 *  as JSON (text in SQLite, bytes in PostgreSQL), NULL when the message had none. */
export interface MessageRow {
  id: number;
  recipient: Buffer;
  sender: Buffer;
  sender_uri: Buffer;
  content_type: Buffer;
  body_encoding: Buffer;
  body: Buffer;
  params: string | Buffer | null;
  /** JSON like params (migration 4 in SQLite, 4 in PostgreSQL); NULL when none. */
  headers: string | Buffer | null;
  received_at: number;
  expires_at: number;
  attempts: number;
  /** 0 until a device took it (migration 6 in SQLite and PostgreSQL). */
  late_until: number;
}

/** The `params` (or `headers`) column for a message's params: JSON, or NULL when there are none. */
export function paramsColumn(params: Readonly<Record<string, string>>): string | null {
  return Object.keys(params).length > 0 ? JSON.stringify(params) : null;
}

/** The message a row holds (a params column that is not a JSON object of strings throws). */
export function rowToMessage(row: MessageRow): StoredMessage {
  return {
    id: row.id,
    recipient: str(row.recipient),
    sender: str(row.sender),
    senderUri: str(row.sender_uri),
    body: str(row.body),
    contentType: str(row.content_type),
    bodyEncoding: str(row.body_encoding),
    receivedAt: row.received_at,
    expiresAt: row.expires_at,
    attempts: row.attempts,
    params: row.params === null ? {} : jsonStrings('params', row.params),
    lateUntil: row.late_until,
    headers: row.headers === null || row.headers === undefined ? {} : jsonStrings('headers', row.headers),
  };
}
