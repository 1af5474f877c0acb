// yate-chat as a set of handlers on one engine connection.
//
// Priorities (lower runs first; the modules around us: lateroute msg.execute 75, regfile
// call.route/user.register 100, ysipchan xsip.generate 110, regexroute where configured):
//   msg.route    25  rename to call.route early, like the seed's rule, so every router sees it
//   sip.message  80  before regexroute's seed rule (120) and anything at the default 100
//   sip.publish  80  likewise
//   call.route   90  (filter route_type=msg) after nothing, before regfile 100: aliases and
//                    refusals must come first, and regfile answers whatever we leave
//   msg.execute  90  AFTER lateroute 75, which turns callto=lateroute/N into the real route
//   engine.status / engine.command / engine.help 100 — alongside Yate's own modules
// reenter is on: the msg.execute we enqueue in seed mode must come back to our msg.execute
// handler after lateroute. Everything else we emit carries MARK and our handlers pass it by.
import { createRateLimiter, type Config } from '../config/index.js';
import type { Connection } from '../engine/connection.js';
import { createFailedStore, openStore, type MessageStore } from '../store/index.js';
import { onCallRoute, onMsgRoute } from './call-route.js';
import type { ChatContext } from './context.js';
import { onMsgExecute } from './msg-execute.js';
import { Offline } from './offline.js';
import { PresenceBook } from './presence.js';
import { onSipPublish } from './publish.js';
import { onSipMessage } from './sip-message.js';
import { Slots } from './slots.js';
import { Stats } from './stats.js';

export const PRIORITIES = {
  'msg.route': 25,
  'sip.message': 80,
  'sip.publish': 80,
  'call.route': 90,
  'msg.execute': 90,
} as const;

/** In-flight deliveries when Yate does not tell its worker count (its default 10, less 3). */
const DEFAULT_SLOTS = 7;

export interface ChatModule {
  readonly ctx: ChatContext;
  /** Replace the rules (chat reload). The store stays as opened. */
  reload(config: Config): void;
  close(): Promise<void>;
}

export interface ChatOptions {
  /** Use this store instead of opening the one the config names (tests, embedding). */
  readonly store?: MessageStore;
}

export async function startChat(conn: Connection, config: Config, opts: ChatOptions = {}): Promise<ChatModule> {
  const ctx: ChatContext = {
    conn,
    config,
    limiter: createRateLimiter(config.rateLimit),
    stats: new Stats(),
    presence: new PresenceBook(),
    offline: null,
    marker: `${process.pid}`,
    domain: '',
    slots: new Slots(DEFAULT_SLOTS),
  };
  // Leave Yate a few workers of its own (yate.conf [general] maxworkers, default 10).
  const workers = Number.parseInt(await conn.setlocal('engine.maxworkers').catch(() => ''), 10);
  if (Number.isInteger(workers) && workers > 0) ctx.slots.resize(workers - 3);
  if (config.offline.enabled) {
    let store = opts.store;
    if (!store) {
      try {
        store = await openOfflineStore(config);
      } catch (err) {
        // Keep chat running; offline messages are refused with 500 instead of a false 202.
        conn.log.error(`offline store unavailable, messages for offline users will get 500: ${(err as Error).message}`);
        store = createFailedStore(config.offline.store.kind === 'sqlite' ? `sqlite:${config.offline.store.path}` : 'memory', (err as Error).message);
      }
    }
    ctx.offline = new Offline(ctx, store);
  }
  await conn.setlocal('reenter', 'true');
  await Promise.all([
    conn.install('msg.route', onMsgRoute(), { priority: PRIORITIES['msg.route'] }),
    conn.install('sip.message', onSipMessage(ctx), { priority: PRIORITIES['sip.message'] }),
    conn.install('sip.publish', onSipPublish(ctx), { priority: PRIORITIES['sip.publish'] }),
    conn.install('call.route', onCallRoute(ctx), { priority: PRIORITIES['call.route'], filter: { name: 'route_type', value: 'msg' } }),
    conn.install('msg.execute', onMsgExecute(ctx), { priority: PRIORITIES['msg.execute'] }),
  ]);
  if (ctx.offline) {
    const offline = ctx.offline;
    await conn.watch('user.register', (n) => offline.onRegister(n));
    offline.start();
  }
  return {
    ctx,
    reload(next) {
      ctx.config = next;
      ctx.limiter = createRateLimiter(next.rateLimit);
      conn.log.level = next.log;
    },
    async close() {
      await ctx.offline?.close();
    },
  };
}

async function openOfflineStore(config: Config): Promise<MessageStore> {
  const o = config.offline;
  const limits = { quotaPerRecipient: o.quotaPerRecipient, maxBodyBytes: o.maxBodyBytes, expirySeconds: o.expirySeconds };
  return openStore(o.store.kind === 'sqlite' ? { kind: 'sqlite', path: o.store.path, ...limits } : { kind: 'memory', ...limits });
}
