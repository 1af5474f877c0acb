// The cursor of a history page: where the page ended, opaque to the client (base64url of
// "AT.ID"), given back as `before` for the page before it.
import { YateChatError } from '../../errors.js';
import type { HistoryPosition } from '../../store/index.js';

export function cursorOf(p: HistoryPosition): string {
  return Buffer.from(`${p.at}.${p.id}`, 'latin1').toString('base64url');
}

/** The position a cursor names; BAD_ARGUMENT for anything a cursor of ours cannot be. */
export function positionOf(cursor: string): HistoryPosition {
  const m = /^[A-Za-z0-9_-]{1,40}$/.test(cursor) ? /^(\d{1,16})\.(\d{1,16})$/.exec(Buffer.from(cursor, 'base64url').toString('latin1')) : null;
  const at = m ? Number(m[1]) : NaN;
  const id = m ? Number(m[2]) : NaN;
  if (!Number.isSafeInteger(at) || !Number.isSafeInteger(id)) throw new YateChatError('BAD_ARGUMENT', `not a history cursor: ${JSON.stringify(cursor.slice(0, 60))} (give back the "next" of a page)`);
  return { at, id };
}
