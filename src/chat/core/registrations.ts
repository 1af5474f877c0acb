// Who is registered where, as far as the registrations Yate dispatched tell: the view that lets
// a MESSAGE to a registered user be routed without asking Yate (no call.route round trip).
//
// Fed by watching `user.register` and `user.unregister` (docs/yate-module.md, "Registrations"):
// - user.register (only when a registrar processed it): `username` (or `number`), `data` (the
//   route, e.g. sip/sip:234@10.0.0.7:5062), `expires` seconds, and the route params the
//   registrar copies into call.route (`route_params` lists them: ysipchan names oconnection_id);
// - user.unregister with `username` (a REGISTER with Expires: 0; regfile forgets the user), or
//   with only `connection_id` (ysipchan: a TCP/TLS connection went down; every registration
//   made over it is gone);
// - expiry: regfile drops an expired registration silently (it checks every 30 s and
//   dispatches nothing), so each entry carries its own expiry and is dead from then on.
//
// The view is a cache of the registrar, never the authority. A user it does not hold is not
// "offline": the caller asks Yate's routers (call.route), which is also what happens for
// every user until they register again after yate-chat (re)starts. Mirroring regfile, which
// keeps ONE registration per user (the latest), is the default; with another registrar
// (`multi`) every live contact is kept and a user with several is left to the routers.
import { isHost } from '../../config/index.js';
import type { DispatchResult } from '../../engine/connection.js';
import { targetsOf, type Target } from './sip.js';

interface Contact {
  readonly target: Target;
  /** The connection it registered over (for a connection-down unregister). */
  readonly connectionId: string;
  /** ms; Infinity when the registration named no expiry. */
  readonly expiresAt: number;
  /** The domain the user registered in ('' when none, or not a host). */
  readonly domain: string;
}

export interface RegistrationsOptions {
  /** One registration per user, the latest wins (regfile) [true]; false keeps each contact. */
  readonly single?: boolean;
  /** Most users held; past it the oldest registration is forgotten (then asked for) [100000]. */
  readonly maxUsers?: number;
  /** The domain a registration names, when it is a host (Kernel.checkedHost), else ''. */
  readonly checkHost?: (domain: string | undefined) => string;
}

export class Registrations {
  readonly #byUser = new Map<string, Contact[]>();
  /** Users seen registering since start (offline.knownUsers "registered"), oldest first. */
  readonly #seen = new Set<string>();
  readonly #single: boolean;
  readonly #max: number;
  readonly #checkHost: (domain: string | undefined) => string;

  constructor(opts: RegistrationsOptions = {}) {
    this.#single = opts.single ?? true;
    this.#max = opts.maxUsers ?? 100_000;
    this.#checkHost = opts.checkHost ?? ((d) => (d && isHost(d) ? d : ''));
  }

  get size(): number {
    return this.#byUser.size;
  }

  /** A user.register notification. Returns the user and its targets when it was taken in. */
  onRegister(n: DispatchResult, now = Date.now()): { user: string; targets: Target[] } | null {
    if (!n.processed) return null;
    const m = n.message;
    const user = m.get('username') || m.get('number') || '';
    const data = m.get('data') ?? '';
    if (!user || !data) return null;
    const targets = targetsOf(data, (k) => m.get(k));
    if (targets.length !== 1) return { user, targets };
    const expires = Number.parseInt(m.get('expires') ?? '', 10);
    const contact: Contact = {
      target: targets[0]!,
      connectionId: m.get('oconnection_id') ?? m.get('connection_id') ?? '',
      expiresAt: expires > 0 ? now + expires * 1000 : Infinity,
      domain: this.#checkHost(m.get('domain')),
    };
    const kept = this.#single ? [] : this.#live(user, now).filter((c) => c.target.callto !== contact.target.callto);
    this.#byUser.delete(user); // re-inserted last: the Map's order is the eviction order
    this.#byUser.set(user, [...kept, contact]);
    this.#remember(user);
    if (this.#byUser.size > this.#max) this.#byUser.delete(this.#byUser.keys().next().value!);
    return { user, targets };
  }

  /** A user.unregister notification (processed or not: regfile answers false for a connection).
   *  Returns the users it concerned (the one named, or those registered over the connection). */
  onUnregister(n: DispatchResult): string[] {
    const m = n.message;
    const user = m.get('username') || m.get('number') || '';
    if (user) {
      const data = m.get('data');
      const left = this.#single || !data ? [] : (this.#byUser.get(user) ?? []).filter((c) => c.target.callto !== data);
      if (left.length) this.#byUser.set(user, left);
      else this.#byUser.delete(user);
      return [user];
    }
    const conn = m.get('connection_id');
    if (!conn) return [];
    const gone: string[] = [];
    for (const [u, list] of this.#byUser) {
      const left = list.filter((c) => c.connectionId !== conn);
      if (left.length === list.length) continue;
      gone.push(u);
      if (left.length) this.#byUser.set(u, left);
      else this.#byUser.delete(u);
    }
    return gone;
  }

  /** When the user's next live registration expires (ms), Infinity when none does. */
  nextExpiry(user: string): number {
    let next = Infinity;
    for (const c of this.#byUser.get(user) ?? []) next = Math.min(next, c.expiresAt);
    return next;
  }

  /** The live contacts of `user`, as routes ([] when the view holds none). */
  targets(user: string, now = Date.now()): Target[] {
    return this.#live(user, now).map((c) => c.target);
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

  /** Forget everything (the link to Yate was lost: registrations meanwhile went unseen). */
  clear(): void {
    this.#byUser.clear();
  }

  #live(user: string, now: number): Contact[] {
    const list = this.#byUser.get(user);
    if (!list) return [];
    const live = list.filter((c) => c.expiresAt > now);
    if (live.length !== list.length) {
      if (live.length) this.#byUser.set(user, live);
      else this.#byUser.delete(user);
    }
    return live;
  }

  #remember(user: string): void {
    this.#seen.delete(user);
    this.#seen.add(user);
    if (this.#seen.size > this.#max) this.#seen.delete(this.#seen.values().next().value!);
  }
}
