// What every chat handler shares: the engine link, the current rules, counters, presence,
// the registration view, the offline store and the presence watchers (null when disabled).
import type { Config, RateLimiter } from '../config/index.js';
import type { Connection } from '../engine/connection.js';
import type { World } from './decide.js';
import type { Offline } from './offline.js';
import type { PresenceBook } from './presence.js';
import type { Registrations } from './registrations.js';
import type { Slots } from './slots.js';
import type { Stats } from './stats.js';
import type { Watchers } from './watchers.js';

/** Param we put on messages we emit, so a handler of ours that still sees one passes it by. */
export const MARK = 'yatechat_origin';

export interface ChatContext {
  readonly conn: Connection;
  /** Replaced as a whole by `chat reload`. */
  config: Config;
  limiter: RateLimiter;
  readonly stats: Stats;
  readonly presence: PresenceBook;
  readonly registrations: Registrations;
  offline: Offline | null;
  /** Presence subscriptions (null when presence.subscribe is off). */
  watchers: Watchers | null;
  /** What decide() needs to know, read from the fields above. */
  readonly world: World;
  /** Value of MARK on messages from this process. */
  readonly marker: string;
  /** Deliveries in flight at once (see slots.ts). */
  readonly slots: Slots;
}

/** The World of a context: always the current rules, view, store and limiter. */
export function worldOf(ctx: Omit<ChatContext, 'world'>): World {
  return {
    get config() { return ctx.config; },
    contacts: (user) => ctx.registrations.targets(user),
    known: (user, routerError) => ctx.offline?.isKnown(user, routerError) ?? false,
    rate: (sender) => ctx.limiter.take(sender),
  };
}
