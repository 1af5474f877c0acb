// The presence room: what users PUBLISH (book.ts, RFC 3903) and who watches them (SUBSCRIBE and
// NOTIFY, RFC 3856/6665). What it offers the composition root (module.ts): its engine handlers,
// the book and the watchers for the API faces, and what to do when a user registers.
//
//   book.ts           the publications of each user        publish.ts   sip.publish
//   pidf-read.ts      reading a PIDF body (linear)          pidf-write.ts  the PIDF a NOTIFY carries
//   subscribe.ts      sip.subscribe (Event: presence)       watchers.ts  the subscriptions, NOTIFYs
//   notify.ts         one NOTIFY in a subscription's dialog  cluster.ts  several nodes, one store
//   contact.ts        our Contact in those dialogs: where the SUBSCRIBE reached Yate
import type { Handler } from '../../engine/handlers.js';
import type { SharedState, SubscriptionStore } from '../../store/index.js';
import { PresenceBook } from './book.js';
import { startPresenceCluster } from './cluster.js';
import { ContactFinder } from './contact.js';
import { onSipPublish } from './publish.js';
import type { PresenceDeps } from './room.js';
import { onSipSubscribe } from './subscribe.js';
import { Watchers } from './watchers.js';

export type { PresenceDeps, PresenceView } from './room.js';
export type { Presence } from './book.js';
export type { WatcherView } from './watchers.js';

export interface Presences {
  readonly book: PresenceBook;
  /** null when presence.subscribe is off. */
  readonly watchers: Watchers | null;
  readonly handlers: { readonly 'sip.publish': Handler; readonly 'sip.subscribe'?: Handler };
  /** A user.register or user.unregister for `user`: the registration view speaks for it now. */
  registered(user: string): void;
  /** A user forgotten: their publications (on every node) and subscriptions end; how many of each. */
  forget(user: string): Promise<{ readonly publications: number; readonly subscriptions: number }>;
  close(): Promise<void>;
}

export interface PresenceOptions {
  /** Where subscriptions are kept; none: presence.subscribe is off. */
  readonly subscriptions: SubscriptionStore | null;
  /** The store several nodes share, when they do. */
  readonly shared: SharedState | null;
}

export async function createPresence(deps: PresenceDeps, opts: PresenceOptions): Promise<Presences> {
  const book = new PresenceBook();
  const watchers = opts.subscriptions ? await Watchers.open({ ...deps, book }, opts.subscriptions) : null;
  const changed = (user: string): void => watchers?.changed(user);
  const stopCluster = opts.shared ? startPresenceCluster({ kernel: deps.kernel, shared: opts.shared, book, changed }) : null;
  return {
    book,
    watchers,
    handlers: {
      'sip.publish': onSipPublish({ kernel: deps.kernel, book, changed }),
      ...(watchers ? { 'sip.subscribe': onSipSubscribe(deps.kernel, watchers, new ContactFinder(deps.kernel)) } : {}),
    },
    registered: (user) => watchers?.registered(user),
    async forget(user) {
      const publications = book.all(user).length;
      // Expires 0 without an entity tag: every publication of the user goes, on every node.
      if (publications) book.publish(user, '', 0);
      const subscriptions = (await watchers?.forget(user)) ?? 0;
      changed(user);
      return { publications, subscriptions };
    },
    async close() {
      stopCluster?.();
      await watchers?.close();
    },
  };
}
