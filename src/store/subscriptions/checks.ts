// Checks shared by every subscription backend, so they refuse the same inputs the same way.
import { YateChatError } from '../../errors.js';
import { byteString } from '../common.js';
import type { StoredSubscription } from './types.js';

const TEXT_FIELDS = ['id', 'watcher', 'presentity', 'event', 'callId', 'localTag', 'remoteTag', 'localUri', 'remoteUri', 'target', 'contact'] as const;
const NUMBER_FIELDS = ['cseq', 'createdAt', 'expiresAt'] as const;

/** A copy of `sub` with every field checked (BAD_ARGUMENT otherwise). */
export function checkSubscription(sub: StoredSubscription): StoredSubscription {
  for (const f of TEXT_FIELDS) byteString(`subscription ${f}`, sub[f]);
  for (const f of NUMBER_FIELDS) {
    if (!Number.isSafeInteger(sub[f]) || sub[f] < 0) throw new YateChatError('BAD_ARGUMENT', `subscription ${f} must be a non-negative integer, got ${String(sub[f])}`);
  }
  if (sub.id === '') throw new YateChatError('BAD_ARGUMENT', 'subscription id must not be empty');
  return copySubscription(sub);
}

export function copySubscription(sub: StoredSubscription): StoredSubscription {
  const transport: Record<string, string> = {};
  for (const [k, v] of Object.entries(sub.transport ?? {})) {
    // defineProperty: a key named __proto__ stays a plain key.
    Object.defineProperty(transport, byteString('transport name', k), { value: byteString(`transport ${k}`, v), enumerable: true, writable: true, configurable: true });
  }
  return { ...sub, transport };
}
