// Who watches whom: every live presence subscription (held in memory, written through to the
// subscription store so a restart keeps them), and the NOTIFYs that tell watchers of changes.
//
// What makes a NOTIFY:
// - a SUBSCRIBE (new or refresh: the current state at once), an unsubscribe or an expiry (the
//   state with Subscription-State terminated);
// - a change of the presentity's state: a PUBLISH (publish.ts), a register or unregister (the
//   watched user.register / user.unregister), a publication or registration that expired
//   (found by a check once a second that does nothing until the next known deadline).
// changed() only marks the user and defers the work (setImmediate): the PUBLISH or registration
// that caused it is answered first, and a user nobody watches costs one Map lookup.
// NOTIFYs of one subscription go out one at a time, in CSeq order; a state that did not change
// since the last NOTIFY the watcher accepted is not sent again. Each NOTIFY is an xsip.generate
// with wait=true and holds one of Yate's workers until the watcher answers (~32 s when it never
// does): NOTIFYs take slots of their own small pool (Kernel.notifySlots), never the deliveries',
// and one watcher has one NOTIFY in flight at a time, so a watcher whose phone never
// answers holds one slot, not the pool (issue 21: 20 SUBSCRIBEs of one user turned a 28 ms
// MESSAGE into a 2 s one answered 202). A NOTIFY answered 481 or timing out ends its subscription.
import { toText } from '../../protocol/bytes.js';
import type { StoredSubscription, SubscriptionStore } from '../../store/index.js';
import type { Kernel } from '../core/kernel.js';
import { lookupRoute } from '../core/router.js';
import type { PresenceBook } from './book.js';
import { endsSubscription, notifyParams, sendNotify, type SubscriptionState } from './notify.js';
import { composePidf, presentityTuples } from './pidf-write.js';
import type { PresenceDeps, PresenceView } from './room.js';

/** How often expiries are looked for (ms); the work itself waits for the next deadline. */
export const CHECK_MS = 1000;


interface Sub {
  s: StoredSubscription;
  /** The PIDF last accepted (2xx) by the watcher; null: none yet or unknown (after a restart). */
  sent: string | null;
  /** A state NOTIFY is queued and not started yet (a later change joins it). */
  queued: boolean;
  /** The next state NOTIFY goes out even when the state did not change (after a SUBSCRIBE). */
  force: boolean;
  /** Ended: nothing but its final NOTIFY goes out. */
  ended: boolean;
  /** NOTIFYs of this subscription, one after the other. */
  chain: Promise<void>;
}

/** What `chat presence` and an HTTP face show of a subscription. */
export interface WatcherView {
  readonly watcher: string;
  readonly presentity: string;
  readonly expiresAt: number;
  readonly target: string;
}

export interface WatchersDeps extends PresenceDeps {
  readonly book: PresenceBook;
}

/** Room for one more subscription, held from admit() until it is kept or given up: the limits
 *  count it at once (issue 21: checked before the awaited save and counted after it, SUBSCRIBEs
 *  arriving together all passed). release() gives it back; it is idempotent. */
export interface Reservation {
  readonly ok: true;
  release(): void;
}

export type Admission = Reservation | { readonly ok: false; readonly code: 403 | 503; readonly reason: string };

export class Watchers {
  readonly #k: Kernel;
  readonly #book: PresenceBook;
  readonly #view: PresenceView;
  readonly #clustered: boolean;
  readonly #store: SubscriptionStore;
  readonly #byId = new Map<string, Sub>();
  readonly #byPresentity = new Map<string, Set<Sub>>();
  readonly #perWatcher = new Map<string, number>();
  /** Subscriptions admitted and not kept yet (their save is under way), per watcher and in all. */
  readonly #reservedBy = new Map<string, number>();
  #reserved = 0;
  /** Per watcher: the NOTIFYs to it in flight and waiting, one after the other. */
  readonly #toWatcher = new Map<string, Promise<unknown>>();
  /** Presentities whose state changed, handled at the next setImmediate. */
  readonly #changed = new Set<string>();
  #scheduled = false;
  /** Presentities not seen registering since start: online or not as Yate's routers said. */
  readonly #routed = new Map<string, boolean>();
  /** Presentities whose last NOTIFY could not be sent (no slot, no transport): tried again. */
  readonly #retry = new Set<string>();
  #nextCheck = 0;
  readonly #timer: NodeJS.Timeout;
  #closed = false;

  private constructor(deps: WatchersDeps, store: SubscriptionStore) {
    this.#k = deps.kernel;
    this.#book = deps.book;
    this.#view = deps.view;
    this.#clustered = deps.clustered;
    this.#store = store;
    this.#timer = setInterval(() => this.#check(Date.now()), CHECK_MS);
    this.#timer.unref();
  }

  /** Opens on `store`, taking back every live subscription it holds. */
  static async open(deps: WatchersDeps, store: SubscriptionStore): Promise<Watchers> {
    const w = new Watchers(deps, store);
    try {
      for (const s of await store.load()) w.#index(s);
    } catch (err) {
      deps.kernel.log.error(`subscription store ${store.name}: cannot read the subscriptions kept: ${(err as Error).message}`);
    }
    return w;
  }

  get storeName(): string {
    return this.#store.name;
  }

  /** Live subscriptions. */
  get size(): number {
    return this.#byId.size;
  }

  get(id: string): StoredSubscription | undefined {
    return this.#byId.get(id)?.s;
  }

  /** Every subscription, or those watching `presentity`, by presentity then watcher. */
  list(presentity?: string): WatcherView[] {
    const subs = presentity === undefined ? [...this.#byId.values()] : [...(this.#byPresentity.get(presentity) ?? [])];
    return subs
      .map(({ s }) => ({ watcher: s.watcher, presentity: s.presentity, expiresAt: s.expiresAt, target: s.target }))
      .sort((a, b) => (a.presentity < b.presentity ? -1 : a.presentity > b.presentity ? 1 : a.watcher < b.watcher ? -1 : a.watcher > b.watcher ? 1 : 0));
  }

  /** May `watcher` add one more subscription? (presence.maxPerWatcher, presence.maxSubscriptions)
   *  When it may, the room is taken now: pass the reservation to subscribe(), or release it. */
  admit(watcher: string): Admission {
    const { maxPerWatcher, maxSubscriptions } = this.#k.config.presence;
    const mine = this.#reservedBy.get(watcher) ?? 0;
    if ((this.#perWatcher.get(watcher) ?? 0) + mine >= maxPerWatcher) return { ok: false, code: 403, reason: `watcher ${toText(watcher)} already holds ${maxPerWatcher} subscriptions (presence.maxPerWatcher)` };
    if (this.#byId.size + this.#reserved >= maxSubscriptions) return { ok: false, code: 503, reason: `${maxSubscriptions} subscriptions are kept already (presence.maxSubscriptions)` };
    this.#reservedBy.set(watcher, mine + 1);
    this.#reserved++;
    let held = true;
    return {
      ok: true,
      release: () => {
        if (!held) return;
        held = false;
        this.#reserved--;
        const n = (this.#reservedBy.get(watcher) ?? 1) - 1;
        if (n > 0) this.#reservedBy.set(watcher, n);
        else this.#reservedBy.delete(watcher);
      },
    };
  }

  /**
   * Is `user` a user of this server (presence.watchers "local")? Listed in `users`, seen
   * registering, with presence, or known to Yate's routers (a route, or regfile's
   * error=offline for a defined user); what the routers said is remembered for the state.
   */
  async isLocal(user: string, domain: string): Promise<boolean> {
    const k = this.#k;
    if (k.config.users.includes(user) || this.#view.seen(user) || this.#book.get(user)) return true;
    if (this.#routed.has(user)) return true;
    // Within the SUBSCRIBE's answer budget (delivery.waitMs, kept below Yate's timeout; 1 s at least).
    const found = await lookupRoute(k, user, { sender: '', domain }, Math.max(1000, k.config.delivery.waitMs)).catch(() => null);
    if (!found) return false;
    const known = found.targets.length > 0 || found.error === 'offline';
    if (known) this.#remember(user, found.targets.length > 0);
    return known;
  }

  /** Keep `s` (new, or replacing the one with its id: a refresh), durably; then NOTIFY the
   *  current state at once. A new one comes with the reservation admit() gave: it turns into
   *  the subscription in the same step, so the limits never count it twice or not at all. */
  async subscribe(s: StoredSubscription, reservation?: Reservation): Promise<void> {
    const old = this.#byId.get(s.id);
    await this.#store.save({ ...s, cseq: old?.s.cseq ?? s.cseq });
    reservation?.release();
    const sub = old ?? this.#index(s);
    if (old) old.s = { ...s, cseq: old.s.cseq };
    sub.force = true;
    this.#nextCheck = Math.min(this.#nextCheck, s.expiresAt);
    // A presentity not seen registering since start: its first NOTIFY waits for Yate's routers
    // (the SUBSCRIBE's answer does not).
    const learnt = this.#routed.has(s.presentity) || this.#view.seen(s.presentity) ? Promise.resolve() : this.#learn(s.presentity, s);
    setImmediate(() => void learnt.then(() => this.#queueState(sub)));
  }

  /** End subscription `id` (unsubscribe, Expires 0): forgotten now, a final NOTIFY with `reason`. */
  async end(id: string, reason = 'timeout'): Promise<boolean> {
    const sub = this.#byId.get(id);
    if (!sub) return false;
    await this.#drop(sub, null);
    setImmediate(() => this.#queueFinal(sub, reason));
    return true;
  }

  /** A user forgotten: every subscription they hold or that watches them ends (a final NOTIFY
   *  each: `rejected` to them as a watcher, `noresource` to their watchers); how many. */
  async forget(user: string): Promise<number> {
    const subs = [...this.#byId.values()].filter(({ s }) => s.watcher === user || s.presentity === user);
    for (const sub of subs) {
      await this.#drop(sub, 'the user was forgotten');
      setImmediate(() => this.#queueFinal(sub, sub.s.presentity === user ? 'noresource' : 'rejected'));
    }
    return subs.length;
  }

  /** A SUBSCRIBE with Expires 0 outside any subscription (a fetch): one NOTIFY, terminated, nothing kept. */
  fetch(s: StoredSubscription): void {
    const sub: Sub = { s, sent: null, queued: false, force: true, ended: true, chain: Promise.resolve() };
    setImmediate(() => this.#queueFinal(sub, 'timeout'));
  }

  /** The state of `user` may have changed: its watchers are told (after the current dispatch). */
  changed(user: string): void {
    if (!this.#byPresentity.has(user)) return;
    this.#nextCheck = Math.min(this.#nextCheck, this.#book.nextExpiry(user), this.#view.nextExpiry(user));
    this.#changed.add(user);
    if (this.#scheduled) return;
    this.#scheduled = true;
    setImmediate(() => {
      this.#scheduled = false;
      const users = [...this.#changed];
      this.#changed.clear();
      for (const u of users) for (const sub of this.#byPresentity.get(u) ?? []) this.#queueState(sub);
    });
  }

  /** A user.register or user.unregister for `user`: the registration view speaks for it now. */
  registered(user: string): void {
    this.#routed.delete(user);
    this.changed(user);
  }

  /** Stops the expiry check and waits for the NOTIFYs under way; the subscriptions stay stored. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    clearInterval(this.#timer);
    await Promise.all([...this.#byId.values()].map((s) => s.chain));
    await this.#store.close().catch(() => undefined);
  }

  #index(s: StoredSubscription): Sub {
    const sub: Sub = { s, sent: null, queued: false, force: false, ended: false, chain: Promise.resolve() };
    this.#byId.set(s.id, sub);
    let set = this.#byPresentity.get(s.presentity);
    if (!set) this.#byPresentity.set(s.presentity, (set = new Set()));
    set.add(sub);
    this.#perWatcher.set(s.watcher, (this.#perWatcher.get(s.watcher) ?? 0) + 1);
    this.#nextCheck = Math.min(this.#nextCheck, s.expiresAt);
    return sub;
  }

  /** Forget `sub` here and in the store; `why` (when given) goes to Yate's log. */
  async #drop(sub: Sub, why: string | null): Promise<void> {
    if (this.#byId.get(sub.s.id) !== sub) return;
    sub.ended = true;
    this.#byId.delete(sub.s.id);
    const set = this.#byPresentity.get(sub.s.presentity);
    set?.delete(sub);
    if (set?.size === 0) {
      this.#byPresentity.delete(sub.s.presentity);
      this.#routed.delete(sub.s.presentity);
      this.#retry.delete(sub.s.presentity);
    }
    const n = (this.#perWatcher.get(sub.s.watcher) ?? 1) - 1;
    if (n > 0) this.#perWatcher.set(sub.s.watcher, n);
    else this.#perWatcher.delete(sub.s.watcher);
    if (why) this.#k.log.info(`SUBSCRIBE ${toText(sub.s.watcher)} -> ${toText(sub.s.presentity)} presence ended: ${why}`);
    await this.#store.remove(sub.s.id).catch((err: Error) => this.#k.log.error(`subscription store ${this.#store.name}: ${err.message}`));
  }

  #remember(user: string, online: boolean): void {
    this.#routed.delete(user);
    this.#routed.set(user, online);
    // Only watched users are worth remembering; the map cannot outgrow the subscriptions.
    if (this.#routed.size > this.#k.config.presence.maxSubscriptions) this.#routed.delete(this.#routed.keys().next().value!);
  }

  /** Ask Yate's routers whether `user`, not seen registering since start, is registered. */
  async #learn(user: string, s: StoredSubscription): Promise<void> {
    const domain = /@([^;>]+)/.exec(s.localUri)?.[1] ?? '';
    const found = await lookupRoute(this.#k, user, { sender: s.watcher, domain }).catch(() => null);
    if (found) this.#remember(user, found.targets.length > 0);
  }

  /** The presentity's PIDF now. */
  #pidf(s: StoredSubscription, now: number): string {
    const user = s.presentity;
    // Seen registering since start: the view knows. Else what Yate's routers said, if asked.
    const here = this.#view.targets(user, now).length > 0 ? true : this.#view.seen(user) ? false : this.#routed.get(user) ?? null;
    // With a store shared by several nodes, not registered here says nothing of the others: the
    // user's publications (made on any node) speak then.
    const registered = here === false && this.#clustered ? null : here;
    return composePidf(/<([^>]*)>/.exec(s.localUri)?.[1] ?? s.localUri, presentityTuples(this.#book.all(s.presentity, now), registered));
  }

  #queueState(sub: Sub): void {
    if (sub.queued || sub.ended) return;
    sub.queued = true;
    sub.chain = sub.chain.then(() => {
      sub.queued = false;
      return this.#sendState(sub);
    });
  }

  #queueFinal(sub: Sub, reason: string): void {
    sub.chain = sub.chain.then(() => this.#send(sub, { terminated: reason }, this.#pidf(sub.s, Date.now())).then(() => undefined));
  }

  async #sendState(sub: Sub): Promise<void> {
    if (sub.ended || this.#closed) return;
    const now = Date.now();
    const pidf = this.#pidf(sub.s, now);
    if (!sub.force && pidf === sub.sent) return;
    sub.force = false;
    const left = Math.max(1, Math.round((sub.s.expiresAt - now) / 1000));
    const ok = await this.#send(sub, { active: left }, pidf);
    if (ok) sub.sent = pidf;
  }

  /** One NOTIFY; true when the watcher accepted it (2xx). */
  async #send(sub: Sub, state: SubscriptionState, pidf: string): Promise<boolean> {
    const k = this.#k;
    const s = sub.s;
    const cseq = s.cseq + 1;
    sub.s = { ...s, cseq };
    // The CSeq is stored before it is used: after a restart the next NOTIFY's is still higher.
    if (!sub.ended) await this.#store.save(sub.s).catch((err: Error) => k.log.error(`subscription store ${this.#store.name}: ${err.message}`));
    const outcome = await this.#turnOf(s.watcher, () => sendNotify(k, notifyParams(k, sub.s, cseq, state, pidf)));
    const what = 'active' in state ? 'active' : `terminated;reason=${state.terminated}`;
    const result = 'code' in outcome ? String(outcome.code) : `not sent (${outcome.error})`;
    k.log.debug(`NOTIFY ${toText(s.presentity)} -> ${toText(s.watcher)} ${what} cseq ${cseq} => ${result}`);
    if (endsSubscription(outcome)) {
      await this.#drop(sub, `the watcher answered the NOTIFY ${(outcome as { code: number }).code}`);
      return false;
    }
    if ('error' in outcome && !sub.ended) this.#retry.add(s.presentity);
    return 'code' in outcome && outcome.code >= 200 && outcome.code < 300;
  }

  /** Run `send` when `watcher` has no NOTIFY in flight: its NOTIFYs go one after the other,
   *  whatever subscription they belong to. */
  #turnOf<T>(watcher: string, send: () => Promise<T>): Promise<T> {
    const before = this.#toWatcher.get(watcher) ?? Promise.resolve();
    const mine = before.then(send, send);
    const settled = mine.then(() => undefined, () => undefined);
    this.#toWatcher.set(watcher, settled);
    void settled.then(() => {
      if (this.#toWatcher.get(watcher) === settled) this.#toWatcher.delete(watcher);
    });
    return mine;
  }

  /** Once a second: expired subscriptions end; expired publications and registrations of
   *  watched users, and NOTIFYs that could not be sent, make their watchers hear again. */
  #check(now: number): void {
    if (this.#closed || (now < this.#nextCheck && this.#retry.size === 0)) return;
    let next = Infinity;
    for (const sub of [...this.#byId.values()]) {
      if (sub.s.expiresAt <= now) {
        void this.#drop(sub, 'expired').then(() => this.#queueFinal(sub, 'timeout'));
        continue;
      }
      next = Math.min(next, sub.s.expiresAt);
    }
    for (const user of this.#byPresentity.keys()) {
      const due = Math.min(this.#book.nextExpiry(user), this.#view.nextExpiry(user));
      // Due: told now, and looked at again at the next check (its following deadline).
      if (due <= now) this.changed(user);
      next = Math.min(next, due <= now ? now + CHECK_MS : due);
    }
    for (const user of this.#retry) this.changed(user);
    this.#retry.clear();
    this.#nextCheck = next;
  }
}
