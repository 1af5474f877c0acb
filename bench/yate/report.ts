// bench:yate's table and its verdict: yate-chat against the minimal module on each SIP path
// (highest loss-free rate, sender p99 at the minimal module's highest loss-free rate, module
// CPU per MESSAGE), with the seed's figures beside them.
import { median } from '../stats.js';
import { PIPELINES, type StepResult } from './pipeline.js';

const lossFree = (s: StepResult) => s.sent > 0 && s.answered === s.sent && s.deliveredOnce === s.sent && s.duplicates === 0;

/** The highest rate with nothing lost, reached without a lossy rate below it. */
export function highestLossFree(steps: readonly StepResult[]): number {
  let best = 0;
  for (const s of steps) {
    if (!lossFree(s)) break;
    best = s.rate;
  }
  return best;
}

const ms = (n: number) => (Number.isFinite(n) ? n.toFixed(n < 10 ? 1 : 0) : '-');
const cpu = (n: number | null) => (n === null || !Number.isFinite(n) ? '-' : n.toFixed(3));

export function report(results: ReadonlyMap<string, readonly StepResult[]>): string {
  const lines = [
    '| pipeline | rate/s | answered 2xx | delivered once | p50 ms | p99 ms | Yate CPU ms/msg | module CPU ms/msg |',
    '| --- | --- | --- | --- | --- | --- | --- | --- |',
  ];
  for (const p of PIPELINES) {
    for (const s of results.get(p.name) ?? []) {
      lines.push(`| ${p.label} | ${s.rate} | ${s.answered}/${s.sent} | ${s.deliveredOnce}/${s.sent}${s.duplicates ? ` (+${s.duplicates} dup)` : ''} | ${ms(s.p50)} | ${ms(s.p99)} | ${cpu(s.yateCpuMs)} | ${cpu(s.moduleCpuMs)} |`);
    }
  }
  lines.push('');
  for (const path of ['generic', 'native'] as const) {
    const ours = results.get(`yate-chat-${path}`);
    const floor = results.get(`minimal-${path}`);
    if (!ours || !floor) continue;
    const oursTop = highestLossFree(ours);
    const floorTop = highestLossFree(floor);
    const atFloorTop = (steps: readonly StepResult[]) => steps.find((s) => s.rate === floorTop);
    const p99Ours = atFloorTop(ours)?.p99 ?? NaN;
    const p99Floor = atFloorTop(floor)?.p99 ?? NaN;
    // CPU per MESSAGE over the rates both handled without loss (the module's own cost, not its collapse).
    const common = (steps: readonly StepResult[]) => steps.filter((s) => lossFree(s) && s.rate <= Math.min(oursTop, floorTop)).map((s) => s.moduleCpuMs ?? NaN);
    const cpuOurs = median(common(ours));
    const cpuFloor = median(common(floor));
    const verdict = (ok: boolean) => (ok ? 'holds' : 'FAILS');
    lines.push(`${path} path: highest loss-free rate yate-chat ${oursTop}/s, minimal module ${floorTop}/s (${verdict(oursTop >= floorTop)}); ` +
      `p99 at ${floorTop}/s ${ms(p99Ours)} vs ${ms(p99Floor)} ms, ratio ${(p99Ours / p99Floor).toFixed(2)} (<= 1.5 ${verdict(p99Ours <= 1.5 * p99Floor)}); ` +
      `module CPU per MESSAGE ${cpu(cpuOurs)} vs ${cpu(cpuFloor)} ms, ratio ${(cpuOurs / cpuFloor).toFixed(2)} (<= 1.5 ${verdict(cpuOurs <= 1.5 * cpuFloor)})`);
  }
  const fork = results.get('yate-chat-fork-generic');
  const single = results.get('yate-chat-generic');
  if (fork && single) {
    const both = Math.min(highestLossFree(fork), highestLossFree(single));
    const cpuAt = (steps: readonly StepResult[]) => median(steps.filter((s) => lossFree(s) && s.rate <= both).map((s) => s.moduleCpuMs ?? NaN));
    const yateAt = (steps: readonly StepResult[]) => median(steps.filter((s) => lossFree(s) && s.rate <= both).map((s) => s.yateCpuMs));
    lines.push(`2-device fork (generic): highest loss-free rate ${highestLossFree(fork)}/s beside one device ${highestLossFree(single)}/s; ` +
      `module CPU per MESSAGE ${cpu(cpuAt(fork))} vs ${cpu(cpuAt(single))} ms, Yate CPU ${cpu(yateAt(fork))} vs ${cpu(yateAt(single))} ms (rates both held)`);
  }
  const seed = results.get('seed');
  if (seed) lines.push(`seed regexroute rules: highest loss-free rate ${highestLossFree(seed)}/s`);
  return lines.join('\n');
}
