// The values every field of the rules file has when the file leaves it out, and the bounds
// some fields share with the code that uses them (schema.ts and sections.ts apply them).

import { STORE_DEFAULTS } from '../store/messages/types.js';
import type { GroupWriters, KnownUsers, LogLevel, Mode, PresenceConfig, RateLimit } from './types.js';

/**
 * Largest body accepted (maxBodyBytes, offline.maxBodyBytes). The body travels to Yate
 * escaped inside one line (up to twice its size) with the other parameters, and Yate closes
 * a module whose line passes 65536 bytes, the most `setlocal bufsize` allows.
 */
export const MAX_BODY_BYTES_LIMIT = 16384;
/** delivery.waitMs upper bound: the Yate thread that carries the sender's MESSAGE is blocked meanwhile. */
export const MAX_WAIT_MS = 60000;
/** delivery.sendTimeoutMs upper bound. */
export const MAX_SEND_TIMEOUT_MS = 600000;
/** groupPolicy.maxMembers upper bound: a copy per member is sent for every message. */
export const MAX_GROUP_MEMBERS = 1000;

/** Values used for every field the file leaves out (the store path comes from SchemaContext). */
export const DEFAULTS = {
  mode: 'confirmed' as Mode,
  contentTypes: ['*/*'],
  maxBodyBytes: 4096,
  rateLimit: { messages: 30, intervalSeconds: 60, code: 503 } as RateLimit,
  log: 'info' as LogLevel,
  logBodies: false,
  allowUnauthenticated: false,
  delivery: { waitMs: 8000, maxTargets: 8, inPlace: true, sendTimeoutMs: 40000 },
  webhookTimeoutMs: 3000,
  push: { timeoutMs: 5000, retries: 2 },
  postgres: { poolSize: 4, leaseSeconds: 15 },
  offline: {
    enabled: true,
    // The store's own defaults (store/messages/types.ts): one value each, whoever opens a store.
    expirySeconds: STORE_DEFAULTS.expirySeconds,
    quotaPerRecipient: STORE_DEFAULTS.quotaPerRecipient,
    maxMessages: STORE_DEFAULTS.maxMessages,
    maxBodyBytes: STORE_DEFAULTS.maxBodyBytes,
    retryIntervalSeconds: 60,
    lateWindowSeconds: 3600,
    maxAttempts: 30,
    storeCodes: [408, 480, 503, 504],
    knownUsers: 'registered' as KnownUsers,
  },
  groupPolicy: { maxMembers: 100, maxGroups: 1000, writers: 'members' as GroupWriters, prefix: true },
  history: { enabled: false, retentionDays: 30 },
  presence: {
    subscribe: true,
    watchers: 'local' as PresenceConfig['watchers'],
    minExpires: 60,
    maxExpires: 3600,
    defaultExpires: 3600,
    maxPerWatcher: 50,
    maxSubscriptions: 10000,
    maxPublishExpires: 3600,
  },
} as const;

