// The history in memory: the same behaviour as the SQLite store, nothing survives the process.
import { YateChatError } from '../../errors.js';
import { byteString } from '../common.js';
import { checkEntry, checkQuery, newestFirst, selects } from './checks.js';
import type { HistoryRecord, HistoryStore } from './types.js';

export function createMemoryHistory(): HistoryStore {
  let records: HistoryRecord[] = [];
  let nextId = 1;
  let closed = false;

  async function op<T>(fn: () => T): Promise<T> {
    if (closed) throw new YateChatError('STORE_FAILED', 'history store memory is closed');
    return fn();
  }
  const drop = (gone: (r: HistoryRecord) => boolean): number => {
    const before = records.length;
    records = records.filter((r) => !gone(r));
    return before - records.length;
  };

  return {
    name: 'memory',
    append: (entries) => op(() => {
      const checked = entries.map(checkEntry);
      for (const e of checked) records.push({ ...e, id: nextId++ });
    }),
    page: (query) => op(() => {
      const q = checkQuery(query);
      return records.filter((r) => selects(q, r)).sort(newestFirst).slice(0, q.limit).map((r) => ({ ...r }));
    }),
    forget: (user) => op(() => {
      const who = byteString('history user', user);
      return drop((r) => r.sender === who || (!r.group && r.recipient === who));
    }),
    purgeBefore: (at) => op(() => drop((r) => r.at < at)),
    close: async () => {
      closed = true;
    },
  };
}
