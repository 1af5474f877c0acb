// What every chat handler shares: the engine link, the current rules, counters, presence and
// the offline store (null when disabled).
import type { Config } from '../config/index.js';
import type { RateLimiter } from '../config/index.js';
import type { Connection } from '../engine/connection.js';
import type { Offline } from './offline.js';
import type { PresenceBook } from './presence.js';
import type { Slots } from './slots.js';
import type { Stats } from './stats.js';

/** Param we put on messages we emit so our own handlers (reenter is on) pass them by. */
export const MARK = 'yatechat_origin';

export interface ChatContext {
  readonly conn: Connection;
  /** Replaced as a whole by `chat reload`. */
  config: Config;
  limiter: RateLimiter;
  readonly stats: Stats;
  readonly presence: PresenceBook;
  offline: Offline | null;
  /** Value of MARK on messages from this process. */
  readonly marker: string;
  /** The domain Yate last reported on a MESSAGE or REGISTER, for messages we originate
   *  (`chat send FROM TO` with a bare FROM). */
  domain: string;
  /** Deliveries in flight at once (see slots.ts). */
  readonly slots: Slots;
}
