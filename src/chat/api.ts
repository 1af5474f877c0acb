// What the chat module offers the faces built on it (rmanager's `chat` commands in src/admin,
// an HTTP face): counters, presence, the offline queue, purge and send, with typed results.
// Text in and out: user names, notes and bodies are JS strings (UTF-8 on the wire), converted
// here to and from the byte strings the pipeline works in (protocol/bytes.ts). A face never
// reaches into the rooms: this facade is built from the parts module.ts hands it.
import { isHost, type Mode } from '../config/index.js';
import { YateChatError } from '../errors.js';
import { fromText, toText } from '../protocol/bytes.js';
import type { StoreSummary } from '../store/index.js';
import { groupsApi, type GroupsApi, type GroupsApiParts } from './api-groups.js';
import type { Kernel } from './core/kernel.js';
import type { Device } from './core/registrations.js';
import { bodyHeaders, type Outgoing } from './core/outgoing.js';
import type { Stats } from './core/stats.js';
import { DEFAULT_ANTILOOP } from './core/vocabulary.js';
import type { Messaging } from './messaging/index.js';
import type { OfflineQueue } from './offline/index.js';
import type { PresenceBook } from './presence/book.js';
import type { Watchers } from './presence/watchers.js';

/** Counters since start (`status yate-chat`, `chat stats`). */
export interface ChatStats {
  readonly mode: Mode;
  /** MESSAGEs offered to the pipeline (both SIP paths). */
  readonly received: number;
  /** Handed to ysipchan in place: the sender hears the recipient's own code from ysipchan. */
  readonly handed: number;
  /** Delivered by yate-chat itself and answered 2xx. */
  readonly delivered: number;
  readonly stored: number;
  readonly offlineDelivered: number;
  /** Stored messages the recipient's device refused for good (a final code not in
   *  offline.storeCodes): deleted undelivered. */
  readonly offlineRefused: number;
  /** Stored messages given up after offline.maxAttempts failed deliveries. */
  readonly offlineGaveUp: number;
  /** Every refusal, whatever its code. */
  readonly rejected: number;
  /** Refusals per SIP code, codes ascending. */
  readonly rejectedByCode: Readonly<Record<number, number>>;
  readonly rateLimited: number;
  /** Users whose presence is held. */
  readonly presence: number;
  /** The offline store's name (`sqlite:/path`, `memory`), or null when it is off. */
  readonly store: string | null;
  /** Median time Yate took to answer our dispatches, or null before the first. */
  readonly rttP50Ms: number | null;
  /** Messages Yate offered the module (each holds a Yate thread until answered). */
  readonly offered: number;
  /** Messages the module emitted (each run by a Yate worker). */
  readonly emitted: number;
  /** Live presence subscriptions (SUBSCRIBE); 0 when presence.subscribe is off. */
  readonly subscriptions: number;
  /** Why the offline store cannot be used now (it could not be opened, its server is away);
   *  null when it can, or when it is off. */
  readonly storeProblem: string | null;
  /** Where presence subscriptions are kept (the store's name, or `memory`); null when
   *  presence.subscribe is off. */
  readonly subscriptionStore: string | null;
  /** Why they are kept in memory only (the store could not be opened for them); else null. */
  readonly subscriptionProblem: string | null;
  /** Devices in the registration view, every user together. */
  readonly devices: number;
  /** MESSAGEs yate-chat sent to several devices of a user, or to one that may sleep. */
  readonly forks: number;
  /** Copies delivered to a device when it registered (owed to it, or recent ones it never had). */
  readonly lateDelivered: number;
  /** Push requests the gateway took (2xx). */
  readonly pushes: number;
  /** Groups there are now (the rules' and the run-time ones). */
  readonly groups: number;
  /** Messages posted to groups, and the copies they became. */
  readonly groupMessages: number;
  readonly groupCopies: number;
  /** The history's entries written to the store, waiting to be, and dropped; null when it is off. */
  readonly history: { readonly written: number; readonly waiting: number; readonly dropped: number } | null;
}

/** A device of a user, as the registration view holds it (`chat devices USER`, GET /v1/devices/USER). */
export interface DeviceInfo {
  /** Its name: the `+sip.instance` of its Contact (`urn:uuid:...`), else its Contact URI. */
  readonly device: string;
  /** Its Contact URI, where MESSAGEs for it go. */
  readonly contact: string;
  /** Its User-Agent ('' when none). */
  readonly userAgent: string;
  /** When this node first saw it register, and when its registration runs out (ms since the
   *  epoch; null: no expiry named). */
  readonly since: number;
  readonly expiresAt: number | null;
  /** RFC 8599: its push provider and the start of its token (never all of it); null: an
   *  ordinary device. */
  readonly push: { readonly provider: string; readonly prid: string } | null;
  /** Copies waiting for it in the offline store; null when the store is off or cannot say. */
  readonly owed: number | null;
}

/** What GET /healthz answers: can this module do its work now? Nothing private in it. */
export interface ChatHealth {
  /** The link to Yate is up and the offline store, when on, can be used. */
  readonly ok: boolean;
  readonly engine: 'up' | 'down';
  readonly store: 'ok' | 'unavailable' | 'off';
  /** `unavailable`: kept in memory only, lost at a restart (not counted against `ok`). */
  readonly subscriptions: 'ok' | 'unavailable' | 'off';
}

/** A presence a user PUBLISHed (one per device: RFC 3903 publications). */
export interface PresenceInfo {
  readonly user: string;
  /** PIDF <basic>: open | closed | unknown. */
  readonly basic: string;
  /** PIDF <note>, '' when none. */
  readonly note: string;
  /** When it was published (ms since the epoch). */
  readonly since: number;
  /** When it stops being valid (ms since the epoch). */
  readonly expiresAt: number | null;
}

/** A presence subscription (SUBSCRIBE, Event: presence). */
export interface WatcherInfo {
  /** Who watches (the authenticated subscriber). */
  readonly watcher: string;
  /** Whose presence. */
  readonly presentity: string;
  /** When the subscription ends unless refreshed (ms since the epoch). */
  readonly expiresAt: number;
}

/** A recipient with messages waiting in the offline store. */
export interface QueueSummary {
  readonly user: string;
  readonly count: number;
  /** When the oldest was received (ms since the epoch). */
  readonly oldest: number;
}

/** A message waiting in the offline store. */
export interface QueuedMessage {
  readonly id: number;
  readonly from: string;
  /** ms since the epoch. */
  readonly receivedAt: number;
  readonly expiresAt: number;
  readonly contentType: string;
  /** How the body is encoded as Yate gave it (`base64`...), '' for a text body. */
  readonly bodyEncoding: string;
  /** The body as text (UTF-8 decoded; an encoded body as its encoding wrote it). */
  readonly body: string;
  /** The body's size in bytes. */
  readonly bytes: number;
  /** The SIP headers it will carry (Call-ID, Content-Encoding...); {} when none. */
  readonly headers: Readonly<Record<string, string>>;
  /** Failed delivery attempts so far. */
  readonly attempts: number;
}

/** One user's queue: the first `limit` messages, oldest first, and how many wait in all. */
export interface UserQueue {
  readonly user: string;
  readonly total: number;
  readonly messages: readonly QueuedMessage[];
}

export interface SendRequest {
  /** The sender: `USER`, or `USER@DOMAIN` (a host name or address) to write From/To in that
   *  domain. A bare USER takes the rules' `domain`, else the one USER registered in, else none
   *  (ysipchan then writes its own address): never a domain another sender used. */
  readonly from: string;
  /** The recipient: `USER` (or `USER@anything`: the user part is routed). */
  readonly to: string;
  readonly text: string;
  /** Content type [text/plain]. */
  readonly type?: string;
  /** `base64`: `text` is the body's bytes in base64 (a binary body, say a deflated IMDN receipt),
   *  sent as Yate carries binary bodies (xsip_body_encoding); none: `text` is the body (UTF-8). */
  readonly bodyEncoding?: 'base64';
  /** Headers that describe the body (Content-Encoding, Content-Language, Content-Disposition;
   *  names in any case), sent with it. */
  readonly headers?: Readonly<Record<string, string>>;
  /** Who asks [rmanager]: `rmanager` is the admin (routed without the sender's checks); `http`
   *  is a sender like a SIP client, so the sender's checks apply as to a MESSAGE from `from`
   *  (content type, size, deny lists, its rate limit). Also the `path` it is counted under. */
  readonly via?: 'rmanager' | 'http';
}

export interface SendResult {
  /** The SIP code a sender of this MESSAGE would get: 200 delivered, 202 kept or still going,
   *  404 no such user, the recipient's own code... (see the README, "What the sender gets"). */
  readonly code: number;
  /** Where it went, or why not. */
  readonly detail: string;
  /** Refused by the sender's rate limit (via http). */
  readonly rateLimited?: true;
  /** Headers a SIP answer would carry (Retry-After). */
  readonly headers?: Readonly<Record<string, string>>;
}

/** What GET /metrics reads, live (nothing copied: read it at once). */
export interface ChatMetrics {
  /** Counters and histograms as the pipeline keeps them (stats.ts). */
  readonly stats: Readonly<Stats>;
  /** Deliveries yate-chat runs itself now, and those waiting for a turn. */
  readonly deliveriesRunning: number;
  readonly deliveriesWaiting: number;
  /** NOTIFYs in flight (their own pool of Yate's workers), and those waiting for a turn. */
  readonly notifiesRunning: number;
  readonly notifiesWaiting: number;
  /** Senders the rate limiter remembers. */
  readonly rateLimitSenders: number;
  readonly presence: number;
  readonly offered: number;
  readonly emitted: number;
  /** Devices in the registration view. */
  readonly devices: number;
}

export interface ChatApi extends GroupsApi {
  stats(): ChatStats;
  /** The latest presence of every user, or every live publication of `user` (each device,
   *  the latest first); [] when none. */
  presence(user?: string): PresenceInfo[];
  /** Every presence subscription, or those watching `user`, by presentity then watcher; []
   *  when presence.subscribe is off. */
  watchers(user?: string): WatcherInfo[];
  /** `user`'s live devices, oldest registered first, with the copies each is owed; [] when the
   *  view holds none. Never rejects (a store that fails leaves `owed` null). */
  devices(user: string): Promise<DeviceInfo[]>;
  /** Every recipient with messages waiting. Rejects OFFLINE_DISABLED, STORE_FAILED. */
  queue(): Promise<QueueSummary[]>;
  /** `user`'s waiting messages, the first `limit` [100]. Rejects OFFLINE_DISABLED, STORE_FAILED. */
  queue(user: string, limit?: number): Promise<UserQueue>;
  /** Delete every message waiting for `user`; resolves with how many. Rejects OFFLINE_DISABLED,
   *  STORE_FAILED. */
  purge(user: string): Promise<number>;
  /** What the offline store holds, from the counts it keeps (never a scan: what a metrics scrape
   *  reads); expired messages count until the retry pass purges them. Rejects OFFLINE_DISABLED,
   *  STORE_FAILED. */
  stored(): Promise<StoreSummary>;
  /** Route and deliver a MESSAGE as if `from` sent it (the rules' routing, aliases and offline
   *  store; not the sender's checks). Rejects BAD_ARGUMENT for a request that cannot be sent. */
  send(req: SendRequest): Promise<SendResult>;
  metrics(): ChatMetrics;
  /** The engine link and the stores, now (no I/O). */
  health(): ChatHealth;
}

/** A whole base64 text (RFC 4648 alphabet, padded). */
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/** Content type of a sent message: type/subtype, optional parameters, nothing that breaks a line. */
const CONTENT_TYPE = /^[\w!#$%&'*+.^`|~-]+\/[\w!#$%&'*+.^`|~-]+(?:\s*;[^\x00-\x1f\x7f]*)?$/;

/** What the facade is built from (module.ts). */
export interface ApiParts extends Omit<GroupsApiParts, 'purge'> {
  readonly kernel: Kernel;
  readonly messaging: Pick<Messaging, 'submit'>;
  /** null when the offline store is off. */
  readonly queue: OfflineQueue | null;
  readonly book: PresenceBook;
  /** null when presence.subscribe is off. */
  readonly watchers: Watchers | null;
  /** Where subscriptions are kept, and why in memory only when the store failed them; null
   *  when presence.subscribe is off. */
  readonly subscriptionStore: { readonly name: string; readonly problem: string | null } | null;
  readonly view: { domainOf(user: string): string; devices(user: string): readonly Device[]; readonly deviceCount: number };
  /** The copies the offline store owes each device of `user` (device name -> count); null
   *  when the store is off. */
  readonly owed: ((user: string) => Promise<ReadonlyMap<string, number>>) | null;
}

/** How much of a push token is shown: enough to tell two apart, not enough to use one. */
const PRID_SHOWN = 8;

export function chatApi(parts: ApiParts): ChatApi {
  const { kernel: k, book } = parts;
  const store = () => {
    if (!parts.queue) throw new YateChatError('OFFLINE_DISABLED', 'the offline store is off (offline.enabled: false)');
    return parts.queue.store;
  };
  async function queue(): Promise<QueueSummary[]>;
  async function queue(user: string, limit?: number): Promise<UserQueue>;
  async function queue(user?: string, limit = 100): Promise<QueueSummary[] | UserQueue> {
    const s = store();
    if (user === undefined) {
      return (await s.recipients()).map((r) => ({ user: toText(r.recipient), count: r.count, oldest: r.oldest }));
    }
    const who = fromText(user);
    const messages = (await s.pending(who, limit)).map((m): QueuedMessage => ({
      id: m.id, from: toText(m.sender), receivedAt: m.receivedAt, expiresAt: m.expiresAt, contentType: toText(m.contentType),
      bodyEncoding: m.bodyEncoding, body: toText(m.body), bytes: m.body.length, attempts: m.attempts, headers: m.headers,
    }));
    return { user, total: messages.length < limit ? messages.length : await s.count(who), messages };
  }
  const storeHealth = () => parts.queue?.store.health() ?? null;
  return {
    ...groupsApi({ ...parts, purge: parts.queue ? (user) => parts.queue!.store.purge(user) : null }),
    stats() {
      const { stats, config, conn } = k;
      const health = storeHealth();
      const byCode = [...stats.rejected].sort((a, b) => a[0] - b[0]);
      return {
        mode: config.mode,
        received: stats.received,
        handed: stats.handed,
        delivered: stats.delivered,
        stored: stats.stored,
        offlineDelivered: stats.offlineDelivered,
        offlineRefused: stats.offlineDropped.refused,
        offlineGaveUp: stats.offlineDropped.attempts,
        rejected: byCode.reduce((sum, [, n]) => sum + n, 0),
        rejectedByCode: Object.fromEntries(byCode),
        rateLimited: stats.rateLimited,
        presence: book.size,
        store: parts.queue ? parts.queue.store.name : null,
        rttP50Ms: stats.roundTripP50(),
        offered: conn.counters.offered,
        emitted: conn.counters.emitted,
        subscriptions: parts.watchers?.size ?? 0,
        storeProblem: health && !health.ok ? health.reason : null,
        subscriptionStore: parts.subscriptionStore?.name ?? null,
        subscriptionProblem: parts.subscriptionStore?.problem ?? null,
        devices: parts.view.deviceCount,
        forks: stats.forks,
        lateDelivered: stats.lateDelivered,
        pushes: stats.pushes.sent,
        groups: parts.directory.list().length,
        groupMessages: stats.groups.messages,
        groupCopies: stats.groups.copies,
        history: parts.history && { written: stats.history.written, waiting: parts.history.waiting, dropped: stats.history.dropped },
      };
    },
    async devices(user) {
      const who = fromText(user);
      const list = parts.view.devices(who);
      let owed: ReadonlyMap<string, number> | null = null;
      if (list.length && parts.owed) owed = await parts.owed(who).catch(() => null);
      return list.map((d): DeviceInfo => ({
        device: toText(d.key),
        contact: toText(d.target.callto.replace(/^sip\//, '')),
        userAgent: toText(d.userAgent),
        since: d.since,
        expiresAt: Number.isFinite(d.expiresAt) ? d.expiresAt : null,
        push: d.push ? { provider: d.push.provider, prid: d.push.prid.length > PRID_SHOWN ? `${d.push.prid.slice(0, PRID_SHOWN)}...` : d.push.prid } : null,
        owed: owed === null ? null : owed.get(d.key) ?? 0,
      }));
    },
    health() {
      const engine = k.conn.state === 'open' ? 'up' : 'down';
      const s = storeHealth();
      const store = s === null ? 'off' : s.ok ? 'ok' : 'unavailable';
      const subs = parts.subscriptionStore;
      const subscriptions = subs === null ? 'off' : subs.problem === null ? 'ok' : 'unavailable';
      return { ok: engine === 'up' && store !== 'unavailable', engine, store, subscriptions };
    },
    presence(user) {
      const list = user === undefined ? book.list() : book.all(fromText(user));
      return list.map((p) => ({ user: toText(p.user), basic: p.basic, note: p.note, since: p.at, expiresAt: p.expiresAt }));
    },
    watchers(user) {
      const list = parts.watchers?.list(user === undefined ? undefined : fromText(user)) ?? [];
      return list.map((w) => ({ watcher: toText(w.watcher), presentity: toText(w.presentity), expiresAt: w.expiresAt }));
    },
    queue,
    async purge(user) {
      return store().purge(fromText(user));
    },
    async stored() {
      return store().summary();
    },
    async send(req) {
      const from = fromText(req.from);
      const at = from.indexOf('@');
      const sender = at < 0 ? from : from.slice(0, at);
      const given = at < 0 ? null : from.slice(at + 1);
      const called = fromText(req.to).split('@')[0]!;
      const type = req.type ?? 'text/plain';
      if (!sender) throw new YateChatError('BAD_ARGUMENT', `no sender user in ${JSON.stringify(req.from)}`);
      if (given !== null && !isHost(given)) throw new YateChatError('BAD_ARGUMENT', `not a domain: ${toText(given)}`);
      if (!called) throw new YateChatError('BAD_ARGUMENT', `no recipient user in ${JSON.stringify(req.to)}`);
      if (!req.text) throw new YateChatError('BAD_ARGUMENT', 'no text to send');
      if (!CONTENT_TYPE.test(type)) throw new YateChatError('BAD_ARGUMENT', `not a content type: ${JSON.stringify(type)}`);
      const base64 = req.bodyEncoding === 'base64';
      if (req.bodyEncoding !== undefined && !base64) throw new YateChatError('BAD_ARGUMENT', `bodyEncoding must be "base64", got ${JSON.stringify(req.bodyEncoding)}`);
      if (base64 && !BASE64.test(req.text)) throw new YateChatError('BAD_ARGUMENT', 'the body is not base64 (bodyEncoding "base64")');
      const headers = bodyHeaders(req.headers ?? {});
      if (typeof headers === 'string') throw new YateChatError('BAD_ARGUMENT', headers);
      const domain = given ?? k.config.domain ?? parts.view.domainOf(sender);
      const out: Outgoing = {
        sender, domain, called, type: fromText(type), antiloop: DEFAULT_ANTILOOP, headers,
        // A binary body goes as Yate carries one: its base64 text, and the encoding's name.
        body: base64 ? req.text : fromText(req.text), encoding: base64 ? 'base64' : '',
      };
      const r = await parts.messaging.submit(out, req.via === 'http' ? 'http' : 'rmanager');
      return { ...r, detail: toText(r.detail) };
    },
    metrics() {
      return {
        stats: k.stats,
        deliveriesRunning: k.slots.running,
        deliveriesWaiting: k.slots.waiting,
        notifiesRunning: k.notifySlots.running,
        notifiesWaiting: k.notifySlots.waiting,
        rateLimitSenders: k.rateSenders,
        presence: book.size,
        offered: k.conn.counters.offered,
        emitted: k.conn.counters.emitted,
        devices: parts.view.deviceCount,
      };
    },
  };
}
