// A store that could not be opened. The module keeps running (a broken disk must not take
// chat down), every write is refused with STORE_FAILED, so senders get a 5xx, never a 202.
import { YateChatError } from '../../errors.js';
import { newCounters } from './checks.js';
import type { MessageStore } from './types.js';

export function createFailedStore(name: string, cause: string): MessageStore {
  const fail = () => Promise.reject(new YateChatError('STORE_FAILED', `store ${name} is unavailable: ${cause}`));
  return {
    name,
    put: fail,
    pending: fail,
    delivered: fail,
    pendingFor: fail,
    countFor: fail,
    doneWith: fail,
    failed: fail,
    dropped: fail,
    count: fail,
    recipients: fail,
    summary: fail,
    purge: fail,
    purgeExpired: fail,
    stats: newCounters,
    health: () => ({ ok: false, reason: cause }),
    close: () => Promise.resolve(),
  };
}
