// `npm run bench`: codec vs split2, engine round trip, module CPU per MESSAGE against the minimal
// module, store and store-and-forward (SQLite, and PostgreSQL on a throwaway server when its
// binaries are installed), cross-node delivery latency (PostgreSQL). Prints a
// table for the README. Sizes can be lowered with BENCH_SCALE=0.1 for a quick look.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { findPostgres, startCluster } from '../test/pg/cluster.js';
import { benchCodec } from './codec.js';
import { benchCrossNode } from './cross-node.js';
import { benchMetricsRead } from './metrics-read.js';
import { benchModuleCost } from './module-cost.js';
import { benchOffline } from './offline.js';
import { benchRoundTrip } from './roundtrip.js';
import { benchStore } from './store.js';

const scale = Number(process.env.BENCH_SCALE ?? '1');
const say = (s: string) => process.stdout.write(s + '\n');

/** The transcripts recorded from a real Yate, in the SOURCE tree (this runs from dist/bench/). */
function transcriptsDir(): string {
  const dir = fileURLToPath(new URL('../../test/fixtures/transcripts', import.meta.url));
  if (!existsSync(dir)) throw new Error(`transcripts not found: ${dir}`);
  return dir;
}

const c = await benchCodec(transcriptsDir(), { megabytes: 16 * Math.min(1, scale * 4) });
say(`codec: ${(c.bytes / 1048576).toFixed(1)} MB, ${c.lines} transcript lines; split2 alone ${c.split2MBps.toFixed(1)} MB/s, ` +
  `framing+decode+encode ${c.codecMBps.toFixed(1)} MB/s; ratio (codec time / split2 time, median of 7) ${c.ratio.toFixed(2)}`);
const rt = await benchRoundTrip({ rate: 500, seconds: Math.max(1, Math.round(5 * Math.min(1, scale * 4))) });
say(`round trip: ${rt.count} messages at ${rt.rate}/s over pipes: p50 ${rt.p50.toFixed(2)} ms, p99 ${rt.p99.toFixed(2)} ms`);
for (const r of await benchModuleCost({ messages: Math.max(1000, Math.round(20_000 * scale)) })) {
  say(`module CPU per MESSAGE, ${r.path} path, 16 in flight (${r.messages} offered, median of 5, no Yate): yate-chat ${r.yateChatUs.toFixed(1)} us, ` +
    `minimal rename-only module ${r.minimalUs.toFixed(1)} us; ratio ${r.ratio.toFixed(2)}`);
}
// One at a time, 1 ms apart: each MESSAGE wakes the module up, as a Yate below saturation offers them.
for (const r of await benchModuleCost({ messages: Math.max(500, Math.round(5_000 * scale)), warmup: Math.round(20_000 * scale), runs: 3, window: 1, gapMs: 1 })) {
  say(`module CPU per MESSAGE, ${r.path} path, one per wake-up (${r.messages} offered after ${Math.round(20_000 * scale)} to warm up, median of 3, no Yate): ` +
    `yate-chat ${r.yateChatUs.toFixed(1)} us, minimal rename-only module ${r.minimalUs.toFixed(1)} us; ratio ${r.ratio.toFixed(2)}`);
}
// The HTTP face off and on (listening, its process metrics sampling, no scrape meanwhile), run
// interleaved with the minimal module: what having it costs a MESSAGE.
for (const r of await benchModuleCost({ messages: Math.max(1000, Math.round(20_000 * scale)), compare: { http: { listen: '127.0.0.1:0', token: 'bench-token-0123456789' } } })) {
  say(`module CPU per MESSAGE, ${r.path} path, HTTP face off / on, 16 in flight (${r.messages} offered, median of 5, interleaved, no Yate): ` +
    `yate-chat ${r.yateChatUs.toFixed(1)} / ${r.compareUs!.toFixed(1)} us, minimal rename-only module ${r.minimalUs.toFixed(1)} us; ratio ${r.ratio.toFixed(2)} / ${r.compareRatio!.toFixed(2)}`);
}
const sizes = { messages: Math.round(100_000 * scale), users: Math.max(1, Math.round(1_000 * scale)) };
const s = await benchStore(sizes);
say(`store (SQLite, one fsync'd commit per message): ${JSON.stringify(s)}`);
const mr = await benchMetricsRead({ messages: sizes.messages });
say(`/metrics store read (SQLite, ${mr.messages} messages for as many recipients, median of 7): recipients() GROUP BY ${mr.scanMs.toFixed(1)} ms, ` +
  `summary() ${mr.summaryMs.toFixed(3)} ms; ratio ${mr.ratio.toFixed(0)}`);
const o = await benchOffline(sizes);
say(`store-and-forward through the emulator (SQLite): ${o.messages} messages for ${o.users} users: store ${o.storePerSec.toFixed(0)} msg/s (each 202 after commit), ` +
  `deliver ${o.deliverPerSec.toFixed(0)} msg/s, module peak RSS ${o.peakRssMB.toFixed(1)} MB`);
// PostgreSQL in the same run, on this machine (127.0.0.1), fsync and synchronous commit on.
const found = findPostgres();
if (!found.ok) {
  say(`PostgreSQL rows skipped: ${found.reason}`);
} else {
  const cluster = await startCluster({ durable: true });
  try {
    const p = await benchStore({ ...sizes, postgresUrl: await cluster.createDatabase() });
    say(`store (PostgreSQL ${found.bin}, one committed transaction per put, fsync on): ${JSON.stringify(p)}`);
    const po = await benchOffline({ ...sizes, postgresUrl: await cluster.createDatabase() });
    say(`store-and-forward through the emulator (PostgreSQL): ${po.messages} messages for ${po.users} users: store ${po.storePerSec.toFixed(0)} msg/s (each 202 after commit), ` +
      `deliver ${po.deliverPerSec.toFixed(0)} msg/s, module peak RSS ${po.peakRssMB.toFixed(1)} MB`);
    const x = await benchCrossNode(await cluster.createDatabase(), { messages: Math.max(50, Math.round(500 * scale)) });
    say(`cross-node delivery (stored on node A, delivered by node B, where 555 registered; ${x.messages} messages one at a time): ` +
      `from A's 202 to B's delivery p50 ${x.p50Ms.toFixed(1)} ms, p99 ${x.p99Ms.toFixed(1)} ms, max ${x.maxMs.toFixed(1)} ms`);
  } finally {
    await cluster.remove();
  }
}
