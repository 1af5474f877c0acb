// Store-and-forward (what Kamailio's msilo does for SIP operators): a MESSAGE that cannot be
// delivered now is committed to the store, the sender gets 202 Accepted, and it goes out when
// the recipient registers (or a periodic retry finds a route), oldest first, with the headers it
// came with (its Call-ID, those describing its body). Device by device (docs/devices.md): each
// device of the recipient gets what it is owed (a fork's copy it did not take), what no device
// took yet, and what another device took within the late window (offline.lateWindowSeconds),
// each once; a message goes when no device is owed it any more and its window is over. One
// delivery run per recipient at a time, so a registration and a retry never send the same
// message twice; with a store several Yate nodes share, one node at a time too (lease.ts).
//
// What ends a message for a device other than its delivery, so that no message holds back the
// ones behind it (issue 19: a Linphone receipt that baresip answered 415 blocked a text for
// seven days):
//   the device refuses it for good   a final code of the far end's own that is not in
//                                     offline.storeCodes: that device is done with it (logged,
//                                     counted; the user's other devices that never had it get it
//                                     within the late window); its run goes on with the next one
//   offline.maxAttempts failures     dropped for every device, logged, counted; the run stops
//                                     (the device is not reachable now)
//   any other failure                 counted on the message (attempts); the device's run stops
// A code yate-chat or ysipchan stands in with (no answer at all, nothing sent, Yate too slow)
// is never a refusal: only the attempts bound ends such a message.
//
// Two kinds of stored messages are passed over by the runs (issue 21): one kept while its first
// delivery is still under way (hold: the sender was told 202 before the far end answered), and
// one a device took (or the whole message delivered) whose write failed (a full disk):
// remembered until the write succeeds, so it never goes out twice and the rest of the queue does
// not wait behind it.
import { baseMimeType } from '../../config/index.js';
import { toText } from '../../protocol/bytes.js';
import { isYateChatError } from '../../errors.js';
import { isStoreUnreachable, type MessageStore, type StoredMessage } from '../../store/index.js';
import { attempt, type Attempt } from '../core/deliver.js';
import type { Kernel } from '../core/kernel.js';
import type { Held, Outgoing } from '../core/outgoing.js';
import { lookupRoute } from '../core/router.js';
import { Semaphore } from '../core/semaphore.js';
import { fromHeader, sipUri, type Target } from '../core/sip.js';
import { DEFAULT_ANTILOOP, ISCOMPOSING_TYPE } from '../core/vocabulary.js';
import { DeliveryLease } from './lease.js';

/** A device to deliver to: its name (the view's, or the Contact URI of a route Yate's routers
 *  gave) and the route to it. */
export interface DeviceRoute {
  readonly key: string;
  readonly target: Target;
}

/** What the offline queue needs from outside its room (module.ts hands it over). */
export interface OfflineDeps {
  readonly kernel: Kernel;
  readonly store: MessageStore;
  /** The registration view: the devices a user registered here, and who registered since start. */
  readonly view: {
    devices(user: string): readonly DeviceRoute[];
    seen(user: string): boolean;
  };
}

/** A route Yate's routers gave as a device: named by its Contact URI, as the view names a device
 *  without an instance id. */
export function routeDevice(target: Target): DeviceRoute {
  return { key: sipUri(target.callto) ?? target.callto, target };
}

/** What keepCopies answers: the sender's code (202 once committed) and the stored id. */
export interface Kept {
  readonly code: number;
  readonly id: number | null;
}


/** Messages read from the store per round of a delivery run. */
const BATCH = 50;

/** Users delivered to at once: a few more than the deliveries in flight (semaphore.ts), so that a
 *  user waiting on a slow device does not hold everyone else back. */
const FLUSHING = 16;

/** A shared store: how often a node whose lease request was refused asks again (while the user
 *  is registered here), at most. The other node may stop at a failure without emptying the queue. */
const BUSY_RETRY_MS = 1000;
const BUSY_RETRIES = 60;

export class OfflineQueue {
  readonly store: MessageStore;
  readonly #k: Kernel;
  readonly #deps: OfflineDeps;
  readonly #running = new Map<string, Promise<void>>();
  /** Runs queued behind the one in progress, not started yet: a new request joins one (its
   *  devices: undefined for every device of the user). */
  readonly #queued = new Map<string, { devices: readonly DeviceRoute[] | undefined }>();
  /** Users whose lease another node held, asked again every BUSY_RETRY_MS: how many times. */
  readonly #busy = new Map<string, number>();
  #closed = false;
  /** Users whose messages are going out at once. When many register together (after a Yate
   *  restart), the others wait their turn holding only their name, not a batch of messages. */
  readonly #flushing = new Semaphore(FLUSHING, Infinity); // bounded by the users who register
  #timer: NodeJS.Timeout | null = null;
  #retrying = false;
  /** Ids whose first delivery is still under way (hold): no run sends them meanwhile. */
  readonly #inFlight = new Set<number>();
  /** Ids delivered (2xx) whose DELETE failed: never sent again, deleted at the next pass. */
  readonly #delivered = new Set<number>();
  /** `id device` a device took (or refused) whose note in the store failed: never sent to that
   *  device again, noted at the next pass (the late window it starts is then a little late). */
  readonly #done = new Set<string>();
  /** `id device`: a fork's copy kept while its first delivery to that device is still under way
   *  (the sender was told 202 before the device answered): that device's runs pass it over. */
  readonly #copiesInFlight = new Set<string>();

  constructor(deps: OfflineDeps) {
    this.#deps = deps;
    this.#k = deps.kernel;
    this.store = deps.store;
  }

  /** Start the periodic retry (and expiry purge). */
  start(): void {
    const every = this.#k.config.offline.retryIntervalSeconds * 1000;
    this.#timer = setInterval(() => void this.retryAll(), every);
    this.#timer.unref();
  }

  async close(): Promise<void> {
    this.#closed = true;
    if (this.#timer) clearInterval(this.#timer);
    await Promise.allSettled(this.#running.values());
    await this.store.close();
  }

  /** Is `user` someone whose messages we keep? (`offline.knownUsers` in the rules file.) */
  isKnown(user: string, routerError: string | null): boolean {
    const { offline, users } = this.#k.config;
    if (offline.knownUsers === 'anyone') return true;
    if (typeof offline.knownUsers === 'object') return offline.knownUsers.list.includes(user) || users.includes(user);
    return this.#deps.view.seen(user) || users.includes(user) || routerError === 'offline';
  }

  /** Keep a message for later. Resolves with the code for the sender: 202 once committed,
   *  480 when the recipient's quota is full, 503 when the whole store is (offline.maxMessages:
   *  the server is out of room, not the recipient; SIP has no 507), 413 when too large to keep,
   *  500 when the store fails. */
  async keep(out: Outgoing, recipient: string, now = Date.now()): Promise<number> {
    return (await this.#put(out, recipient, null, now)).code;
  }

  /** Keep `out` for the devices of `recipient` a fork owes it to (`owedBy`), noting those that
   *  took it (they never get it again; the others that never had it get it within the late
   *  window) and those that refused it for good. Those of `inFlight` (owed, still to answer) are
   *  passed over by their runs until settled(). Resolves like keep(), with the stored id. */
  async keepCopies(out: Outgoing, recipient: string, copies: { readonly owedBy: readonly string[]; readonly tookBy: readonly string[]; readonly refusedBy: readonly string[] }, inFlight: readonly string[] = [], now = Date.now()): Promise<Kept> {
    const kept = await this.#put(out, recipient, copies, now);
    if (kept.id !== null) for (const d of inFlight) this.#copiesInFlight.add(`${kept.id} ${d}`);
    return kept;
  }

  /** A device answered late a copy kept with keepCopies: it took it (true), refused it for good
   *  (false), or failed for now (null: it stays owed, for its next registration). */
  settled(id: number, device: string, took: boolean | null): void {
    this.#copiesInFlight.delete(`${id} ${device}`);
    if (took === null) return;
    void this.#doneWith(id, device);
  }

  /** How many copies each of `devices` of `user` would get now (their names -> counts). */
  async owedTo(user: string, devices: readonly string[]): Promise<Map<string, number>> {
    const out = new Map<string, number>();
    for (const d of devices) out.set(d, await this.store.countFor(user, d));
    return out;
  }

  /** When a copy taken now stops being offered to the recipient's other devices. */
  #lateUntil(now: number): number {
    return now + this.#k.config.offline.lateWindowSeconds * 1000;
  }

  /** Note that `device` is done with message `id` (took it, or refused it for good); a note that
   *  fails (a full disk) is remembered, so the device is not sent it again, and tried again at
   *  the next pass. Resolves false when it failed. */
  async #doneWith(id: number, device: string): Promise<boolean> {
    const key = `${id} ${device}`;
    try {
      await this.store.doneWith(id, device, this.#lateUntil(Date.now()));
      this.#done.delete(key);
      return true;
    } catch (err) {
      if (!this.#done.has(key) && !isStoreUnreachable(err)) this.#k.log.warn(`offline message ${id}: ${toText(device)} is done with it, but the store cannot note it yet (it is not sent to it again): ${(err as Error).message}`);
      this.#done.add(key);
      return false;
    }
  }

  /** Keep `out` while a delivery of it is still under way (the sender is told 202 only once it
   *  is kept). settle() says how the delivery ended: delivered, the kept copy is deleted; not,
   *  it stays for later. Until then no delivery run sends it. */
  async hold(out: Outgoing, recipient: string): Promise<Held> {
    const r = await this.#put(out, recipient, null, Date.now());
    if (r.id === null) return { code: r.code };
    const id = r.id;
    this.#inFlight.add(id);
    return {
      code: 202,
      settle: (delivered) => {
        this.#inFlight.delete(id);
        if (delivered) void this.#deleteDelivered(id);
        else void this.store.failed(id).catch(() => undefined);
      },
    };
  }

  async #put(out: Outgoing, recipient: string, copies: Parameters<OfflineQueue['keepCopies']>[2] | null, now: number): Promise<Kept> {
    // "is typing" indications (RFC 3994) mean nothing later: like msilo, never keep them.
    if (baseMimeType(out.type) === ISCOMPOSING_TYPE) return { code: 480, id: null };
    try {
      const stored = await this.store.put({
        recipient,
        sender: out.sender,
        senderUri: fromHeader(out.sender, out.domain, out.senderName),
        body: out.body,
        contentType: out.type,
        bodyEncoding: out.encoding,
        receivedAt: out.sentAt ?? now,
        params: { domain: out.domain, called: out.called, ...(out.senderName ? { senderName: out.senderName } : {}), ...(copies ? { forked: '1' } : {}) },
        headers: out.headers ?? {},
        ...(copies ? { ...copies, lateUntil: this.#lateUntil(now) } : {}),
      });
      this.#k.stats.stored++;
      return { code: 202, id: stored.id };
    } catch (err) {
      const code = isYateChatError(err, 'STORE_QUOTA') ? 480 : isYateChatError(err, 'STORE_FULL') ? 503 : isYateChatError(err, 'STORE_TOO_LARGE') ? 413 : 500;
      // An unreachable database is said once by the store, not for every message.
      if (code === 500 && !isStoreUnreachable(err)) this.#k.log.error(`cannot store a message for ${recipient}: ${(err as Error).message}`);
      return { code, id: null };
    }
  }

  /** A message was delivered: delete it; a DELETE that fails (a full disk) leaves its id
   *  remembered, so it is never sent again, and deleted at a later pass. */
  async #deleteDelivered(id: number): Promise<void> {
    try {
      await this.store.delivered(id);
      this.#delivered.delete(id);
    } catch (err) {
      if (!this.#delivered.has(id) && !isStoreUnreachable(err)) this.#k.log.warn(`offline message ${id} was delivered but cannot be deleted yet (it is not sent again): ${(err as Error).message}`);
      this.#delivered.add(id);
    }
  }

  /** Passed over by a device's run: under way elsewhere, delivered already, or done with by
   *  that device already. */
  #skipped(id: number, device: string): boolean {
    const key = `${id} ${device}`;
    return this.#inFlight.has(id) || this.#delivered.has(id) || this.#done.has(key) || this.#copiesInFlight.has(key);
  }

  /** `user` registered `devices` here: deliver what waits for them. */
  onRegister(user: string, devices: readonly DeviceRoute[]): void {
    if (devices.length) void this.flush(user, devices);
  }

  /** Notes and DELETEs that failed earlier, tried again. */
  async #catchUp(): Promise<void> {
    for (const id of [...this.#delivered]) await this.#deleteDelivered(id);
    for (const key of [...this.#done]) {
      const sp = key.indexOf(' ');
      await this.#doneWith(Number(key.slice(0, sp)), key.slice(sp + 1));
    }
  }

  /** Try every recipient with waiting messages (periodic), and purge what expired. */
  async retryAll(): Promise<void> {
    // One pass at a time: a pass slowed by unreachable contacts must not pile up behind itself.
    if (this.#retrying) return;
    this.#retrying = true;
    try {
      await this.#catchUp();
      await this.store.purgeExpired();
      for (const { recipient } of await this.store.recipients()) await this.flush(recipient);
    } catch (err) {
      if (!isStoreUnreachable(err)) this.#k.log.warn(`offline retry failed: ${(err as Error).message}`);
    } finally {
      this.#retrying = false;
    }
  }

  /** Deliver what waits for `user`'s devices (these, or every one), oldest first; a device
   *  stops at its first failure. Serialised per user; a request made while another waits its
   *  turn joins it (a burst of notifications is one run). */
  flush(user: string, devices?: readonly DeviceRoute[]): Promise<void> {
    const queued = this.#queued.get(user);
    if (queued) {
      if (!devices) queued.devices = undefined;
      else if (queued.devices) queued.devices = [...queued.devices.filter((d) => !devices.some((x) => x.key === d.key)), ...devices];
      return this.#running.get(user)!;
    }
    const entry = { devices };
    this.#queued.set(user, entry);
    const prev = this.#running.get(user) ?? Promise.resolve();
    const run = prev
      .then(() => {
        this.#queued.delete(user);
        return this.#flushing.run(() => this.#flush(user, entry.devices));
      })
      .catch((err: Error) => {
        if (!isStoreUnreachable(err)) this.#k.log.warn(`offline delivery to ${user} failed: ${err.message}`);
      });
    this.#running.set(user, run);
    void run.then(() => {
      if (this.#running.get(user) === run) this.#running.delete(user);
    });
    return run;
  }

  async #flush(user: string, known?: readonly DeviceRoute[]): Promise<void> {
    const shared = this.store.shared;
    if (!shared) {
      await this.#deliver(user, known, null);
      return;
    }
    const store = this.#k.config.offline.store;
    const lease = await DeliveryLease.take(shared, user, (store.kind === 'postgres' ? store.leaseSeconds ?? 15 : 15) * 1000);
    if (!lease) return this.#leased(user);
    this.#busy.delete(user);
    let emptied: boolean;
    try {
      emptied = await this.#deliver(user, known, lease);
    } finally {
      await lease.release();
    }
    // A message stored while we held the lease, whose notification found it taken: ours now.
    if (emptied && (await this.#owedHere(user)) > 0) void this.flush(user);
  }

  /** Copies waiting for the devices of `user` registered here. */
  async #owedHere(user: string): Promise<number> {
    let n = 0;
    for (const d of this.#deps.view.devices(user)) n += await this.store.countFor(user, d.key);
    return n;
  }

  /** Another node delivers `user`'s messages: ask again soon while they are registered here
   *  (it may stop at a failure of its own contact, or empty the queue just before a new one). */
  #leased(user: string): void {
    const tries = (this.#busy.get(user) ?? 0) + 1;
    if (tries > BUSY_RETRIES || this.#closed || !this.#deps.view.devices(user).length) {
      this.#busy.delete(user);
      return;
    }
    this.#busy.set(user, tries);
    setTimeout(() => {
      if (!this.#closed && this.#deps.view.devices(user).length) void this.flush(user);
    }, BUSY_RETRY_MS).unref();
  }

  /** Sends each device of `user` (`known`, else those registered here, else the routes Yate's
   *  routers give) what waits for it; true when every one got everything, false when one failed,
   *  no route was found, the lease was lost or some were passed over. */
  async #deliver(user: string, known: readonly DeviceRoute[] | undefined, lease: DeliveryLease | null): Promise<boolean> {
    await this.#catchUp();
    let devices = known ?? this.#deps.view.devices(user);
    if (!devices.length) {
      // Not registered here as far as we saw (another registrar, or before we started): ask.
      const [first] = await this.store.pending(user, 1);
      if (!first) return true;
      const found = await lookupRoute(this.#k, user, { sender: user, domain: this.#k.config.domain ?? this.#k.checkedHost(first.params.domain) });
      devices = found.targets.map(routeDevice);
      if (!devices.length) return false;
    }
    let emptied = true;
    for (const d of devices) {
      if (lease?.lost) return false;
      if (!(await this.#deliverTo(user, d, lease))) emptied = false;
    }
    return emptied;
  }

  /** Sends `device` of `user` what waits for it, oldest first, until none is left (true) or one
   *  fails for now, the lease is lost or some were passed over (false). A message it refuses for
   *  good is done with for that device, and its run goes on. */
  async #deliverTo(user: string, device: DeviceRoute, lease: DeliveryLease | null): Promise<boolean> {
    // Those passed over are read too (and left out), so that they cannot hide the rest.
    const next = async () => {
      const all = await this.store.pendingFor(user, device.key, BATCH + this.#inFlight.size + this.#delivered.size + this.#done.size + this.#copiesInFlight.size);
      const batch = all.filter((m) => !this.#skipped(m.id, device.key)).slice(0, BATCH);
      return { batch, passedOver: batch.length < all.length };
    };
    let { batch, passedOver } = await next();
    while (batch.length) {
      for (const m of batch) {
        if (lease?.lost) return false;
        const sent = await attempt(this.#k, device.target, outgoingOf(m, this.#k));
        if (sent.code >= 200 && sent.code < 300) {
          this.#k.stats.offlineDelivered++;
          // A copy another device took first, or one a fork kept for this device: a late delivery.
          if (m.lateUntil > 0 || m.params.forked) this.#k.stats.lateDelivered++;
          await this.#doneWith(m.id, device.key);
        } else if (!(await this.#failed(user, device, m, sent))) {
          return false;
        }
      }
      ({ batch, passedOver } = await next());
    }
    return !passedOver;
  }

  /** `m` was not delivered to `device`: that device is done with it (true: its run goes on) when
   *  it refused it for good; else count the attempt, or give the message up when that was the
   *  last one (false: the run stops). */
  async #failed(user: string, device: DeviceRoute, m: StoredMessage, sent: Attempt): Promise<boolean> {
    const { offline } = this.#k.config;
    const what = `offline message ${m.id} from ${toText(m.sender)} for ${toText(user)} [${toText(m.contentType)}]`;
    if (sent.farEnd && sent.code >= 300 && !offline.storeCodes.includes(sent.code)) {
      await this.#doneWith(m.id, device.key);
      this.#k.stats.offlineDropped.refused++;
      this.#k.log.warn(`${what} refused for good by the device (${sent.code}, not in offline.storeCodes): dropped for ${toText(device.key)}, the next one goes out`);
      return true;
    }
    if (m.attempts + 1 >= offline.maxAttempts) {
      await this.store.dropped(m.id);
      this.#k.stats.offlineDropped.attempts++;
      this.#k.log.warn(`${what} not delivered (${sent.code}) after ${m.attempts + 1} attempts (offline.maxAttempts): dropped (last tried ${toText(device.key)})`);
      return false;
    }
    await this.store.failed(m.id);
    this.#k.log.info(`${what} not delivered (${sent.code}) to ${toText(device.key)}; kept for later (attempt ${m.attempts + 1} of ${offline.maxAttempts})`);
    return false;
  }
}

function outgoingOf(m: StoredMessage, k: Kernel): Outgoing {
  return {
    sender: m.sender,
    ...(m.params.senderName ? { senderName: m.params.senderName } : {}),
    // A file written by an older version may hold any domain: it goes into From and To.
    domain: k.config.domain ?? k.checkedHost(m.params.domain),
    called: m.params.called ?? m.recipient,
    type: m.contentType,
    body: m.body,
    encoding: m.bodyEncoding,
    antiloop: DEFAULT_ANTILOOP,
    sentAt: m.receivedAt,
    headers: m.headers,
  };
}
