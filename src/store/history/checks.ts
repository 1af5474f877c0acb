// Checks shared by every history backend, so they refuse the same inputs the same way.
import { YateChatError } from '../../errors.js';
import { byteString } from '../common.js';
import type { HistoryEntry, HistoryQuery, HistoryRecord } from './types.js';

/** Most records one page may hold. */
export const MAX_PAGE = 1000;
/** Most groups one query may name. */
export const MAX_QUERY_GROUPS = 1000;

const integer = (what: string, v: unknown, min: number): number => {
  if (!Number.isSafeInteger(v) || (v as number) < min) throw new YateChatError('BAD_ARGUMENT', `history ${what} must be an integer of at least ${min}, got ${String(v)}`);
  return v as number;
};

/** `e` when every field is what a history entry holds (BAD_ARGUMENT otherwise). The entry is
 *  checked, not copied: batches are written often, and an entry is never changed after. */
export function checkEntry(e: HistoryEntry): HistoryEntry {
  integer('at', e.at, 0);
  integer('outcome', e.outcome, 0);
  byteString('history sender', e.sender);
  byteString('history recipient', e.recipient);
  byteString('history contentType', e.contentType);
  byteString('history bodyEncoding', e.bodyEncoding);
  byteString('history body', e.body);
  if (typeof e.group !== 'boolean') throw new YateChatError('BAD_ARGUMENT', `history group must be true or false, got ${String(e.group)}`);
  return e;
}

export function checkQuery(q: HistoryQuery): HistoryQuery {
  const groups = q.groups ?? [];
  if (groups.length > MAX_QUERY_GROUPS) throw new YateChatError('BAD_ARGUMENT', `a history query names at most ${MAX_QUERY_GROUPS} groups, got ${groups.length}`);
  const limit = integer('limit', q.limit, 1);
  if (limit > MAX_PAGE) throw new YateChatError('BAD_ARGUMENT', `history limit must be at most ${MAX_PAGE}, got ${limit}`);
  return {
    user: byteString('history user', q.user),
    ...(q.peer ? { peer: { name: byteString('history peer', q.peer.name), group: q.peer.group === true } } : {}),
    groups: groups.map((g) => byteString('history group', g)),
    ...(q.before ? { before: { at: integer('position at', q.before.at, 0), id: integer('position id', q.before.id, 0) } } : {}),
    limit,
  };
}

/** Does `r` belong to the query's selection (the memory backend's filter; the SQL backends say
 *  the same in SQL)? */
export function selects(q: HistoryQuery, r: HistoryRecord): boolean {
  if (q.before && (r.at > q.before.at || (r.at === q.before.at && r.id >= q.before.id))) return false;
  if (q.peer) {
    if (q.peer.group) return r.group && r.recipient === q.peer.name;
    return !r.group && ((r.sender === q.user && r.recipient === q.peer.name) || (r.sender === q.peer.name && r.recipient === q.user));
  }
  return r.sender === q.user || (!r.group && r.recipient === q.user) || (r.group && (q.groups ?? []).includes(r.recipient));
}

/** Newest first: by at, then by id. */
export const newestFirst = (a: HistoryRecord, b: HistoryRecord): number => b.at - a.at || b.id - a.id;
