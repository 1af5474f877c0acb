// Counters an admin sees in rmanager (`status yate-chat`, `chat stats`) and Prometheus scrapes
// (GET /metrics, src/http/metrics.ts). Everything here is a plain number or a Map of numbers,
// bumped in place: the metrics library reads them only when scraped, so a MESSAGE costs a few
// increments and no allocation.

/** Where a MESSAGE came from: the two SIP paths, the HTTP API, rmanager's `chat send`, a
 *  webhook's reply. Indexes into Stats.answers (numbers, so nothing is built per message). */
export const PATH = { generic: 0, native: 1, http: 2, rmanager: 3, webhook: 4 } as const;
export const PATH_NAMES = ['generic', 'native', 'http', 'rmanager', 'webhook'] as const;
export type PathIndex = (typeof PATH)[keyof typeof PATH];

/** The code counted for a MESSAGE handed to ysipchan in place: ysipchan answers the sender
 *  with the far end's code, which yate-chat does not see. */
export const HANDED = 0;

/** Histogram buckets (upper bounds in ms) of how long a sender waited for yate-chat's answer. */
export const LATENCY_BOUNDS_MS = [0.1, 0.25, 0.5, 1, 2.5, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000];
/** Histogram buckets (upper bounds in ms) of Yate's answers to our own dispatches. */
export const RTT_BOUNDS_MS = [0.25, 0.5, 1, 2.5, 5, 10, 25, 50, 100, 250, 500, 1000, 5000, 10000, 40000];

/** A histogram in fixed buckets: observe() finds the bucket and adds one. */
export class Buckets {
  /** counts[i]: observations <= bounds[i] and above the bound before; the last one: above every bound. */
  readonly counts: Float64Array;
  sum = 0;
  count = 0;

  constructor(readonly bounds: readonly number[]) {
    this.counts = new Float64Array(bounds.length + 1);
  }

  observe(value: number): void {
    const b = this.bounds;
    let i = 0;
    while (i < b.length && value > b[i]!) i++;
    this.counts[i]!++;
    this.sum += value;
    this.count++;
  }
}

export class Stats {
  received = 0;
  /** Handed to ysipchan in place (the fast path): the sender hears the far end's code from it. */
  handed = 0;
  /** Delivered by yate-chat itself, confirmed by a 2xx. */
  delivered = 0;
  stored = 0;
  offlineDelivered = 0;
  /** Stored messages ended undelivered: refused for good by the recipient's device (a final
   *  code not in offline.storeCodes), or out of attempts (offline.maxAttempts). */
  readonly offlineDropped = { refused: 0, attempts: 0 };
  rateLimited = 0;
  publishes = 0;
  readonly rejected = new Map<number, number>();
  /** MESSAGEs answered, per path (PATH) and the code the sender got (HANDED for the fast path). */
  readonly answers: readonly Map<number, number>[] = PATH_NAMES.map(() => new Map<number, number>());
  /** How long each sender waited for yate-chat's answer (ms). */
  readonly latency = new Buckets(LATENCY_BOUNDS_MS);
  /** Every engine round trip of our dispatches (ms). */
  readonly rtt = new Buckets(RTT_BOUNDS_MS);
  /** Webhook calls by outcome. */
  readonly webhooks = { ok: 0, refused: 0, failed: 0, timeout: 0 };
  /** MESSAGEs sent to several devices of a user (or to one that may sleep) by yate-chat. */
  forks = 0;
  /** Copies delivered to a device when it registered: owed to it, or recent ones it never had. */
  lateDelivered = 0;
  /** Push requests by outcome: sent (2xx), refused (another status), failed (no answer after
   *  the retries), skipped (a receipt or a non-urgent message owed to a device that may sleep). */
  readonly pushes = { sent: 0, refused: 0, failed: 0, skipped: 0 };
  /** Messages posted to groups (not commands, receipts or is-typing), and the copies they became. */
  readonly groups = { messages: 0, copies: 0 };
  /** History entries written to the store, and those dropped (the store refused them, or could
   *  not take them while the batches waiting for it were full). */
  readonly history = { written: 0, dropped: 0 };
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

  /** A MESSAGE answered: once per MESSAGE, on every path. */
  answered(path: PathIndex, code: number, ms: number): void {
    const m = this.answers[path]!;
    m.set(code, (m.get(code) ?? 0) + 1);
    this.latency.observe(ms);
  }

  roundTrip(ms: number): void {
    this.rtt.observe(ms);
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
