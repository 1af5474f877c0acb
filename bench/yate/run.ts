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
// A line per rate as it goes; at the end the table and its verdict (stdout), also written to
// bench-yate.md, and the chart (sender p99 and loss against rate, one line per pipeline) to
// bench-yate.svg, both in the folder `--out DIR` names (default: the current one).
//
//   BENCH_YATE_RATES=50,100,150,200,250,300   rates to step through (MESSAGEs per second)
//   BENCH_YATE_MESSAGES=2000                   MESSAGEs per rate
//   BENCH_YATE_PIPELINES=seed,minimal-generic,minimal-native,yate-chat-generic,yate-chat-native,yate-chat-fork-generic
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { findYate } from '../../test/yate/find.js';
import { benchYateChart } from './chart.js';
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

const { values: flags } = parseArgs({ options: { out: { type: 'string', default: '.' } } });
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
const about = `Yate ${found.yate.version}, sipp ${sipp}, ${messages} MESSAGEs per rate`;
const ms = (n: number) => (Number.isFinite(n) ? `${Math.round(n)} ms` : '-');
process.stdout.write(`bench:yate: ${about}, rates ${rates.join(', ')}/s\n`);
for (const p of PIPELINES.filter((x) => wanted.includes(x.name))) {
  results.set(p.name, await runPipeline(found.yate, p, rates, messages, (s) => process.stdout.write(
    `  ${p.label}, ${s.rate}/s: ${s.answered}/${s.sent} answered 2xx, ${s.deliveredOnce} delivered once${s.duplicates ? ` (+${s.duplicates} twice)` : ''}, ` +
      `p50 ${ms(s.p50)}, p99 ${ms(s.p99)}, Yate CPU ${s.yateCpuMs.toFixed(3)} ms/msg${s.moduleCpuMs === null ? '' : `, module ${s.moduleCpuMs.toFixed(3)} ms/msg`}\n`,
  )));
}
const table = report(results);
const md = path.join(flags.out!, 'bench-yate.md');
const svg = path.join(flags.out!, 'bench-yate.svg');
writeFileSync(md, `bench:yate: ${about}, ${new Date().toISOString()}\n\n${table}\n`);
writeFileSync(svg, benchYateChart(results, `npm run bench:yate: ${about}, ${new Date().toISOString().slice(0, 10)}`));
process.stdout.write(`\n${table}\n\ntable: ${md}\nchart: ${svg}\n`);
