// Store-and-forward (what Kamailio's msilo does for SIP operators): a MESSAGE that cannot be
// delivered now is committed to the store, the sender gets 202 Accepted, and it goes out when
// the recipient registers (or a periodic retry finds a route), oldest first, each deleted only
// after a 2xx. One delivery run per recipient at a time, so a registration and a retry never
// send the same message twice.
import { isYateChatError } from '../errors.js';
import type { MessageStore, StoredMessage } from '../store/index.js';
import type { ChatContext } from './context.js';
import { lookupRoute, sendToAll, type Outgoing } from './deliver.js';
import { checkedHost } from './request.js';
import { baseMimeType } from '../config/index.js';
import { fromHeader, type Target } from './sip.js';
import { Slots } from './slots.js';

/** Users delivered to at once: a few more than the deliveries in flight (slots.ts), so that a
 *  user waiting on a slow device does not hold everyone else back. */
const FLUSHING = 16;

export class Offline {
  readonly store: MessageStore;
  readonly #ctx: ChatContext;
  readonly #running = new Map<string, Promise<void>>();
  /** Users whose messages are going out at once. When many register together (after a Yate
   *  restart), the others wait their turn holding only their name, not a batch of messages. */
  readonly #flushing = new Slots(FLUSHING, Infinity); // bounded by the users who register
  #timer: NodeJS.Timeout | null = null;
  #retrying = false;

  constructor(ctx: ChatContext, store: MessageStore) {
    this.#ctx = ctx;
    this.store = store;
  }

  /** Start the periodic retry (and expiry purge). */
  start(): void {
    const every = this.#ctx.config.offline.retryIntervalSeconds * 1000;
    this.#timer = setInterval(() => void this.retryAll(), every);
    this.#timer.unref();
  }

  async close(): Promise<void> {
    if (this.#timer) clearInterval(this.#timer);
    await Promise.allSettled(this.#running.values());
    await this.store.close();
  }

  /** Is `user` someone whose messages we keep? (`offline.knownUsers` in the rules file.) */
  isKnown(user: string, routerError: string | null): boolean {
    const { offline, users } = this.#ctx.config;
    if (offline.knownUsers === 'anyone') return true;
    if (typeof offline.knownUsers === 'object') return offline.knownUsers.list.includes(user) || users.includes(user);
    return this.#ctx.registrations.seen(user) || users.includes(user) || routerError === 'offline';
  }

  /** Keep a message for later. Resolves with the code for the sender: 202 once committed,
   *  480 when the recipient's quota is full, 503 when the whole store is (offline.maxMessages:
   *  the server is out of room, not the recipient; SIP has no 507), 413 when too large to keep,
   *  500 when the store fails. */
  async keep(out: Outgoing, recipient: string, now = Date.now()): Promise<number> {
    // "is typing" indications (RFC 3994) mean nothing later: like msilo, never keep them.
    if (baseMimeType(out.type) === 'application/im-iscomposing+xml') return 480;
    try {
      await this.store.put({
        recipient,
        sender: out.sender,
        senderUri: fromHeader(out.sender, out.domain, out.senderName),
        body: out.body,
        contentType: out.type,
        bodyEncoding: out.encoding,
        receivedAt: out.sentAt ?? now,
        params: { domain: out.domain, called: out.called, ...(out.senderName ? { senderName: out.senderName } : {}) },
      });
      this.#ctx.stats.stored++;
      return 202;
    } catch (err) {
      if (isYateChatError(err, 'STORE_QUOTA')) return 480;
      if (isYateChatError(err, 'STORE_FULL')) return 503;
      if (isYateChatError(err, 'STORE_TOO_LARGE')) return 413;
      this.#ctx.conn.log.error(`cannot store a message for ${recipient}: ${(err as Error).message}`);
      return 500;
    }
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
      await this.store.purgeExpired();
      for (const { recipient } of await this.store.recipients()) await this.flush(recipient);
    } catch (err) {
      this.#ctx.conn.log.warn(`offline retry failed: ${(err as Error).message}`);
    } finally {
      this.#retrying = false;
    }
  }

  /** Deliver `user`'s messages in order; stop at the first failure. Serialised per user. */
  flush(user: string, targets?: Target[]): Promise<void> {
    const prev = this.#running.get(user) ?? Promise.resolve();
    const run = prev.then(() => this.#flushing.run(() => this.#flush(user, targets))).catch((err: Error) => {
      this.#ctx.conn.log.warn(`offline delivery to ${user} failed: ${err.message}`);
    });
    this.#running.set(user, run);
    void run.then(() => {
      if (this.#running.get(user) === run) this.#running.delete(user);
    });
    return run;
  }

  async #flush(user: string, known?: Target[]): Promise<void> {
    let batch = await this.store.pending(user, 50);
    if (!batch.length) return;
    const targets = known?.length ? known : (await lookupRoute(this.#ctx, user, { sender: user, domain: this.#ctx.config.domain ?? checkedHost(batch[0]!.params.domain) })).targets;
    if (!targets.length) return;
    while (batch.length) {
      for (const m of batch) {
        const code = await sendToAll(this.#ctx, targets, outgoingOf(m, this.#ctx.config.domain));
        if (code < 200 || code >= 300) {
          await this.store.failed(m.id);
          this.#ctx.conn.log.info(`offline message ${m.id} for ${user} not delivered (${code}); kept for later`);
          return;
        }
        await this.store.delivered(m.id);
        this.#ctx.stats.offlineDelivered++;
      }
      batch = await this.store.pending(user, 50);
    }
  }
}

function outgoingOf(m: StoredMessage, domain: string | undefined): Outgoing {
  return {
    sender: m.sender,
    ...(m.params.senderName ? { senderName: m.params.senderName } : {}),
    // A file written by an older version may hold any domain: it goes into From and To.
    domain: domain ?? checkedHost(m.params.domain),
    called: m.params.called ?? m.recipient,
    type: m.contentType,
    body: m.body,
    encoding: m.bodyEncoding,
    antiloop: 20,
    sentAt: m.receivedAt,
  };
}
