// The presence each user PUBLISHed (PIDF, read by pidf-read.ts), kept in memory with its time:
// one state per publication (RFC 3903: each device publishes under its own entity tag), at most
// MAX_PUBLICATIONS per user (the oldest dropped) and `max` users (the least recent forgotten),
// each with a note of bounded size. Watchers (watchers.ts) compose a user's publications. With a
// shared store (cluster.ts) each node writes there each publication it records or removes (a
// change listener) and takes the user's whole set as the store holds it (apply).
import { createHash } from 'node:crypto';
import { toText } from '../../protocol/bytes.js';
import type { Publication } from '../../store/index.js';
import { readPidf } from './pidf-read.js';

/** One live publication (a device's PUBLISH) of a user: the shape the store keeps too. */
export type Presence = Publication;

/**
 * Told of every change a PUBLISH made here (not of apply()): the publication recorded (new, or
 * replacing the one with its tuple id), or null, and the tuple ids of those it removed (an
 * Expires 0, or the oldest over MAX_PUBLICATIONS): a shared store writes just that.
 */
export type ChangeListener = (user: string, saved: Presence | null, removed: readonly string[]) => void;

/** RFC 3903: a PUBLISH without Expires lasts an hour. */
export const DEFAULT_PUBLISH_EXPIRES = 3600;
/** Publications (devices) kept per user; a further one replaces the oldest. */
export const MAX_PUBLICATIONS = 8;

export class PresenceBook {
  /** user -> etag -> state, both in insertion order (the Maps' order is the eviction order). */
  readonly #byUser = new Map<string, Map<string, Presence>>();
  readonly #max: number;
  #seq = 0;
  /** Unique across nodes too (another node may check a tag or compose a tuple id, with a shared
   *  store): random per process. */
  readonly #node = Math.floor(Math.random() * 36 ** 4).toString(36).padStart(4, '0');
  readonly #listeners = new Set<ChangeListener>();

  constructor(max = 100_000) {
    this.#max = max;
  }

  /** Tell `fn` of every change a PUBLISH makes here; returns what stops it. */
  onChange(fn: ChangeListener): () => void {
    this.#listeners.add(fn);
    return () => this.#listeners.delete(fn);
  }

  /** The publication id of `device` (the same on every node: a shared store keeps one row per
   *  user and id, so a device's new publication replaces its earlier one there too). */
  static deviceId(device: string): string {
    return `d${createHash('sha1').update(device, 'latin1').digest('hex').slice(0, 12)}`;
  }

  /**
   * A PUBLISH with a PIDF body. Without `ifMatch`: a new publication, which replaces the earlier
   * one of the same `device` (a client that lost its entity tag, or never kept it: RFC 3903's
   * spirit; publish.ts says what names a device); with it: that publication modified, or
   * 'nomatch' when the tag is not a live one (412). Expires 0 records nothing: it removes the
   * matched publication, or without a tag all of the user's.
   */
  publish(user: string, body: string, expiresSeconds: number | null, now = Date.now(), ifMatch?: string, device?: string): Presence | null | 'nomatch' {
    const mine = this.#live(user, now);
    const deviceId = device === undefined ? undefined : PresenceBook.deviceId(device);
    const old = ifMatch !== undefined ? mine?.get(ifMatch) : deviceId === undefined || expiresSeconds === 0 ? undefined : [...(mine?.values() ?? [])].find((p) => p.id === deviceId);
    if (ifMatch !== undefined && !old) return 'nomatch';
    const removed = expiresSeconds !== 0 ? [] : old ? [old.id] : [...(mine?.values() ?? [])].map((p) => p.id);
    if (old) mine!.delete(old.etag);
    else if (expiresSeconds === 0) mine?.clear();
    if (expiresSeconds === 0) return this.#settle(user, null, removed);
    const pidf = readPidf(body);
    const seq = ++this.#seq;
    const p: Presence = {
      user,
      basic: pidf.basic,
      note: toText(pidf.note),
      at: now,
      expiresAt: now + (expiresSeconds ?? DEFAULT_PUBLISH_EXPIRES) * 1000,
      etag: this.#etag(now, seq),
      id: old?.id ?? deviceId ?? `p${this.#node}${seq.toString(36)}`,
    };
    return this.#settle(user, p, []);
  }

  /**
   * A body-less PUBLISH with SIP-If-Match (RFC 3903): refresh that publication (new etag and
   * expiry) or, with Expires 0, remove it. 'nomatch' when the tag is not a live one (412).
   */
  refresh(user: string, etag: string, expiresSeconds: number | null, now = Date.now()): Presence | null | 'nomatch' {
    const mine = this.#live(user, now);
    const p = mine?.get(etag);
    if (!p) return 'nomatch';
    mine!.delete(etag);
    if (expiresSeconds === 0) return this.#settle(user, null, [p.id]);
    const seq = ++this.#seq;
    return this.#settle(user, { ...p, expiresAt: now + (expiresSeconds ?? DEFAULT_PUBLISH_EXPIRES) * 1000, etag: this.#etag(now, seq) }, []);
  }

  /**
   * Take the user's set of publications as another node recorded it (a shared store), the latest
   * last ([] removes them all). True when it differs from what was held: the watchers are told.
   */
  apply(user: string, publications: readonly Presence[], now = Date.now()): boolean {
    const held = this.#live(user, now);
    const next = publications.filter((p) => p.expiresAt > now).slice(-MAX_PUBLICATIONS);
    const was = [...(held?.values() ?? [])];
    const same = was.length === next.length && next.every((p, i) => sameState(p, was[i]));
    if (same) return false;
    this.#byUser.delete(user);
    if (next.length === 0) return true;
    this.#byUser.set(user, new Map(next.map((p) => [p.etag, p])));
    if (this.#byUser.size > this.#max) this.#byUser.delete(this.#byUser.keys().next().value!);
    return true;
  }

  /** The user's latest live publication, or null. */
  get(user: string, now = Date.now()): Presence | null {
    const mine = this.#live(user, now);
    return mine ? [...mine.values()].at(-1) ?? null : null;
  }

  /** Every live publication of the user, the latest first. */
  all(user: string, now = Date.now()): Presence[] {
    const mine = this.#live(user, now);
    return mine ? [...mine.values()].reverse() : [];
  }

  /** The latest live publication of every user. */
  list(now = Date.now()): Presence[] {
    return [...this.#byUser.keys()].map((u) => this.get(u, now)).filter((p): p is Presence => p !== null);
  }

  /** When the user's next publication expires (ms), Infinity when none. */
  nextExpiry(user: string): number {
    let next = Infinity;
    for (const p of this.#byUser.get(user)?.values() ?? []) next = Math.min(next, p.expiresAt);
    return next;
  }

  /** Users with presence. */
  get size(): number {
    return this.#byUser.size;
  }

  #etag(now: number, seq: number): string {
    return `yc${this.#node}${now.toString(36)}${seq.toString(36)}`;
  }

  /** The user's publications with the expired ones dropped (undefined when none is left). */
  #live(user: string, now: number): Map<string, Presence> | undefined {
    const mine = this.#byUser.get(user);
    if (!mine) return undefined;
    for (const [etag, p] of mine) if (p.expiresAt <= now) mine.delete(etag);
    if (mine.size === 0) {
      this.#byUser.delete(user);
      return undefined;
    }
    return mine;
  }

  /** Store `p` (if any) as the user's latest and apply the bounds (`removed` gets the id of a
   *  publication dropped for them); returns `p`. */
  #settle(user: string, p: Presence | null, removed: string[]): Presence | null {
    const mine = this.#byUser.get(user) ?? new Map<string, Presence>();
    this.#byUser.delete(user); // re-inserted last: the least recent user is forgotten first
    if (p) mine.set(p.etag, p);
    if (mine.size > MAX_PUBLICATIONS) {
      const oldest = mine.keys().next().value!;
      removed.push(mine.get(oldest)!.id);
      mine.delete(oldest);
    }
    for (const fn of this.#listeners) fn(user, p, removed);
    if (mine.size === 0) return p;
    this.#byUser.set(user, mine);
    if (this.#byUser.size > this.#max) this.#byUser.delete(this.#byUser.keys().next().value!);
    return p;
  }
}

function sameState(a: Presence, b: Presence | undefined): boolean {
  return !!b && a.etag === b.etag && a.id === b.id && a.basic === b.basic && a.note === b.note && a.at === b.at && a.expiresAt === b.expiresAt;
}
