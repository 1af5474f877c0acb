// The latest presence each user PUBLISHed (PIDF, read by pidf.ts), kept in memory with its time:
// at most `max` users (the oldest forgotten first), each with a note of bounded size.
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
  readonly expiresAt: number | null;
  /** Entity tag (RFC 3903): the client refreshes or removes this state with SIP-If-Match. */
  readonly etag: string;
}

/** RFC 3903: a PUBLISH without Expires lasts an hour. */
export const DEFAULT_PUBLISH_EXPIRES = 3600;

export class PresenceBook {
  readonly #byUser = new Map<string, Presence>();
  readonly #max: number;
  /** Told of every change a PUBLISH made here (not of apply()): a shared store copies it. */
  onChange: ((user: string, p: Presence | null) => void) | null = null;

  constructor(max = 100_000) {
    this.#max = max;
  }

  #etags = 0;

  /** Record a PIDF document; an Expires of 0 removes the user's presence. */
  publish(user: string, body: string, expiresSeconds: number | null, now = Date.now()): Presence | null {
    this.#byUser.delete(user);
    if (expiresSeconds === 0) return this.#changed(user, null);
    const pidf = readPidf(body);
    const p: Presence = {
      user,
      basic: pidf.basic,
      note: toText(pidf.note),
      at: now,
      expiresAt: now + (expiresSeconds ?? DEFAULT_PUBLISH_EXPIRES) * 1000,
      etag: this.#etag(now),
    };
    this.#set(user, p);
    return this.#changed(user, p);
  }

  /**
   * A body-less PUBLISH with SIP-If-Match (RFC 3903): refresh the state (new etag and expiry) or,
   * with Expires 0, remove it. 'nomatch' when the etag is not the user's current one (412).
   */
  refresh(user: string, etag: string, expiresSeconds: number | null, now = Date.now()): Presence | null | 'nomatch' {
    const p = this.get(user, now);
    if (!p || p.etag !== etag) return 'nomatch';
    this.#byUser.delete(user);
    if (expiresSeconds === 0) return this.#changed(user, null);
    const next: Presence = { ...p, expiresAt: now + (expiresSeconds ?? DEFAULT_PUBLISH_EXPIRES) * 1000, etag: this.#etag(now) };
    this.#byUser.set(user, next);
    return this.#changed(user, next);
  }

  /** Take a presence another node recorded (a shared store), or its removal (null). */
  apply(user: string, p: Presence | null): void {
    this.#byUser.delete(user);
    if (p) this.#set(user, p);
  }

  #set(user: string, p: Presence): void {
    this.#byUser.set(user, p);
    if (this.#byUser.size > this.#max) this.#byUser.delete(this.#byUser.keys().next().value!);
  }

  #changed(user: string, p: Presence | null): Presence | null {
    this.onChange?.(user, p);
    return p;
  }

  /** Unique across nodes too (another node may check it, with a shared store): random per process. */
  readonly #node = Math.floor(Math.random() * 36 ** 4).toString(36);

  #etag(now: number): string {
    return `yc${this.#node}${now.toString(36)}${(++this.#etags).toString(36)}`;
  }

  get(user: string, now = Date.now()): Presence | null {
    const p = this.#byUser.get(user);
    if (p?.expiresAt != null && p.expiresAt <= now) {
      this.#byUser.delete(user);
      return null;
    }
    return p ?? null;
  }

  list(now = Date.now()): Presence[] {
    return [...this.#byUser.keys()].map((u) => this.get(u, now)).filter((p): p is Presence => p !== null);
  }

  get size(): number {
    return this.#byUser.size;
  }
}
