// GET /metrics: what Prometheus scrapes from the REAL module on the engine emulator, after real
// MESSAGEs on both SIP paths and the API; and the pieces it is made of (fixed buckets, the HTTP
// status for a SIP code).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Buckets } from '../src/chat/core/stats.js';
import { createMetrics } from '../src/http/metrics.js';
import { httpStatusOf } from '../src/http/send.js';
import { createMemoryStore, type MessageStore } from '../src/store/index.js';
import { send, until } from './fixtures/chat-lab.js';
import { chatRig } from './fixtures/chat-rig.js';
import { withHttpLab } from './fixtures/http-lab.js';

/** The value of one sample line (`name{labels} value`), or null when absent. */
function sample(text: string, series: string): number | null {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? null : Number(line.slice(series.length + 1));
}

test('a value lands in the first bucket whose bound is at least it; above every bound, in the last', () => {
  const b = new Buckets([1, 10]);
  for (const v of [0.5, 1, 1.01, 10, 11, 1e9]) b.observe(v);
  assert.deepEqual([...b.counts], [2, 2, 2]);
  assert.equal(b.count, 6);
  assert.equal(b.sum, 0.5 + 1 + 1.01 + 10 + 11 + 1e9);
});

test('/metrics counts stored messages dropped undelivered, by reason: refused by the device, out of attempts', async () => {
  const responder = (r: { body: string | null }) => (r.body === 'refused' ? 415 : r.body === 'unlucky' ? 480 : undefined);
  await withHttpLab({ offline: { maxAttempts: 1 } }, async (lab) => {
    assert.equal(await send(lab, 'generic', { called: '555', body: 'refused' }), 202);
    assert.equal(await send(lab, 'generic', { called: '555', body: 'unlucky' }), 202);
    await lab.register('555', 5075);
    const text = await until('both to be dropped', async () => {
      const t = await (await fetch(`${lab.base}/metrics`)).text();
      return sample(t, 'yatechat_offline_dropped_total{reason="attempts"}') === 1 ? t : null;
    });
    assert.equal(sample(text, 'yatechat_offline_dropped_total{reason="refused"}'), 1);
    assert.equal(sample(text, 'yatechat_offline_delivered_total'), 0);
  }, { ysipchan: { responder } });
});

test('each SIP outcome has its HTTP status', () => {
  const table: [number, boolean, number][] = [
    [200, false, 200], [202, false, 202], [404, false, 404], [480, false, 503], [403, false, 403], [413, false, 413],
    [415, false, 415], [503, true, 429], [403, true, 429], [503, false, 503], [408, false, 504], [486, false, 502],
    [603, false, 502], [483, false, 508], [500, false, 500], [504, false, 504],
  ];
  for (const [code, limited, http] of table) assert.equal(httpStatusOf(code, limited), http, `${code}${limited ? ' rate-limited' : ''}`);
});

test('/metrics needs no token and counts MESSAGEs by path and final code, the fast path as "handed"', async () => {
  await withHttpLab({}, async (lab) => {
    await lab.register('234', 5070);
    assert.equal(await send(lab, 'generic'), 200);
    assert.equal(await send(lab, 'native'), 200);
    assert.equal(await send(lab, 'generic', { called: '999' }), 404);
    assert.equal(await send(lab, 'native', { type: undefined }), 415);
    assert.equal((await lab.api('/v1/messages', { body: { from: '123', to: '234', body: 'by API' } })).status, 200);
    const res = await fetch(`${lab.base}/metrics`);
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type') ?? '', /^text\/plain; version=0\.0\.4/);
    const text = await res.text();
    assert.equal(sample(text, 'yatechat_messages_total{path="generic",code="handed"}'), 1);
    assert.equal(sample(text, 'yatechat_messages_total{path="native",code="handed"}'), 1);
    assert.equal(sample(text, 'yatechat_messages_total{path="generic",code="404"}'), 1);
    assert.equal(sample(text, 'yatechat_messages_total{path="native",code="415"}'), 1);
    assert.equal(sample(text, 'yatechat_messages_total{path="http",code="200"}'), 1);
    // One latency observation per answered MESSAGE, in cumulative buckets.
    assert.equal(sample(text, 'yatechat_sender_latency_seconds_count'), 5);
    assert.equal(sample(text, 'yatechat_sender_latency_seconds_bucket{le="+Inf"}'), 5);
    const buckets = text.split('\n').filter((l) => l.startsWith('yatechat_sender_latency_seconds_bucket')).map((l) => Number(l.split(' ')[1]));
    assert.deepEqual(buckets, [...buckets].sort((a, b) => a - b));
    assert.ok(sample(text, 'yatechat_sender_latency_seconds_sum')! > 0);
    // The API's delivery was a dispatch of our own: one engine round trip at least.
    assert.ok(sample(text, 'yatechat_engine_roundtrip_seconds_count')! >= 1);
    assert.ok(sample(text, 'yatechat_engine_messages_total{direction="offered"}')! >= 4);
  });
});

test('the offline store, deliveries, presence and the rate limit are on /metrics', async () => {
  await withHttpLab({ rateLimit: { messages: 1, intervalSeconds: 3600 } }, async (lab) => {
    assert.equal(await send(lab, 'generic', { called: '555' }), 202);
    assert.equal(await send(lab, 'generic', { called: '555' }), 503); // over the limit
    const text = await (await fetch(`${lab.base}/metrics`)).text();
    assert.equal(sample(text, 'yatechat_stored_messages'), 1);
    assert.ok(sample(text, 'yatechat_stored_oldest_age_seconds')! >= 0);
    assert.equal(sample(text, 'yatechat_stored_total'), 1);
    assert.equal(sample(text, 'yatechat_rate_limited_total'), 1);
    assert.equal(sample(text, 'yatechat_rate_limit_senders'), 1);
    assert.equal(sample(text, 'yatechat_deliveries_in_flight'), 0);
    assert.equal(sample(text, 'yatechat_deliveries_waiting'), 0);
    assert.equal(sample(text, 'yatechat_presence_entries'), 0);
  });
});

test('prom-client\'s process metrics come with them, all but the GC histogram (a hook on every collection)', async () => {
  await withHttpLab({}, async (lab) => {
    const text = await (await fetch(`${lab.base}/metrics`)).text();
    for (const name of ['process_cpu_user_seconds_total', 'process_start_time_seconds', 'process_resident_memory_bytes', 'process_open_fds',
      'nodejs_heap_size_used_bytes', 'nodejs_heap_space_size_used_bytes{space="new"}', 'nodejs_eventloop_lag_seconds', 'nodejs_active_handles_total']) {
      assert.ok(sample(text, name) !== null, name);
    }
    assert.doesNotMatch(text, /nodejs_gc_duration_seconds/);
  });
});

// Issue 21, finding 4: each scrape ran a GROUP BY over every stored row (590 ms with 100,000
// messages with SQLite, synchronously: MESSAGEs waited as long), and needed no token.
test('a scrape reads the offline store\'s kept counts and never lists its recipients, whatever it holds', async (t) => {
  const inner = createMemoryStore();
  const calls = { recipients: 0, count: 0, summary: 0 };
  const store: MessageStore = {
    ...inner,
    name: inner.name,
    recipients: () => (calls.recipients++, inner.recipients()),
    count: (r) => (calls.count++, inner.count(r)),
    summary: () => (calls.summary++, inner.summary()),
  };
  for (let i = 0; i < 50; i++) await store.put({ recipient: `u${i}`, sender: '123', senderUri: 'sip:123@h', body: 'x', contentType: 'text/plain', receivedAt: 1_000 + i });
  const { chat } = await chatRig(t, {}, { store });
  const text = await createMetrics(chat).metrics();
  assert.equal(sample(text, 'yatechat_stored_messages'), 50);
  assert.ok(sample(text, 'yatechat_stored_oldest_age_seconds')! > (Date.now() - 2_000) / 1000, 'the oldest, received at 1000 ms after the epoch');
  assert.deepEqual(calls, { recipients: 0, count: 0, summary: 1 });
});
