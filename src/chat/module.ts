// yate-chat as a set of handlers on one engine connection.
//
// Priorities (lower runs first; the modules around us: lateroute msg.execute 75, regfile
// call.route/user.register 100, ysipchan's msg.execute relay 100 and xsip.generate 110):
//   msg.route      25  rename to call.route early, like the seed's rule, so every router sees it
//   sip.message    80  before regexroute's seed rule (120) and anything at the default 100; a
//                      MESSAGE for a registered user is renamed to xsip.generate right here
//   sip.publish    80  likewise
//   sip.subscribe  80  Event: presence only (any other event is left untouched for sipfeatures
//                      at 100, which answers 489 to events nobody serves); with presence.subscribe
//   call.route     90  filter route_type=msg (voice calls never reach us); before regfile 100:
//                      aliases and refusals come first, and regfile answers whatever we leave
//   msg.execute   110  filter yatechat_route=yes: only native MESSAGEs we routed to ourselves,
//                      or that ysipchan's relay (100) could not send. Never a voice call.
//   xsip.generate 120  filter yatechat_route=yes: a renamed sip.message ysipchan (110) could
//                      not send (or nothing handles xsip.generate)
//   engine.status / engine.command / engine.help 100 — alongside Yate's own modules (admin/)
// Watched: user.register and user.unregister (the registration view, offline delivery).
// reenter stays off: nothing we emit needs to come back to us (our own call.route lookups and
// deliveries would only cost a round trip each).
import { createRateLimiter, type Config } from '../config/index.js';
import type { Connection } from '../engine/connection.js';
import { createFailedStore, createMemorySubscriptions, openSqliteSubscriptions, openStore, type MessageStore, type SubscriptionStore } from '../store/index.js';
import { chatApi, type ChatApi } from './api.js';
import { onCallRoute, onMsgRoute } from './call-route.js';
import { worldOf, type ChatContext } from './context.js';
import { ROUTED, ROUTED_VALUE } from './inplace.js';
import { onGenerateFallthrough, onMsgExecute } from './msg-execute.js';
import { Offline } from './offline.js';
import { PresenceBook } from './presence.js';
import { onSipPublish } from './publish.js';
import { Registrations } from './registrations.js';
import { startSharing, type Sharing } from './shared.js';
import { onSipMessage } from './sip-message.js';
import { onSipSubscribe } from './subscribe.js';
import { Watchers } from './watchers.js';
import { MAX_WAITING, Slots } from './slots.js';
import { Stats } from './stats.js';

export const PRIORITIES = {
  'msg.route': 25,
  'sip.message': 80,
  'sip.publish': 80,
  'sip.subscribe': 80,
  'call.route': 90,
  'msg.execute': 110,
  'xsip.generate': 120,
} as const;

/** In-flight deliveries when Yate does not tell its worker count (its default 10, less 3). */
const DEFAULT_SLOTS = 7;

/** The running chat pipeline: what the admin commands and other faces use (api.ts). */
export interface ChatModule extends ChatApi {
  /** The rules in force. */
  readonly config: Config;
  /** Replace the rules (chat reload). The store stays as opened. */
  reload(config: Config): void;
  close(): Promise<void>;
}

export interface ChatOptions {
  /** Use this store instead of opening the one the config names (tests, embedding). */
  readonly store?: MessageStore;
  /** Likewise for presence subscriptions. */
  readonly subscriptions?: SubscriptionStore;
}

export async function startChat(conn: Connection, config: Config, opts: ChatOptions = {}): Promise<ChatModule> {
  // regfile keeps one registration per user (the latest); other registrars may keep several.
  const regfile = (await conn.setlocal('loaded.regfile').catch(() => '')) === 'true';
  const base = {
    conn,
    config,
    limiter: createRateLimiter(config.rateLimit),
    stats: new Stats(),
    presence: new PresenceBook(),
    registrations: new Registrations({ single: regfile }),
    offline: null,
    watchers: null,
    marker: `${process.pid}`,
    slots: new Slots(DEFAULT_SLOTS),
  };
  const ctx: ChatContext = Object.assign(base, { world: worldOf(base) });
  // Leave Yate a few workers of its own (yate.conf [general] maxworkers, default 10).
  const workers = Number.parseInt(await conn.setlocal('engine.maxworkers').catch(() => ''), 10);
  if (Number.isInteger(workers) && workers > 0) ctx.slots.resize(workers - 3);
  // Deliveries waiting for a slot: no more than Yate would queue for us (extmodule maxqueue;
  // 0 means no limit there, and our own cap stays).
  const maxqueue = Number.parseInt(await conn.setlocal('maxqueue').catch(() => ''), 10);
  if (Number.isInteger(maxqueue) && maxqueue > 0) ctx.slots.maxWaiting = Math.min(maxqueue, MAX_WAITING);
  let sharing: Sharing | null = null;
  if (config.offline.enabled) {
    let store = opts.store;
    if (!store) {
      try {
        store = await openOfflineStore(config, conn);
      } catch (err) {
        // Keep chat running; offline messages are refused with 500 instead of a false 202.
        conn.log.error(`offline store unavailable, messages for offline users will get 500: ${(err as Error).message}`);
        store = createFailedStore(storeName(config), (err as Error).message);
      }
    }
    ctx.offline = new Offline(ctx, store);
    // Several nodes on one store: hear what the others do (before anything can be missed).
    if (store.shared) sharing = startSharing(ctx, store.shared);
  }
  if (config.presence.subscribe) ctx.watchers = await Watchers.open(ctx, opts.subscriptions ?? (await openSubscriptionStore(conn, config)));
  const routed = { name: ROUTED, value: ROUTED_VALUE };
  await Promise.all([
    conn.install('msg.route', onMsgRoute(), { priority: PRIORITIES['msg.route'] }),
    conn.install('sip.message', onSipMessage(ctx), { priority: PRIORITIES['sip.message'] }),
    conn.install('sip.publish', onSipPublish(ctx), { priority: PRIORITIES['sip.publish'] }),
    ...(ctx.watchers ? [conn.install('sip.subscribe', onSipSubscribe(ctx), { priority: PRIORITIES['sip.subscribe'] })] : []),
    conn.install('call.route', onCallRoute(ctx), { priority: PRIORITIES['call.route'], filter: { name: 'route_type', value: 'msg' } }),
    conn.install('msg.execute', onMsgExecute(ctx), { priority: PRIORITIES['msg.execute'], filter: routed }),
    conn.install('xsip.generate', onGenerateFallthrough(ctx), { priority: PRIORITIES['xsip.generate'], filter: routed }),
    conn.watch('user.register', (n) => {
      const r = ctx.registrations.onRegister(n);
      if (!r) return;
      sharing?.registered(r.user);
      ctx.watchers?.registered(r.user);
      ctx.offline?.onRegister(r.user, r.targets);
    }),
    conn.watch('user.unregister', (n) => {
      for (const user of ctx.registrations.onUnregister(n)) ctx.watchers?.registered(user);
    }),
  ]);
  // Registrations made while the link was down went unseen: ask the routers until they refresh.
  conn.on('disconnect', () => ctx.registrations.clear());
  ctx.offline?.start();
  return {
    ...chatApi(ctx),
    get config() { return ctx.config; },
    reload(next) {
      ctx.config = next;
      ctx.limiter = createRateLimiter(next.rateLimit);
      conn.log.level = next.log;
    },
    async close() {
      sharing?.close();
      await ctx.watchers?.close();
      await ctx.offline?.close();
    },
  };
}

/** Subscriptions live in the offline store's file (or memory), whether offline messages are on or
 *  not. A store that cannot be opened leaves them in memory, with the reason in Yate's log. */
async function openSubscriptionStore(conn: Connection, config: Config): Promise<SubscriptionStore> {
  const where = config.offline.store;
  if (where.kind === 'memory') return createMemorySubscriptions();
  if (where.kind === 'postgres') {
    conn.log.warn('presence subscriptions are kept in memory on each node with a postgres store (lost at restart)');
    return createMemorySubscriptions();
  }
  try {
    return await openSqliteSubscriptions({ path: where.path });
  } catch (err) {
    conn.log.error(`subscription store unavailable, presence subscriptions are kept in memory only (lost at restart): ${(err as Error).message}`);
    return createMemorySubscriptions();
  }
}

async function openOfflineStore(config: Config, conn: Connection): Promise<MessageStore> {
  const o = config.offline;
  // The PostgreSQL store says in Yate's log when the database goes away and comes back, once each.
  const log = (level: 'error' | 'warn' | 'info', text: string) => conn.log[level](text);
  return openStore({ ...o.store, quotaPerRecipient: o.quotaPerRecipient, maxBodyBytes: o.maxBodyBytes, expirySeconds: o.expirySeconds, maxMessages: o.maxMessages, log });
}

/** The store's name for the log when it could not even be opened (never a password). */
function storeName(config: Config): string {
  const s = config.offline.store;
  if (s.kind === 'sqlite') return `sqlite:${s.path}`;
  if (s.kind === 'memory') return 'memory';
  try {
    const u = new URL(s.url);
    u.password = '';
    return u.toString();
  } catch {
    return 'postgres';
  }
}
