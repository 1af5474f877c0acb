// Store-and-forward (what Kamailio's msilo does for SIP operators): a MESSAGE that cannot be
// delivered now is committed to the store, the sender gets 202 Accepted, and it goes out when
// the recipient registers (or a periodic retry finds a route), oldest first, with the headers it
// came with (its Call-ID, those describing its body), each deleted after a 2xx. One delivery run
// per recipient at a time, so a registration and a retry never send the same message twice;
// with a store several Yate nodes share, one node at a time too (lease.ts).
//
// What ends a message other than its delivery, so that no message holds back the ones behind it
// (issue 19: a Linphone receipt that baresip answered 415 blocked a text for seven days):
//   the device refuses it for good   a final code of the far end's own that is not in
//                                     offline.storeCodes: dropped, logged, counted; the run goes
//                                     on with the next message
//   offline.maxAttempts failures     dropped, logged, counted; the run stops (the device is not
//                                     reachable now), the next message goes out at the next run
//   any other failure                 counted on the message (attempts); the run stops
// A code yate-chat or ysipchan stands in with (no answer at all, nothing sent, Yate too slow)
// is never a refusal: only the attempts bound ends such a message.
//
// Two kinds of stored messages are passed over by the runs (issue 21): one kept while its first
// delivery is still under way (hold: the sender was told 202 before the far end answered), and
// one delivered whose DELETE failed (a full disk): remembered until the DELETE succeeds, so it
// never goes out twice and the rest of the queue does not wait behind it.
import { baseMimeType } from '../../config/index.js';
import { toText } from '../../protocol/bytes.js';
import { isYateChatError } from '../../errors.js';
import { isStoreUnreachable, type MessageStore, type StoredMessage } from '../../store/index.js';
import { attemptAll, type Attempt } from '../core/deliver.js';
import type { Kernel } from '../core/kernel.js';
import type { Held, Outgoing } from '../core/outgoing.js';
import { lookupRoute } from '../core/router.js';
import { Semaphore } from '../core/semaphore.js';
import { fromHeader, type Target } from '../core/sip.js';
import { DEFAULT_ANTILOOP, ISCOMPOSING_TYPE } from '../core/vocabulary.js';
import { DeliveryLease } from './lease.js';

/** What the offline queue needs from outside its room (module.ts hands it over). */
export interface OfflineDeps {
  readonly kernel: Kernel;
  readonly store: MessageStore;
  /** The registration view: where a user is registered here, and who registered since start. */
  readonly view: {
    targets(user: string): Target[];
    seen(user: string): boolean;
  };
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
  /** Runs queued behind the one in progress, not started yet: a new request joins one. */
  readonly #queued = new Map<string, { targets: Target[] | undefined }>();
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
    return (await this.#put(out, recipient, now)).code;
  }

  /** Keep `out` while a delivery of it is still under way (the sender is told 202 only once it
   *  is kept). settle() says how the delivery ended: delivered, the kept copy is deleted; not,
   *  it stays for later. Until then no delivery run sends it. */
  async hold(out: Outgoing, recipient: string): Promise<Held> {
    const r = await this.#put(out, recipient, Date.now());
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

  async #put(out: Outgoing, recipient: string, now: number): Promise<{ code: number; id: number | null }> {
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
        params: { domain: out.domain, called: out.called, ...(out.senderName ? { senderName: out.senderName } : {}) },
        headers: out.headers ?? {},
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

  /** Passed over by the delivery runs: under way elsewhere, or delivered already. */
  #skipped(id: number): boolean {
    return this.#inFlight.has(id) || this.#delivered.has(id);
  }

  /** `user` registered at `targets`: deliver what waits for them. */
  onRegister(user: string, targets: Target[]): void {
    if (targets.length) void this.flush(user, targets);
  }

  /** Try every recipient with waiting messages (periodic), and purge what expired. */
  async retryAll(): Promise<void> {
    // One pass at a time: a pass slowed by unreachable contacts must not pile up behind itself.
    if (this.#retrying) return;
    this.#retrying = true;
    try {
      for (const id of [...this.#delivered]) await this.#deleteDelivered(id);
      await this.store.purgeExpired();
      for (const { recipient } of await this.store.recipients()) await this.flush(recipient);
    } catch (err) {
      if (!isStoreUnreachable(err)) this.#k.log.warn(`offline retry failed: ${(err as Error).message}`);
    } finally {
      this.#retrying = false;
    }
  }

  /** Deliver `user`'s messages in order; stop at the first failure. Serialised per user; a
   *  request made while another waits its turn joins it (a burst of notifications is one run). */
  flush(user: string, targets?: Target[]): Promise<void> {
    const queued = this.#queued.get(user);
    if (queued) {
      if (targets?.length) queued.targets = targets;
      return this.#running.get(user)!;
    }
    const entry = { targets };
    this.#queued.set(user, entry);
    const prev = this.#running.get(user) ?? Promise.resolve();
    const run = prev
      .then(() => {
        this.#queued.delete(user);
        return this.#flushing.run(() => this.#flush(user, entry.targets));
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

  async #flush(user: string, known?: Target[]): Promise<void> {
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
    if (emptied && (await this.store.count(user)) > 0) void this.flush(user, known);
  }

  /** Another node delivers `user`'s messages: ask again soon while they are registered here
   *  (it may stop at a failure of its own contact, or empty the queue just before a new one). */
  #leased(user: string): void {
    const tries = (this.#busy.get(user) ?? 0) + 1;
    if (tries > BUSY_RETRIES || this.#closed || !this.#deps.view.targets(user).length) {
      this.#busy.delete(user);
      return;
    }
    this.#busy.set(user, tries);
    setTimeout(() => {
      const targets = this.#deps.view.targets(user);
      if (!this.#closed && targets.length) void this.flush(user, targets);
    }, BUSY_RETRY_MS).unref();
  }

  /** Sends `user`'s messages oldest first until none is left (true) or one fails for now, no
   *  route is found or the lease is lost (false). A message refused for good is dropped and the
   *  run goes on. */
  async #deliver(user: string, known: Target[] | undefined, lease: DeliveryLease | null): Promise<boolean> {
    for (const id of [...this.#delivered]) await this.#deleteDelivered(id);
    // Those passed over are read too (and left out), so that they cannot hide the rest.
    const next = async () => {
      const all = await this.store.pending(user, BATCH + this.#inFlight.size + this.#delivered.size);
      const batch = all.filter((m) => !this.#skipped(m.id)).slice(0, BATCH);
      return { batch, passedOver: batch.length < all.length };
    };
    let { batch, passedOver } = await next();
    if (!batch.length) return !passedOver;
    const targets = known?.length ? known : (await lookupRoute(this.#k, user, { sender: user, domain: this.#k.config.domain ?? this.#k.checkedHost(batch[0]!.params.domain) })).targets;
    if (!targets.length) return false;
    while (batch.length) {
      for (const m of batch) {
        if (lease?.lost) return false;
        const sent = await attemptAll(this.#k, targets, outgoingOf(m, this.#k));
        if (sent.code >= 200 && sent.code < 300) {
          this.#k.stats.offlineDelivered++;
          await this.#deleteDelivered(m.id);
        } else if (!(await this.#failed(user, m, sent))) {
          return false;
        }
      }
      ({ batch, passedOver } = await next());
    }
    return !passedOver;
  }

  /** `m` was not delivered: drop it (true: the run goes on) when the device refused it for good;
   *  else count the attempt, or give it up when that was the last one (false: the run stops). */
  async #failed(user: string, m: StoredMessage, sent: Attempt): Promise<boolean> {
    const { offline } = this.#k.config;
    const what = `offline message ${m.id} from ${toText(m.sender)} for ${toText(user)} [${toText(m.contentType)}]`;
    if (sent.farEnd && sent.code >= 300 && !offline.storeCodes.includes(sent.code)) {
      await this.store.dropped(m.id);
      this.#k.stats.offlineDropped.refused++;
      this.#k.log.warn(`${what} refused for good by the device (${sent.code}, not in offline.storeCodes): dropped, the next one goes out`);
      return true;
    }
    if (m.attempts + 1 >= offline.maxAttempts) {
      await this.store.dropped(m.id);
      this.#k.stats.offlineDropped.attempts++;
      this.#k.log.warn(`${what} not delivered (${sent.code}) after ${m.attempts + 1} attempts (offline.maxAttempts): dropped`);
      return false;
    }
    await this.store.failed(m.id);
    this.#k.log.info(`${what} not delivered (${sent.code}); kept for later (attempt ${m.attempts + 1} of ${offline.maxAttempts})`);
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
