// `npm run bench`: codec vs split2, engine round trip, module CPU per MESSAGE against the minimal
// module (with the HTTP face and the history off and on), a 2-device fork beside the fast path
// and the view with 100 000 devices, a group's fan-out, store and store-and-forward (SQLite, and
// PostgreSQL on a throwaway server when its binaries are installed), cross-node delivery latency
// (PostgreSQL). Prints its tables row by row as each phase ends (stdout), with progress lines on
// the long phases (stderr); every figure also goes to a JSON file with `npm run bench -- --json
// FILE`. Sizes can be lowered with BENCH_SCALE=0.1 for a quick look.
import { existsSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { findPostgres, startCluster } from '../test/pg/cluster.js';
import { benchCodec } from './codec.js';
import { benchCrossNode } from './cross-node.js';
import { benchDevices } from './devices.js';
import { benchGroupFanout } from './groups.js';
import { benchMetricsRead } from './metrics-read.js';
import { benchModuleCost } from './module-cost.js';
import { benchOffline } from './offline.js';
import { progress } from './progress.js';
import { benchRoundTrip } from './roundtrip.js';
import { benchStore } from './store.js';

const { values: flags } = parseArgs({ options: { json: { type: 'string' } } });
const scale = Number(process.env.BENCH_SCALE ?? '1');
const say = (s: string) => process.stdout.write(s + '\n');
const n = (x: number) => Math.round(x).toLocaleString('en-US');
/** Every figure, for --json. */
const results: Record<string, unknown> = { scale, node: process.version, cpus: os.cpus().length, at: new Date().toISOString() };
const row = (what: string, figure: string) => say(`| ${what} | ${figure} |`);

/** The transcripts recorded from a real Yate, in the SOURCE tree (this runs from dist/bench/). */
function transcriptsDir(): string {
  const dir = fileURLToPath(new URL('../../test/fixtures/transcripts', import.meta.url));
  if (!existsSync(dir)) throw new Error(`transcripts not found: ${dir}`);
  return dir;
}

say(`npm run bench: scale ${scale} (BENCH_SCALE), node ${process.version}, ${os.cpus().length} CPUs; ratios against a baseline run in the same process, medians`);
say('');
say('| what | figure |');
say('| --- | --- |');

const c = await benchCodec(transcriptsDir(), { megabytes: 16 * Math.min(1, scale * 4) });
results.codec = c;
row(`codec: framing + decode + encode of every transcript line (${(c.bytes / 1048576).toFixed(1)} MB, ${n(c.lines)} lines) vs split2 alone on the same bytes`,
  `${c.codecMBps.toFixed(1)} MB/s vs ${c.split2MBps.toFixed(1)} MB/s: ratio ${c.ratio.toFixed(2)} (median of 7)`);

const rt = await benchRoundTrip({ rate: 500, seconds: Math.max(1, Math.round(5 * Math.min(1, scale * 4))) });
results.roundTrip = rt;
row(`engine round trip: the emulator offers call.route to the real module over pipes at ${rt.rate}/s (${n(rt.count)} messages)`, `p50 ${rt.p50.toFixed(2)} ms, p99 ${rt.p99.toFixed(2)} ms`);

const burst = Math.max(1000, Math.round(20_000 * scale));
const cost = await benchModuleCost({ messages: burst, progress: progress('module CPU, 16 in flight: module runs', 20) });
results.moduleCost = cost;
for (const r of cost) {
  row(`module CPU per MESSAGE, ${r.path} path, 16 in flight (${n(r.messages)} offered, median of 5, no Yate)`,
    `yate-chat ${r.yateChatUs.toFixed(1)} us, minimal rename-only module ${r.minimalUs.toFixed(1)} us: ratio ${r.ratio.toFixed(2)}`);
}
// One at a time, 1 ms apart: each MESSAGE wakes the module up, as a Yate below saturation offers them.
const warmup = Math.round(20_000 * scale);
const single = await benchModuleCost({ messages: Math.max(500, Math.round(5_000 * scale)), warmup, runs: 3, window: 1, gapMs: 1, progress: progress('module CPU, one per wake-up: module runs', 12) });
results.moduleCostOneByOne = single;
for (const r of single) {
  row(`module CPU per MESSAGE, ${r.path} path, one per wake-up (${n(r.messages)} offered after ${n(warmup)} to warm up, median of 3)`,
    `yate-chat ${r.yateChatUs.toFixed(1)} us, minimal rename-only module ${r.minimalUs.toFixed(1)} us: ratio ${r.ratio.toFixed(2)}`);
}
// The HTTP face off and on (listening, its process metrics sampling, no scrape meanwhile), run
// interleaved with the minimal module: what having it costs a MESSAGE.
const face = await benchModuleCost({ messages: burst, compare: { http: { listen: '127.0.0.1:0', token: 'bench-token-0123456789' } }, progress: progress('HTTP face off / on: module runs', 30) });
results.httpFace = face;
for (const r of face) {
  row(`module CPU per MESSAGE, ${r.path} path, HTTP face off / on, 16 in flight (${n(r.messages)} offered, median of 5, interleaved)`,
    `yate-chat ${r.yateChatUs.toFixed(1)} / ${r.compareUs!.toFixed(1)} us, minimal rename-only module ${r.minimalUs.toFixed(1)} us: ratio ${r.ratio.toFixed(2)} / ${r.compareRatio!.toFixed(2)}`);
}
// Every device of a user (docs/devices.md): a 2-device fork beside the fast path, and the view
// holding 100 000 devices beside an empty one.
const dv = await benchDevices({ messages: burst, devices: Math.max(1000, Math.round(100_000 * scale)) });
results.devices = dv;
for (const r of dv.fork) {
  row(`module CPU per MESSAGE, ${r.path} path, fast path (one device) / 2-device fork, 16 in flight (${n(r.messages)} offered, median of 5, interleaved)`,
    `${r.fastUs.toFixed(1)} / ${r.forkUs.toFixed(1)} us: ratio ${r.ratio.toFixed(2)}`);
}
row(`registration view of ${n(dv.view.devices)} devices (two per user, instance ids, User-Agents) / empty, generic path (median of 3)`,
  `module RSS ${dv.view.fullRssMB.toFixed(1)} / ${dv.view.emptyRssMB.toFixed(1)} MB; fast path CPU per MESSAGE ${dv.view.fullUs.toFixed(1)} / ${dv.view.emptyUs.toFixed(1)} us: ratio ${dv.view.ratio.toFixed(2)}`);

// The history off and on, both on a SQLite store (where its batches are written), interleaved.
const history = await benchModuleCost({ messages: burst, rules: { offline: { store: { kind: 'sqlite' } } }, compare: { history: { enabled: true } }, progress: progress('history off / on: module runs', 30) });
results.history = history;
for (const r of history) {
  row(`module CPU per MESSAGE, ${r.path} path, history off / on (SQLite store), 16 in flight (${n(r.messages)} offered, median of 5, interleaved)`,
    `yate-chat ${r.yateChatUs.toFixed(1)} / ${r.compareUs!.toFixed(1)} us (on/off ${(r.compareUs! / r.yateChatUs).toFixed(2)}), minimal rename-only module ${r.minimalUs.toFixed(1)} us: ratio ${r.ratio.toFixed(2)} / ${r.compareRatio!.toFixed(2)}`);
}
// A group's fan-out: one MESSAGE becomes a copy per other member, each an xsip.generate.
const fanout = await benchGroupFanout({ messages: Math.max(400, Math.round(2000 * scale)), progress: progress('group fan-out: module runs', 18) });
results.groupFanout = fanout;
for (const f of fanout) {
  row(`module CPU per MESSAGE to a group of ${f.members} (${f.members - 1} copies, each answered 200 at once; ${n(f.messages)} offered 4 at a time, median of 3, no Yate)`,
    `${f.groupUs.toFixed(0)} us, ${f.perCopyUs.toFixed(1)} us per copy; a one-to-one MESSAGE yate-chat delivers itself ${f.deliveredUs.toFixed(1)} us (per copy: ratio ${f.ratio.toFixed(2)}), on the fast path ${f.fastUs.toFixed(1)} us`);
}

const sizes = { messages: Math.round(100_000 * scale), users: Math.max(1, Math.round(1_000 * scale)) };
const storeTick = (what: string) => ({ put: progress(`${what}: put`, sizes.messages), drain: progress(`${what}: delivered`, sizes.messages) });
const s = await benchStore({ ...sizes, progress: storeTick('store (SQLite)') });
results.storeSqlite = s;
row(`SQLite store alone: ${n(s.messages)} messages for ${n(s.users)} users, one fsync'd commit each`,
  `put ${n(s.storePerSec)} msg/s, drain (pending + delivered) ${n(s.drainPerSec)} msg/s, file ${(s.fileBytes / 1048576).toFixed(1)} MB`);
const mr = await benchMetricsRead({ messages: sizes.messages });
results.metricsRead = mr;
row(`/metrics store read (SQLite): ${n(mr.messages)} messages for as many recipients, median of 7`,
  `recipients() GROUP BY ${mr.scanMs.toFixed(1)} ms, summary() ${mr.summaryMs.toFixed(3)} ms: ratio ${n(mr.ratio)}`);
const offlineTick = (what: string) => ({ stored: progress(`${what}: answered 202`, sizes.messages), delivered: progress(`${what}: delivered`, sizes.messages) });
const o = await benchOffline({ ...sizes, progress: offlineTick('store-and-forward (SQLite)') });
results.offlineSqlite = o;
row(`store-and-forward through the emulator (SQLite): ${n(o.messages)} MESSAGEs to ${n(o.users)} offline users (each 202 after its commit), then all register`,
  `store ${n(o.storePerSec)} msg/s, deliver ${n(o.deliverPerSec)} msg/s, module peak RSS ${o.peakRssMB.toFixed(1)} MB`);

// PostgreSQL in the same run, on this machine (127.0.0.1), fsync and synchronous commit on.
const found = findPostgres();
if (!found.ok) {
  say('');
  say(`PostgreSQL rows skipped: ${found.reason}`);
  results.postgres = { skipped: found.reason };
} else {
  const cluster = await startCluster({ durable: true });
  try {
    const p = await benchStore({ ...sizes, postgresUrl: await cluster.createDatabase(), progress: storeTick('store (PostgreSQL)') });
    results.storePostgres = p;
    row(`PostgreSQL store alone (${found.bin}, one committed transaction per put, fsync on): ${n(p.messages)} messages for ${n(p.users)} users`,
      `put ${n(p.storePerSec)} msg/s, drain ${n(p.drainPerSec)} msg/s`);
    const po = await benchOffline({ ...sizes, postgresUrl: await cluster.createDatabase(), progress: offlineTick('store-and-forward (PostgreSQL)') });
    results.offlinePostgres = po;
    row(`store-and-forward through the emulator (PostgreSQL): ${n(po.messages)} MESSAGEs to ${n(po.users)} offline users, then all register`,
      `store ${n(po.storePerSec)} msg/s, deliver ${n(po.deliverPerSec)} msg/s, module peak RSS ${po.peakRssMB.toFixed(1)} MB`);
    const x = await benchCrossNode(await cluster.createDatabase(), { messages: Math.max(50, Math.round(500 * scale)) });
    results.crossNode = x;
    row(`cross-node delivery (PostgreSQL): stored on node A, delivered by node B where 555 registered, ${n(x.messages)} messages one at a time`,
      `from A's 202 to B's delivery p50 ${x.p50Ms.toFixed(1)} ms, p99 ${x.p99Ms.toFixed(1)} ms, max ${x.maxMs.toFixed(1)} ms`);
  } finally {
    await cluster.remove();
  }
}

if (flags.json) {
  writeFileSync(flags.json, JSON.stringify(results, null, 2) + '\n');
  say('');
  say(`every figure as JSON: ${flags.json}`);
}
