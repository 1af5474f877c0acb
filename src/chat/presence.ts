// The presence each user PUBLISHed (PIDF, read by pidf.ts), kept in memory with its time: one
// state per publication (RFC 3903: each device publishes under its own entity tag), at most
// MAX_PUBLICATIONS per user (the oldest dropped) and `max` users (the least recent forgotten),
// each with a note of bounded size. Watchers (watchers.ts) compose a user's publications.
import { toText } from '../protocol/bytes.js';
import { readPidf } from './pidf.js';

export interface Presence {
  readonly user: string;
  /** PIDF <basic>: open | closed | unknown. */
  readonly basic: string;
  /** PIDF <note>, if any (text, at most NOTE_MAX_BYTES of UTF-8: a note is kept, not a body). */
  readonly note: string;
  /** When we got it (ms). */
  readonly at: number;
  /** When it stops being valid (ms), from the PUBLISH Expires. */
  readonly expiresAt: number;
  /** Entity tag (RFC 3903): the client refreshes, modifies or removes this state with SIP-If-Match. */
  readonly etag: string;
  /** Stays the same across refreshes and modifications of one publication (a PIDF tuple id). */
  readonly id: string;
}

/** RFC 3903: a PUBLISH without Expires lasts an hour. */
export const DEFAULT_PUBLISH_EXPIRES = 3600;
/** Publications (devices) kept per user; a further one replaces the oldest. */
export const MAX_PUBLICATIONS = 8;

export class PresenceBook {
  /** user -> etag -> state, both in insertion order (the Maps' order is the eviction order). */
  readonly #byUser = new Map<string, Map<string, Presence>>();
  readonly #max: number;
  #seq = 0;

  constructor(max = 100_000) {
    this.#max = max;
  }

  /**
   * A PUBLISH with a PIDF body. Without `ifMatch`: a new publication (a device); with it: that
   * publication modified, or 'nomatch' when the tag is not a live one (412). Expires 0 records
   * nothing: it removes the matched publication, or without a tag all of the user's.
   */
  publish(user: string, body: string, expiresSeconds: number | null, now = Date.now(), ifMatch?: string): Presence | null | 'nomatch' {
    const mine = this.#live(user, now);
    const old = ifMatch === undefined ? undefined : mine?.get(ifMatch);
    if (ifMatch !== undefined && !old) return 'nomatch';
    if (old) mine!.delete(old.etag);
    else if (expiresSeconds === 0) mine?.clear();
    if (expiresSeconds === 0) return this.#settle(user, null);
    const pidf = readPidf(body);
    const seq = ++this.#seq;
    const p: Presence = {
      user,
      basic: pidf.basic,
      note: toText(pidf.note),
      at: now,
      expiresAt: now + (expiresSeconds ?? DEFAULT_PUBLISH_EXPIRES) * 1000,
      etag: this.#etag(now, seq),
      id: old?.id ?? `p${seq.toString(36)}`,
    };
    return this.#settle(user, p);
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
    if (expiresSeconds === 0) return this.#settle(user, null);
    const seq = ++this.#seq;
    return this.#settle(user, { ...p, expiresAt: now + (expiresSeconds ?? DEFAULT_PUBLISH_EXPIRES) * 1000, etag: this.#etag(now, seq) });
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
    return `yc${now.toString(36)}${seq.toString(36)}`;
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

  /** Store `p` (if any) as the user's latest and apply the bounds; returns `p`. */
  #settle(user: string, p: Presence | null): Presence | null {
    const mine = this.#byUser.get(user) ?? new Map<string, Presence>();
    this.#byUser.delete(user); // re-inserted last: the least recent user is forgotten first
    if (p) mine.set(p.etag, p);
    if (mine.size > MAX_PUBLICATIONS) mine.delete(mine.keys().next().value!);
    if (mine.size === 0) return p;
    this.#byUser.set(user, mine);
    if (this.#byUser.size > this.#max) this.#byUser.delete(this.#byUser.keys().next().value!);
    return p;
  }
}
