// Per-sender rate limit: a token bucket per authenticated sender.
//
// Each sender has a bucket of `messages` tokens that refills continuously at
// messages/intervalSeconds; a MESSAGE takes one token. So a sender may send a burst of
// `messages` at once and then one every intervalSeconds/messages seconds, which is what
// "30 per 60 seconds" means to a person, in O(1) memory per sender (a sliding log would
// keep up to `messages` timestamps per sender).
//
// Memory stays bounded: a bucket untouched for intervalSeconds is full again, exactly like
// a sender never seen, so it is forgotten (swept from the least recently seen end on each
// take, amortised O(1)). `maxSenders` caps the rest; past it the least recently seen sender
// is forgotten early, which only ever lets that sender send more, never less.

import type { RateLimit } from './types.js';

export type RateDecision = { readonly ok: true } | { readonly ok: false; readonly retryAfterSeconds: number };

export interface RateLimiterOptions {
  /** Clock in milliseconds, used when take() gets no `now`. [performance.now: monotonic, so a wall-clock jump neither blocks nor frees anyone] */
  readonly clock?: () => number;
  /** Most senders remembered at once. [10000] */
  readonly maxSenders?: number;
}

export interface RateLimiter {
  /** Takes one message's token for `sender`; when there is none, says how long until there is (whole seconds, >= 1). `now` in ms. */
  take(sender: string, now?: number): RateDecision;
  /** Senders currently remembered. */
  readonly size: number;
}

interface Bucket {
  tokens: number;
  /** When `tokens` was computed, ms. */
  at: number;
}

const OK: RateDecision = Object.freeze({ ok: true });

/** A limiter for `limit`; with `false` every take is allowed and nothing is remembered. */
export function createRateLimiter(
  limit: Pick<RateLimit, 'messages' | 'intervalSeconds'> | false,
  options: RateLimiterOptions = {},
): RateLimiter {
  if (limit === false) return { take: () => OK, size: 0 };
  const clock = options.clock ?? (() => performance.now());
  const maxSenders = options.maxSenders ?? 10000;
  const capacity = limit.messages;
  const intervalMs = limit.intervalSeconds * 1000;
  const perMs = capacity / intervalMs;
  // Least recently seen first: every take moves its sender to the end.
  const buckets = new Map<string, Bucket>();

  const forgetIdle = (now: number): void => {
    for (const [sender, bucket] of buckets) {
      if (bucket.at + intervalMs > now) break;
      buckets.delete(sender);
    }
  };

  return {
    take(sender: string, now: number = clock()): RateDecision {
      forgetIdle(now);
      const bucket = buckets.get(sender) ?? { tokens: capacity, at: now };
      buckets.delete(sender);
      const elapsed = Math.max(0, now - bucket.at);
      bucket.tokens = Math.min(capacity, bucket.tokens + elapsed * perMs);
      bucket.at = Math.max(bucket.at, now);
      buckets.set(sender, bucket);
      if (buckets.size > maxSenders) {
        const oldest = buckets.keys().next();
        if (!oldest.done) buckets.delete(oldest.value);
      }
      // The epsilon absorbs float rounding, so a sender who waits exactly retryAfterSeconds gets through.
      if (bucket.tokens >= 1 - 1e-9) {
        bucket.tokens = Math.max(0, bucket.tokens - 1);
        return OK;
      }
      const waitMs = (1 - bucket.tokens) / perMs;
      return { ok: false, retryAfterSeconds: Math.max(1, Math.ceil(waitMs / 1000)) };
    },
    get size() {
      return buckets.size;
    },
  };
}
