// GET /metrics: Prometheus text format, made by prom-client from what the chat module counts.
// The pipeline only bumps plain numbers (src/chat/core/stats.ts); every value here is read from
// them when Prometheus scrapes (prom-client's collect()), so a MESSAGE never pays for metrics.
//
//   yatechat_messages_total{path,code}        MESSAGEs answered: path generic|native (SIP),
//                                             http (POST /v1/messages), rmanager (chat send),
//                                             webhook (a webhook's reply); code the sender got,
//                                             "handed" when ysipchan answers for the far end
//   yatechat_sender_latency_seconds           how long a sender waited for yate-chat's answer
//   yatechat_engine_roundtrip_seconds         Yate's answers to yate-chat's own dispatches
//   yatechat_stored_messages, yatechat_stored_oldest_age_seconds   the offline store now (its
//                                             kept counts: expired messages until purged)
//   yatechat_deliveries_in_flight, yatechat_deliveries_waiting     deliveries yate-chat runs
//   yatechat_notifies_in_flight, yatechat_notifies_waiting         NOTIFYs (a pool of their own)
//   yatechat_presence_entries                 users whose presence is held
//   yatechat_rate_limited_total, yatechat_rate_limit_senders       the sender rate limit
//   yatechat_webhook_calls_total{outcome}     ok, refused (non-2xx), failed, timeout
//   yatechat_devices                          devices in the registration view
//   yatechat_forks_total                      MESSAGEs sent to several devices (or one that may sleep)
//   yatechat_late_deliveries_total            copies a device got when it registered
//   yatechat_pushes_total{outcome}            sent (2xx), refused, failed, skipped (receipts, non-urgent)
//   yatechat_engine_messages_total{direction} offered (each held a Yate thread), emitted
//   process_*, nodejs_*                       prom-client's process metrics (no GC histogram)
import { createRequire } from 'node:module';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { ChatModule } from '../chat/index.js';
import { HANDED, PATH_NAMES, type Buckets } from '../chat/index.js';

/** A histogram whose buckets are counted elsewhere (stats.ts, in ms), rendered from them at
 *  scrape time. prom-client's Registry renders a metric from getForPromString() when it has
 *  one (a Histogram does), else from get(): both give the counted buckets. (The metrics test
 *  reads these buckets back, so a prom-client that renders otherwise fails it.) */
class CountedHistogram extends Histogram {
  readonly #name: string;
  readonly #help: string;
  readonly #read: () => Buckets;

  constructor(registry: Registry, name: string, help: string, bounds: readonly number[], read: () => Buckets) {
    super({ name, help, buckets: bounds.map((ms) => ms / 1000), registers: [registry] });
    this.#name = name;
    this.#help = help;
    this.#read = read;
  }

  override async get(): Promise<Awaited<ReturnType<Histogram['get']>>> {
    const b = this.#read();
    const bucket = `${this.#name}_bucket`;
    let acc = 0;
    const values = [
      ...b.bounds.map((ms, i) => ({ labels: { le: ms / 1000 }, value: (acc += b.counts[i]!), metricName: bucket })),
      { labels: { le: '+Inf' }, value: b.count, metricName: bucket },
      { labels: {}, value: b.sum / 1000, metricName: `${this.#name}_sum` },
      { labels: {}, value: b.count, metricName: `${this.#name}_count` },
    ];
    return { name: this.#name, help: this.#help, type: 'histogram', aggregator: 'sum', values } as unknown as Awaited<ReturnType<Histogram['get']>>;
  }

  getForPromString(): ReturnType<Histogram['get']> {
    return this.get();
  }
}

export function createMetrics(chat: ChatModule): Registry {
  const registry = new Registry();
  const registers = [registry];
  const m = () => chat.metrics();

  new Counter({
    name: 'yatechat_messages_total', help: 'MESSAGEs answered, by where they came from and the code the sender got ("handed": ysipchan answered with the far end\'s code)',
    labelNames: ['path', 'code'], registers,
    collect() {
      this.reset();
      m().stats.answers.forEach((byCode, i) => {
        for (const [code, n] of byCode) this.inc({ path: PATH_NAMES[i]!, code: code === HANDED ? 'handed' : String(code) }, n);
      });
    },
  });
  const stats = m().stats;
  new CountedHistogram(registry, 'yatechat_sender_latency_seconds', 'How long a sender waited for yate-chat\'s answer', stats.latency.bounds, () => m().stats.latency);
  new CountedHistogram(registry, 'yatechat_engine_roundtrip_seconds', 'Time Yate took to answer yate-chat\'s own dispatches (route lookups, deliveries)', stats.rtt.bounds, () => m().stats.rtt);

  const gauge = (name: string, help: string, read: () => number) =>
    new Gauge({ name, help, registers, collect() { this.set(read()); } });
  const counter = (name: string, help: string, read: () => number) =>
    new Counter({ name, help, registers, collect() { this.reset(); this.inc(read()); } });
  /** A counter per value of `label`, read from a record of counts. */
  const counters = (name: string, help: string, label: string, read: () => Readonly<Record<string, number>>) =>
    new Counter({
      name, help, labelNames: [label], registers,
      collect() {
        this.reset();
        for (const [value, n] of Object.entries(read())) this.inc({ [label]: value }, n);
      },
    });

  // The store is read once per scrape (within a second), for both of its gauges, from the counts
  // it keeps (ChatApi.stored: never a scan; issue 21: a GROUP BY over every row stalled the event
  // loop for 590 ms with 100,000 messages, at every scrape).
  let store = { at: -Infinity, read: Promise.resolve({ count: 0, oldest: null as number | null }) };
  const readStore = () => {
    if (performance.now() - store.at < 1000) return store.read;
    const read = chat.stored().catch(
      () => ({ count: 0, oldest: null }), // off, or failing (its errors are in Yate's log already)
    );
    store = { at: performance.now(), read };
    return read;
  };
  new Gauge({
    name: 'yatechat_stored_messages', help: 'Messages waiting in the offline store', registers,
    async collect() {
      this.set((await readStore()).count);
    },
  });
  new Gauge({
    name: 'yatechat_stored_oldest_age_seconds', help: 'Age of the oldest message waiting in the offline store (0: none)', registers,
    async collect() {
      const s = await readStore();
      this.set(s.oldest === null ? 0 : Math.max(0, (Date.now() - s.oldest) / 1000));
    },
  });
  gauge('yatechat_deliveries_in_flight', 'Deliveries yate-chat runs itself now (each holds a Yate worker)', () => m().deliveriesRunning);
  gauge('yatechat_deliveries_waiting', 'Deliveries waiting for a turn', () => m().deliveriesWaiting);
  gauge('yatechat_notifies_in_flight', 'NOTIFYs in flight (each holds a Yate worker, in a pool apart from the deliveries\')', () => m().notifiesRunning);
  gauge('yatechat_notifies_waiting', 'NOTIFYs waiting for a turn', () => m().notifiesWaiting);
  gauge('yatechat_presence_entries', 'Users whose published presence is held', () => m().presence);
  counter('yatechat_rate_limited_total', 'Messages refused by the sender rate limit', () => m().stats.rateLimited);
  gauge('yatechat_rate_limit_senders', 'Senders the rate limiter remembers', () => m().rateLimitSenders);
  counter('yatechat_stored_total', 'Messages kept in the offline store', () => m().stats.stored);
  counter('yatechat_offline_delivered_total', 'Stored messages delivered', () => m().stats.offlineDelivered);
  counters('yatechat_offline_dropped_total', 'Stored messages ended undelivered (refused: the device refused it for good; attempts: offline.maxAttempts failed deliveries)',
    'reason', () => m().stats.offlineDropped);
  counters('yatechat_webhook_calls_total', 'Webhook calls by outcome (ok: 2xx, refused: another status, failed: no connection, timeout)',
    'outcome', () => m().stats.webhooks);
  counter('yatechat_group_messages_total', 'Messages posted to groups (commands, receipts and is-typing aside)', () => m().stats.groups.messages);
  counter('yatechat_group_copies_total', 'Copies of group messages sent on to members (each routed like a message)', () => m().stats.groups.copies);
  counters('yatechat_history_entries_total', 'History entries written to the store, and dropped (the store refused them, or could not take them in time)',
    'outcome', () => m().stats.history);
  counters('yatechat_engine_messages_total', 'Messages Yate offered the module (each holds a Yate thread until answered) and messages it emitted (each run by a Yate worker)',
    'direction', () => ({ offered: m().offered, emitted: m().emitted }));
  gauge('yatechat_devices', 'Devices in the registration view, every user together', () => m().devices);
  counter('yatechat_forks_total', 'MESSAGEs yate-chat sent to several devices of a user, or to one that may sleep', () => m().stats.forks);
  counter('yatechat_late_deliveries_total', 'Copies delivered to a device when it registered (owed to it, or recent ones it never had)', () => m().stats.lateDelivered);
  counters('yatechat_pushes_total', 'Push requests to the gateway by outcome (sent: 2xx, refused: another status, failed: no answer after the retries, skipped: a receipt or a non-urgent message)',
    'outcome', () => m().stats.pushes);
  processMetrics(registry);
  return registry;
}

const require = createRequire(import.meta.url);

/**
 * prom-client's process metrics (its collectDefaultMetrics list), all but one: the GC duration
 * histogram hooks every garbage collection (a PerformanceObserver callback per scavenge), and
 * at full speed that was measured on each MESSAGE (bench/run.ts, "HTTP face on"). The others
 * are read when scraped; the event loop delay is sampled once a second, not prom-client's
 * default 100 times, so an idle module stays idle (a long stall still shows in the maximum).
 * (prom-client exports collectDefaultMetrics whole; its parts are loaded by their files. The
 * metrics test checks they are all there.)
 */
function processMetrics(registry: Registry): void {
  const config = { register: registry, eventLoopMonitoringPrecision: 1000 };
  for (const name of collectDefaultMetrics.metricsList) {
    if (name === 'gc') continue;
    (require(`prom-client/lib/metrics/${name}`) as (r: Registry, c: typeof config) => void)(registry, config);
  }
}
