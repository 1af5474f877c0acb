// Who is registered where, device by device, as far as the registrations Yate dispatched tell:
// the view that lets a MESSAGE to a registered user be routed without asking Yate (no call.route
// round trip), and sent to every device of the user (messaging/fork.ts).
//
// Fed by watching `user.register` and `user.unregister` (docs/yate-module.md, "Registrations";
// docs/devices.md), whatever the registrar keeps: regfile keeps ONE location per user (the latest
// REGISTER), yet every device keeps refreshing its own registration and each REGISTER dispatches
// user.register with that device's contact. So the view keeps each device:
// - user.register (only when a registrar processed it): `username` (or `number`), `data` (the
//   route: sip/ + the Contact URI with its parameters), `expires` seconds, the route params the
//   registrar copies into call.route (`oconnection_id`), `sip_contact` (the whole Contact header:
//   `+sip.instance` names the device, RFC 5626; else its Contact URI does), `device` (the
//   User-Agent), `sip_callid`. The Contact URI's RFC 8599 parameters make a device that may sleep
//   (core/devices.ts). A registration of the same device refreshes it in place; a registration
//   without +sip.instance that repeats a device's REGISTER Call-ID from a new Contact is that
//   device moved (RFC 3261 10.2.4: one Call-ID per boot cycle) and replaces it;
// - user.unregister with `username` (a REGISTER with Expires: 0): that device only (named as it
//   registered; without `data`, every device of the user); or with only `connection_id`
//   (ysipchan: a TCP/TLS connection went down): every device registered over it;
// - expiry: regfile drops an expired registration silently (it checks every 30 s and dispatches
//   nothing), so each device carries its own expiry and is dead from then on.
//
// The view is a cache of the registrations, never the authority. A user it does not hold is not
// "offline": the caller asks Yate's routers (call.route), which is also what happens for every
// user until they register again after yate-chat (re)starts.
import { isHost } from '../../config/index.js';
import type { DispatchResult } from '../../engine/connection.js';
import { deviceKey, pushOf, type PushParams } from './devices.js';
import { targetsOf, type Target } from './sip.js';

/** One registered device of a user. */
export interface Device {
  /** Its name: the `+sip.instance` of its Contact (`urn:uuid:...`), else its Contact URI. */
  readonly key: string;
  /** The route to it (`sip/` + its Contact URI) and the route params (oconnection_id). */
  readonly target: Target;
  /** The connection it registered over (for a connection-down unregister). */
  readonly connectionId: string;
  /** ms; Infinity when the registration named no expiry. */
  readonly expiresAt: number;
  /** The domain it registered in ('' when none, or not a host). */
  readonly domain: string;
  /** RFC 8599: it may sleep, and a push wakes it. null: an ordinary device. */
  readonly push: PushParams | null;
  /** Its User-Agent ('' when none). */
  readonly userAgent: string;
  /** The Call-ID of its REGISTERs ('' when none). */
  readonly callId: string;
  /** When this node first saw it register (ms). */
  readonly since: number;
}

export interface RegistrationsOptions {
  /** Most users held; past it the one registered longest ago is forgotten (then asked for) [100000]. */
  readonly maxUsers?: number;
  /** Most devices held, every user together; past it likewise [200000]. One user holds 64 at most. */
  readonly maxDevices?: number;
  /** The domain a registration names, when it is a host (Kernel.checkedHost), else ''. */
  readonly checkHost?: (domain: string | undefined) => string;
}

/** What a user.register that was taken in brought. */
export interface Registered {
  readonly user: string;
  /** The routes it named (several only for a `fork` route, which the view does not hold). */
  readonly targets: Target[];
  /** The device as the view now holds it; null for a route the view does not hold. */
  readonly device: Device | null;
}

const NONE: readonly Device[] = Object.freeze([]);
/** Devices of one user at most (the most a fork sends to, delivery.maxTargets, is 64): past it
 *  the one registered longest ago is forgotten. */
const PER_USER = 64;

/** A copy of `s` that keeps nothing else in memory. A value the decoder cut out of its line is a
 *  slice of that line (V8 keeps the whole line as long as the slice lives: some 600 bytes per
 *  REGISTER); the view keeps its strings for hours. Byte strings: latin1 round-trips them. */
function own(s: string): string {
  return s.length < 13 ? s : Buffer.from(s, 'latin1').toString('latin1');
}

/** Values most devices share (a User-Agent, the connection, the domain, route params), one copy
 *  each, up to a bound (then started afresh). */
class Shared<T> {
  readonly #map = new Map<string, T>();
  get(key: string, make: () => T): T {
    let v = this.#map.get(key);
    if (v === undefined) {
      if (this.#map.size >= 10_000) this.#map.clear();
      this.#map.set(key, (v = make()));
    }
    return v;
  }
}

/** The Contact URI of a route (`sip/sip:234@h:p;x` -> `sip:234@h:p;x`; another driver's whole route). */
function contactOf(target: Target): string {
  return target.callto.startsWith('sip/') ? target.callto.slice(4) : target.callto;
}
/** Longest Call-ID or User-Agent kept (longer ones are cut: they are only shown). */
const MAX_TEXT = 256;

export class Registrations {
  /** user -> live devices, oldest registered first; the Map's order is the eviction order. */
  readonly #byUser = new Map<string, Device[]>();
  /** Users seen registering since start (offline.knownUsers "registered"), oldest first. */
  readonly #seen = new Set<string>();
  readonly #maxUsers: number;
  readonly #maxDevices: number;
  readonly #checkHost: (domain: string | undefined) => string;
  readonly #texts = new Shared<string>();
  readonly #params = new Shared<Target['params']>();
  #devices = 0;

  constructor(opts: RegistrationsOptions = {}) {
    this.#maxUsers = opts.maxUsers ?? 100_000;
    this.#maxDevices = opts.maxDevices ?? 200_000;
    this.#checkHost = opts.checkHost ?? ((d) => (d && isHost(d) ? d : ''));
  }

  /** Users held. */
  get size(): number {
    return this.#byUser.size;
  }

  /** Devices held, every user together (some may have expired since they were last read). */
  get deviceCount(): number {
    return this.#devices;
  }

  /** A user.register notification. Returns the user, its targets and its device when taken in. */
  onRegister(n: DispatchResult, now = Date.now()): Registered | null {
    if (!n.processed) return null;
    const m = n.message;
    let user = m.get('username') || m.get('number') || '';
    const data = m.get('data') ?? '';
    if (!user || !data) return null;
    const targets = targetsOf(data, (k) => m.get(k));
    if (targets.length !== 1) return { user, targets, device: null };
    const given = targets[0]!;
    const target: Target = { callto: own(given.callto), params: this.#params.get(JSON.stringify(given.params), () => Object.freeze({ ...given.params })) };
    const uri = contactOf(target);
    const contact = m.get('sip_contact');
    const key = own(deviceKey(uri, contact));
    // The Call-ID only tells a device without an instance id that moved: not kept otherwise.
    const callId = key === uri ? own((m.get('sip_callid') ?? '').slice(0, MAX_TEXT)) : '';
    const expires = Number.parseInt(m.get('expires') ?? '', 10);
    const old = this.#live(user, now);
    const same = old.find((d) => d.key === key);
    const text = (v: string) => this.#texts.get(v, () => own(v));
    const device: Device = {
      key,
      target,
      connectionId: text(m.get('oconnection_id') ?? m.get('connection_id') ?? ''),
      expiresAt: expires > 0 ? now + expires * 1000 : Infinity,
      domain: text(this.#checkHost(m.get('domain'))),
      push: pushOf(uri),
      userAgent: text((m.get('device') ?? '').slice(0, MAX_TEXT)),
      callId,
      since: same?.since ?? now,
    };
    user = own(user);
    // The same device, or (no instance id) the same REGISTER Call-ID from a new Contact: replaced.
    const moved = (d: Device) => d.key === key || (!!callId && d.callId === callId && key === uri && d.key === contactOf(d.target));
    const kept = old.filter((d) => !moved(d)).slice(-(PER_USER - 1));
    this.#set(user, [...kept, device]);
    this.#remember(user);
    this.#bound(user);
    return { user, targets, device };
  }

  /** A user.unregister notification (processed or not: regfile answers false for a connection).
   *  Returns the users it concerned (the one named, or those registered over the connection). */
  onUnregister(n: DispatchResult): string[] {
    const m = n.message;
    const user = m.get('username') || m.get('number') || '';
    if (user) {
      const data = m.get('data');
      const key = data ? deviceKey(contactOf({ callto: data.trim(), params: {} }), m.get('sip_contact')) : null;
      this.#set(user, key === null ? [] : (this.#byUser.get(user) ?? []).filter((d) => d.key !== key));
      return [user];
    }
    const conn = m.get('connection_id');
    if (!conn) return [];
    const gone: string[] = [];
    for (const [u, list] of [...this.#byUser]) {
      const left = list.filter((d) => d.connectionId !== conn);
      if (left.length === list.length) continue;
      gone.push(u);
      this.#set(u, left);
    }
    return gone;
  }

  /** The live devices of `user`, oldest registered first (empty when the view holds none). */
  devices(user: string, now = Date.now()): readonly Device[] {
    return this.#live(user, now);
  }

  /** The live device of `user` named `key`, or undefined. */
  device(user: string, key: string, now = Date.now()): Device | undefined {
    return this.#live(user, now).find((d) => d.key === key);
  }

  /** The live contacts of `user`, as routes ([] when the view holds none). */
  targets(user: string, now = Date.now()): Target[] {
    return this.#live(user, now).map((d) => d.target);
  }

  /** When the user's next live registration expires (ms), Infinity when none does. */
  nextExpiry(user: string): number {
    let next = Infinity;
    for (const d of this.#byUser.get(user) ?? NONE) next = Math.min(next, d.expiresAt);
    return next;
  }

  /** The domain `user`'s latest live registration was made in ('' when none). */
  domainOf(user: string, now = Date.now()): string {
    return this.#live(user, now).at(-1)?.domain ?? '';
  }

  /** Has `user` registered since we started? */
  seen(user: string): boolean {
    return this.#seen.has(user);
  }

  /** `user` registered on another node (a shared store): known, though not routable from here. */
  know(user: string): void {
    this.#remember(user);
  }

  /** Forget every device (the link to Yate was lost: registrations meanwhile went unseen). */
  clear(): void {
    this.#byUser.clear();
    this.#devices = 0;
  }

  /** The user's devices, the expired ones dropped; the same array when none expired (the
   *  common case costs no allocation). */
  #live(user: string, now: number): readonly Device[] {
    const list = this.#byUser.get(user);
    if (!list) return NONE;
    for (const d of list) {
      if (d.expiresAt <= now) {
        const live = list.filter((x) => x.expiresAt > now);
        this.#devices -= list.length - live.length;
        if (live.length) this.#byUser.set(user, live);
        else this.#byUser.delete(user);
        return live;
      }
    }
    return list;
  }

  /** Replace `user`'s devices (none: the user is gone), keeping the count; a user with devices
   *  becomes the most recently registered. */
  #set(user: string, list: Device[]): void {
    this.#devices -= this.#byUser.get(user)?.length ?? 0;
    this.#byUser.delete(user);
    if (!list.length) return;
    this.#byUser.set(user, list);
    this.#devices += list.length;
  }

  /** Past a bound, forget the users registered longest ago (never `current`). */
  #bound(current: string): void {
    while (this.#byUser.size > this.#maxUsers || this.#devices > this.#maxDevices) {
      const [oldest, list] = this.#byUser.entries().next().value!;
      if (oldest === current) return;
      this.#byUser.delete(oldest);
      this.#devices -= list.length;
    }
  }

  #remember(user: string): void {
    this.#seen.delete(user);
    this.#seen.add(user);
    if (this.#seen.size > this.#maxUsers) this.#seen.delete(this.#seen.values().next().value!);
  }
}
