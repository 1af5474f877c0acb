// The small read-only kernel every room of the chat module takes: the engine link, the rules in
// force, the counters, the per-sender rate limit, the marker on what we emit, the slots our own
// deliveries and NOTIFYs run in, and a few per-module memories (warnings said once, the last domain
// checked). Rooms read it; only the composition root (module.ts) changes the rules, through
// the handle createKernel returns. Nothing here is shared between two chat modules of one
// process.
import { createRateLimiter, isHost, type Config, type RateDecision, type RateLimiter } from '../../config/index.js';
import type { Connection } from '../../engine/connection.js';
import type { Logger } from '../../engine/logger.js';
import { Semaphore } from './semaphore.js';
import { Stats } from './stats.js';

export interface Kernel {
  readonly conn: Connection;
  readonly log: Logger;
  /** The rules in force: read at each use (`chat reload` replaces them as a whole). */
  readonly config: Config;
  readonly stats: Stats;
  /** Value of MARK on messages from this module. */
  readonly marker: string;
  /** Deliveries yate-chat runs itself at once, each holding one of Yate's workers (semaphore.ts). */
  readonly slots: Semaphore;
  /** NOTIFYs in flight at once: a pool of their own, so that watchers whose phones never answer
   *  cannot take the slots deliveries need (issue 21). */
  readonly notifySlots: Semaphore;
  /** Take one token from `key`'s bucket (the rules' rateLimit). */
  rate(key: string): RateDecision;
  /** Senders the rate limiter remembers now. */
  readonly rateSenders: number;
  /** `domain` when it is a host name or address (it goes into From and To), else ''. */
  checkedHost(domain: string | undefined): string;
  /** Say `text` in Yate's log as an error, the first time `key` comes up only. */
  warnOnce(key: string, text: string): void;
}

/** The kernel and what only the composition root may do with it. */
export interface KernelHandle {
  readonly kernel: Kernel;
  /** New rules: the rate limiter starts afresh with them, and the log level follows. */
  reload(config: Config): void;
}

/**
 * How yate-chat shares Yate's worker threads (yate.conf maxworkers) among what it emits and waits
 * for: 3 are left to Yate (and our route lookups), a small pool to NOTIFYs, the rest to deliveries.
 * Each xsip.generate with wait=true holds a worker for its whole SIP transaction (~32 s when the
 * far end never answers).
 */
export function shareWorkers(workers: number): { readonly deliveries: number; readonly notifies: number } {
  const ours = Math.max(2, workers - 3);
  const notifies = ours >= 6 ? 2 : 1;
  return { deliveries: Math.max(1, ours - notifies), notifies };
}

/** The share when Yate does not tell its worker count (its default, 10): 5 deliveries, 2 NOTIFYs. */
export const DEFAULT_SHARE = shareWorkers(10);

export function createKernel(conn: Connection, config: Config, marker = `${process.pid}`): KernelHandle {
  let rules = config;
  let limiter: RateLimiter = createRateLimiter(config.rateLimit);
  const warned = new Set<string>();
  /** The last good host: checked once per distinct value (the same domain comes again and again). */
  let lastHost = '';
  const kernel: Kernel = {
    conn,
    log: conn.log,
    get config() { return rules; },
    stats: new Stats(),
    marker,
    slots: new Semaphore(DEFAULT_SHARE.deliveries),
    notifySlots: new Semaphore(DEFAULT_SHARE.notifies),
    rate: (key) => limiter.take(key),
    get rateSenders() { return limiter.size; },
    checkedHost(domain) {
      if (!domain) return '';
      if (domain === lastHost) return domain;
      if (!isHost(domain)) return '';
      lastHost = domain;
      return domain;
    },
    warnOnce(key, text) {
      if (warned.has(key)) return;
      warned.add(key);
      conn.log.error(text);
    },
  };
  return {
    kernel,
    reload(next) {
      rules = next;
      limiter = createRateLimiter(next.rateLimit);
      conn.log.level = next.log;
    },
  };
}
