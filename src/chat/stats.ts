// Counters an admin sees in rmanager (`status yate-chat`, `chat stats`).

export class Stats {
  received = 0;
  /** Handed to ysipchan in place (the fast path): the sender hears the far end's code from it. */
  handed = 0;
  /** Delivered by yate-chat itself, confirmed by a 2xx. */
  delivered = 0;
  stored = 0;
  offlineDelivered = 0;
  rateLimited = 0;
  publishes = 0;
  readonly rejected = new Map<number, number>();
  /** Engine round trips of our dispatches (ms), a ring of the latest. */
  readonly #rtt: number[] = [];
  #rttNext = 0;

  /** A MESSAGE refused by the rules (decide.ts). */
  refused(r: { readonly code: number; readonly rateLimited?: true }): void {
    this.reject(r.code);
    if (r.rateLimited) this.rateLimited++;
  }

  reject(code: number): void {
    this.rejected.set(code, (this.rejected.get(code) ?? 0) + 1);
  }

  roundTrip(ms: number): void {
    if (this.#rtt.length < 512) this.#rtt.push(ms);
    else this.#rtt[this.#rttNext++ % 512] = ms;
  }

  /** Median engine round trip in ms, or null before the first. */
  roundTripP50(): number | null {
    if (!this.#rtt.length) return null;
    const s = [...this.#rtt].sort((a, b) => a - b);
    return s[Math.floor((s.length - 1) / 2)]!;
  }

  rejectedText(): string {
    return [...this.rejected].sort((a, b) => a[0] - b[0]).map(([c, n]) => `${c}:${n}`).join(' ') || 'none';
  }
}
