// yate-chat as a set of handlers on one engine connection: the composition root. It builds the
// kernel (core/kernel.ts) and the rooms (messaging/, offline/, presence/, push/), hands each the narrow
// interfaces it needs of the others, installs their handlers at the priorities in
// core/vocabulary.ts, and wires the events that cross rooms (a registration: the view, the
// offline queue, the watchers, the pushes). Rooms never import each other; only this file knows them all.
//
// Watched: user.register and user.unregister (the registration view, offline delivery, NOTIFYs).
// reenter stays off: nothing we emit needs to come back to us (our own call.route lookups and
// deliveries would only cost a round trip each).
import os from 'node:os';
import { reloadable, type Config } from '../config/index.js';
import type { Connection } from '../engine/connection.js';
import { redactUrl } from '../redact.js';
import { createFailedStore, createMemorySubscriptions, openPostgresSubscriptions, openSqliteSubscriptions, openStore, type LinkLog, type MessageStore, type SubscriptionStore } from '../store/index.js';
import { chatApi, type ChatApi } from './api.js';
import { createKernel, shareWorkers } from './core/kernel.js';
import { Registrations } from './core/registrations.js';
import { MAX_WAITING } from './core/semaphore.js';
import { PRIORITIES, ROUTED, ROUTED_VALUE } from './core/vocabulary.js';
import { createMessaging } from './messaging/index.js';
import { createOffline } from './offline/index.js';
import { createPresence } from './presence/index.js';
import { createPushes } from './push/index.js';

export { PRIORITIES } from './core/vocabulary.js';

/** The running chat pipeline: what the admin commands and other faces use (api.ts). */
export interface ChatModule extends ChatApi {
  /** The rules in force. */
  readonly config: Config;
  /** New rules (chat reload): every field the module reads as it works is applied; those read
   *  only at start (the store, its limits, presence.subscribe, http: config/restart.ts) keep
   *  their values, and the ones the new rules change are named: they need a restart. */
  reload(config: Config): { readonly restartNeeded: readonly string[] };
  close(): Promise<void>;
}

export interface ChatOptions {
  /** Use this store instead of opening the one the config names (tests, embedding). */
  readonly store?: MessageStore;
  /** Likewise for presence subscriptions. */
  readonly subscriptions?: SubscriptionStore;
}

export async function startChat(conn: Connection, config: Config, opts: ChatOptions = {}): Promise<ChatModule> {
  const handle = createKernel(conn, config);
  const k = handle.kernel;
  // Every device of a user, whatever the registrar keeps (regfile keeps the latest only).
  const view = new Registrations({ checkHost: k.checkedHost });
  // Leave Yate a few workers of its own (yate.conf [general] maxworkers, default 10), and keep
  // a small pool of them for NOTIFYs (core/kernel.ts shareWorkers).
  const workers = Number.parseInt(await conn.setlocal('engine.maxworkers').catch(() => ''), 10);
  if (Number.isInteger(workers) && workers > 0) {
    const share = shareWorkers(workers);
    k.slots.resize(share.deliveries);
    k.notifySlots.resize(share.notifies);
  }
  // Deliveries waiting for a slot: no more than Yate would queue for us (extmodule maxqueue;
  // 0 means no limit there, and our own cap stays).
  const maxqueue = Number.parseInt(await conn.setlocal('maxqueue').catch(() => ''), 10);
  if (Number.isInteger(maxqueue) && maxqueue > 0) k.slots.maxWaiting = Math.min(maxqueue, MAX_WAITING);

  const pushes = createPushes(k);
  const offline = config.offline.enabled ? createOffline({ kernel: k, store: opts.store ?? (await openOfflineStore(config, conn)), view }) : null;
  const messaging = createMessaging({ kernel: k, view, keeper: offline?.queue ?? null, waker: pushes });
  const kept = !config.presence.subscribe ? null : opts.subscriptions ? { store: opts.subscriptions, problem: null } : await openSubscriptionStore(conn, config);
  const presence = await createPresence(
    { kernel: k, view, clustered: !!offline?.queue.store.shared },
    { subscriptions: kept?.store ?? null, shared: offline?.queue.store.shared ?? null },
  );

  const routed = { name: ROUTED, value: ROUTED_VALUE };
  const { handlers } = messaging;
  await Promise.all([
    conn.install('msg.route', handlers['msg.route'], { priority: PRIORITIES['msg.route'] }),
    conn.install('sip.message', handlers['sip.message'], { priority: PRIORITIES['sip.message'] }),
    conn.install('sip.publish', presence.handlers['sip.publish'], { priority: PRIORITIES['sip.publish'] }),
    ...(presence.handlers['sip.subscribe'] ? [conn.install('sip.subscribe', presence.handlers['sip.subscribe'], { priority: PRIORITIES['sip.subscribe'] })] : []),
    conn.install('call.route', handlers['call.route'], { priority: PRIORITIES['call.route'], filter: { name: 'route_type', value: 'msg' } }),
    conn.install('msg.execute', handlers['msg.execute'], { priority: PRIORITIES['msg.execute'], filter: routed }),
    conn.install('xsip.generate', handlers['xsip.generate'], { priority: PRIORITIES['xsip.generate'], filter: routed }),
    conn.watch('user.register', (n) => {
      const r = view.onRegister(n);
      if (!r) return;
      if (r.device) pushes.registered(r.user, r.device.key);
      presence.registered(r.user);
      offline?.registered(r.user, r.device, r.targets);
    }),
    conn.watch('user.unregister', (n) => {
      for (const user of view.onUnregister(n)) presence.registered(user);
    }),
  ]);
  // Registrations made while the link was down went unseen: ask the routers until they refresh.
  conn.on('disconnect', () => view.clear());
  return {
    ...chatApi({
      kernel: k, messaging, queue: offline?.queue ?? null, book: presence.book, watchers: presence.watchers, view,
      subscriptionStore: kept && { name: kept.store.name, problem: kept.problem },
      owed: offline ? (user) => offline.queue.owedTo(user, view.devices(user).map((d) => d.key)) : null,
    }),
    get config() { return k.config; },
    reload(next) {
      const { config: applied, restartNeeded } = reloadable(k.config, next);
      handle.reload(applied);
      return { restartNeeded };
    },
    async close() {
      pushes.close();
      await presence.close();
      await offline?.close();
    },
  };
}

/** Subscriptions live in the offline store's file or database (or memory), whether offline
 *  messages are on or not; in PostgreSQL each node keeps its own, under Yate's nodename (yate.conf
 *  [general] nodename, the host name by default). A store that cannot be opened leaves them in
 *  memory, with the reason in Yate's log, the ready line and `status`. */
async function openSubscriptionStore(conn: Connection, config: Config): Promise<{ store: SubscriptionStore; problem: string | null }> {
  const where = config.offline.store;
  if (where.kind === 'memory') return { store: createMemorySubscriptions(), problem: null };
  try {
    if (where.kind === 'postgres') {
      const owner = (await conn.setlocal('engine.nodename').catch(() => '')) || os.hostname();
      return { store: await openPostgresSubscriptions({ url: where.url, owner, log: logTo(conn) }), problem: null };
    }
    return { store: await openSqliteSubscriptions({ path: where.path }), problem: null };
  } catch (err) {
    const problem = (err as Error).message;
    conn.log.error(`subscription store unavailable, presence subscriptions are kept in memory only (lost at restart): ${problem}`);
    return { store: createMemorySubscriptions(), problem };
  }
}

/** The offline store the rules name. One that cannot be opened keeps chat running: offline
 *  messages are refused with 500 instead of a false 202, and Yate's log says why. */
async function openOfflineStore(config: Config, conn: Connection): Promise<MessageStore> {
  const o = config.offline;
  try {
    return await openStore({ ...o.store, quotaPerRecipient: o.quotaPerRecipient, maxBodyBytes: o.maxBodyBytes, expirySeconds: o.expirySeconds, maxMessages: o.maxMessages, log: logTo(conn) });
  } catch (err) {
    conn.log.error(`offline store unavailable, messages for offline users will get 500: ${(err as Error).message}`);
    return createFailedStore(storeName(config), (err as Error).message);
  }
}

/** A PostgreSQL store says in Yate's log when the database goes away and comes back, once each. */
function logTo(conn: Connection): LinkLog {
  return (level, text) => conn.log[level](text);
}

/** The store's name for the log when it could not even be opened (never a password). */
function storeName(config: Config): string {
  const s = config.offline.store;
  if (s.kind === 'sqlite') return `sqlite:${s.path}`;
  if (s.kind === 'memory') return 'memory';
  return redactUrl(s.url);
}
