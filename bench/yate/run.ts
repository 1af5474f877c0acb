// `npm run bench:yate`: what each MESSAGE pipeline costs a REAL Yate, in one run against one
// Yate build, with real SIP traffic (sipp): the seed's regexroute rules, the minimal
// rename-only module (bench/minimal-module.mjs, the floor for any module) on both SIP paths,
// and yate-chat on both paths, and yate-chat forking to 234 registered from two devices (generic).
// For each pipeline the rate steps up; at each rate a sipp sender (user 123, digest auth) sends
// MESSAGEs to 234, a registered sipp receiver (one per device) answers them 200.
// Reported per rate: senders answered 2xx / sent, delivered exactly once / sent, the senders'
// p50 and p99 (first MESSAGE to final answer, challenge included), Yate's and the module's
// CPU per MESSAGE (/proc: user + system). Needs an installed Yate (YATE_PREFIX or `yate` on
// PATH) and sipp; without them it says so in one line and exits 0.
//
//   BENCH_YATE_RATES=50,100,150,200,250,300   rates to step through (MESSAGEs per second)
//   BENCH_YATE_MESSAGES=2000                   MESSAGEs per rate
//   BENCH_YATE_PIPELINES=seed,minimal-generic,minimal-native,yate-chat-generic,yate-chat-native,yate-chat-fork-generic
import { execFileSync } from 'node:child_process';
import { findYate } from '../../test/yate/find.js';
import { PIPELINES, runPipeline, type StepResult } from './pipeline.js';
import { report } from './report.js';

function sippVersion(): string | null {
  try {
    return /SIPp v?([\d.]+)/.exec(execFileSync('sipp', ['-v'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }))?.[1] ?? 'unknown';
  } catch (err) {
    const out = String((err as { stdout?: string }).stdout ?? '');
    return /SIPp v?([\d.]+)/.exec(out)?.[1] ?? null;
  }
}

const found = findYate();
if (!found.ok) {
  process.stdout.write(`bench:yate skipped: ${found.reason}\n`);
  process.exit(found.requested ? 1 : 0);
}
const sipp = sippVersion();
if (!sipp) {
  process.stdout.write('bench:yate skipped: sipp is not installed (Debian package sip-tester)\n');
  process.exit(0);
}

const rates = (process.env.BENCH_YATE_RATES ?? '50,100,150,200,250,300').split(',').map(Number).filter((n) => n > 0);
const messages = Number(process.env.BENCH_YATE_MESSAGES ?? '2000');
const wanted = (process.env.BENCH_YATE_PIPELINES ?? PIPELINES.map((p) => p.name).join(',')).split(',');
const results = new Map<string, StepResult[]>();
process.stdout.write(`bench:yate: ${found.yate.version}, sipp ${sipp}, ${messages} MESSAGEs per rate, rates ${rates.join(', ')}/s\n`);
for (const p of PIPELINES.filter((x) => wanted.includes(x.name))) {
  results.set(p.name, await runPipeline(found.yate, p, rates, messages, (s) => process.stdout.write(`  ${p.name} ${s.rate}/s: ${JSON.stringify(s)}\n`)));
}
process.stdout.write('\n' + report(results) + '\n');
