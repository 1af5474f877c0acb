// Subscriptions in memory: same behaviour as the SQLite store, nothing survives the process.
import { YateChatError } from '../../errors.js';
import { byteString, type StoreClock } from '../common.js';
import { checkSubscription, copySubscription } from './checks.js';
import type { StoredSubscription, SubscriptionStore } from './types.js';

export function createMemorySubscriptions(opts: StoreClock = {}): SubscriptionStore {
  const clock = opts.now ?? Date.now;
  const byId = new Map<string, StoredSubscription>();
  let closed = false;

  async function op<T>(fn: () => T): Promise<T> {
    if (closed) throw new YateChatError('STORE_FAILED', 'subscription store memory is closed');
    return fn();
  }

  return {
    name: 'memory',
    save: (sub) =>
      op(() => {
        const s = checkSubscription(sub);
        // A replaced subscription keeps its place (oldest first by first save), like SQLite's upsert.
        byId.set(s.id, s);
      }),
    remove: (id) => op(() => byId.delete(byteString('subscription id', id))),
    load: (now) =>
      op(() => {
        const at = now ?? clock();
        for (const [id, s] of byId) if (s.expiresAt <= at) byId.delete(id);
        return [...byId.values()].map(copySubscription);
      }),
    close: async () => {
      closed = true;
    },
  };
}
