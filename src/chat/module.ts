// yate-chat as a set of handlers on one engine connection: the composition root. It builds the
// kernel (core/kernel.ts) and the rooms (messaging/, offline/, presence/, push/, groups/,
// history/), hands each the narrow interfaces it needs of the others, installs their handlers at
// the priorities in core/vocabulary.ts, and wires the events that cross rooms (a registration:
// the view, the offline queue, the watchers, the pushes; a group's copies: messaging's routing;
// each MESSAGE routed: the history). Rooms never import each other; only this file knows them
// all.
//
// Watched: user.register and user.unregister (the registration view, offline delivery, NOTIFYs).
// reenter stays off: nothing we emit needs to come back to us (our own call.route lookups and
// deliveries would only cost a round trip each).
import { reloadable, type Config } from '../config/index.js';
import type { Connection } from '../engine/connection.js';
import type { MessageStore, SubscriptionStore } from '../store/index.js';
import { chatApi, type ChatApi } from './api.js';
import { createKernel, shareWorkers } from './core/kernel.js';
import { Registrations } from './core/registrations.js';
import { MAX_WAITING } from './core/semaphore.js';
import { PRIORITIES, ROUTED, ROUTED_VALUE } from './core/vocabulary.js';
import { createGroups } from './groups/index.js';
import { createHistory } from './history/index.js';
import { createMessaging } from './messaging/index.js';
import { createOffline } from './offline/index.js';
import { createPresence } from './presence/index.js';
import { createPushes } from './push/index.js';
import { openGroupStore, openHistoryStore, openOfflineStore, openSubscriptionStore } from './stores.js';

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
  const store = config.offline.enabled ? opts.store ?? (await openOfflineStore(config, conn)) : null;
  const shared = store?.shared ?? null;
  // A group's copies go out through messaging's own routing (every device, offline copies): it
  // is called only once a MESSAGE comes, after every room here is built.
  const groups = await createGroups({
    kernel: k, store: await openGroupStore(conn, config), shared,
    isUser: (name) => view.seen(name),
    send: (copy, until) => messaging.routeCopy(copy, until),
  });
  const historyStore = config.history.enabled ? await openHistoryStore(conn, config) : null;
  const history = historyStore && createHistory({
    kernel: k, store: historyStore,
    isGroup: (name) => groups.find(name) !== null,
    groupsOf: (user) => groups.directory.groupsOf(user),
  });
  // A member of a group is a known user (offline.knownUsers "registered"): their copies are kept.
  const offline = store && createOffline({
    kernel: k, store,
    view: { devices: (user) => view.devices(user), seen: (user) => view.seen(user) || groups.hasMember(user), know: (user) => view.know(user) },
  });
  const messaging = createMessaging({ kernel: k, view, keeper: offline?.queue ?? null, waker: pushes, groups, recorder: history });
  const kept = !config.presence.subscribe ? null : opts.subscriptions ? { store: opts.subscriptions, problem: null } : await openSubscriptionStore(conn, config);
  const presence = await createPresence(
    { kernel: k, view, clustered: !!shared },
    { subscriptions: kept?.store ?? null, shared },
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
      directory: groups.directory, history, presence,
    }),
    get config() { return k.config; },
    reload(next) {
      const { config: applied, restartNeeded } = reloadable(k.config, next);
      handle.reload(applied);
      return { restartNeeded };
    },
    async close() {
      pushes.close();
      await groups.close();
      await history?.close();
      await presence.close();
      await offline?.close();
    },
  };
}
