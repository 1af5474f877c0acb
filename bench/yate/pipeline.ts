// One pipeline of bench:yate: a real Yate set up for it, a registered sipp receiver, and a
// sipp sender stepping through the rates. See run.ts.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort, startYate, type RunningYate, type YateOptions } from '../../test/yate/engine.js';
import type { YateInstall } from '../../test/yate/find.js';
import { openUa } from '../../test/yate/sip-ua.js';
import { percentile } from '../stats.js';

const HERE = fileURLToPath(new URL('../../../bench/yate/', import.meta.url));
const MINIMAL = fileURLToPath(new URL('../../../bench/minimal-module.mjs', import.meta.url));

export interface Pipeline {
  readonly name: string;
  readonly label: string;
  readonly sipPath: 'generic' | 'native';
  readonly kind: 'seed' | 'minimal' | 'yate-chat';
  /** Devices 234 registers from, each a sipp receiver of its own [1]; 2: yate-chat forks. */
  readonly devices?: number;
}

export const PIPELINES: readonly Pipeline[] = [
  { name: 'seed', label: 'seed regexroute rules (generic)', sipPath: 'generic', kind: 'seed' },
  { name: 'minimal-generic', label: 'minimal module, generic', sipPath: 'generic', kind: 'minimal' },
  { name: 'yate-chat-generic', label: 'yate-chat, generic', sipPath: 'generic', kind: 'yate-chat' },
  { name: 'minimal-native', label: 'minimal module, native', sipPath: 'native', kind: 'minimal' },
  { name: 'yate-chat-native', label: 'yate-chat, native', sipPath: 'native', kind: 'yate-chat' },
  { name: 'yate-chat-fork-generic', label: 'yate-chat, generic, 2 devices (fork)', sipPath: 'generic', kind: 'yate-chat', devices: 2 },
];

export interface StepResult {
  readonly rate: number;
  readonly sent: number;
  /** Senders that got a 2xx. */
  readonly answered: number;
  /** MESSAGEs every receiver (device) got exactly once. */
  readonly deliveredOnce: number;
  readonly duplicates: number;
  /** Sender response times of the answered ones, ms. */
  readonly p50: number;
  readonly p99: number;
  /** CPU per MESSAGE, ms. */
  readonly yateCpuMs: number;
  readonly moduleCpuMs: number | null;
}

/** CPU seconds (user + system) a process has used, or null when it is gone. */
function cpuSeconds(pid: number | undefined): number | null {
  if (!pid) return null;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'latin1');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(f[11]) + Number(f[12])) / 100;
  } catch {
    return null;
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function run(cmd: string, args: string[], cwd: string): Promise<number | null> {
  return new Promise((resolve) => {
    const c = spawn(cmd, args, { cwd, stdio: 'ignore' });
    c.once('close', (code) => resolve(code));
  });
}

function yateOptions(p: Pipeline, receiverPort: number): YateOptions {
  const base = { sipPath: p.sipPath, extmoduleTimeout: 10000 } as const;
  switch (p.kind) {
    case 'seed':
      return { ...base, script: false, modules: ['regexroute', 'lateroute'], extraConfigs: { 'regexroute.conf': readFileSync(path.join(HERE, 'regexroute-seed.conf'), 'utf8') } };
    case 'minimal':
      return { ...base, scriptLine: { launcher: MINIMAL, argument: `127.0.0.1:${receiverPort}` } };
    case 'yate-chat':
      return { ...base, rules: { rateLimit: false } };
  }
}

/** The last line of a sipp -trace_stat file, as name -> value. */
function sippStats(file: string): Map<string, string> {
  const lines = readFileSync(file, 'latin1').trim().split('\n');
  const names = lines[0]!.split(';');
  const values = lines.at(-1)!.split(';');
  return new Map(names.map((n, i) => [n, values[i] ?? '']));
}

/** One sipp sender run: `messages` MESSAGEs from 123 to 234 at `rate`/s, results in `dir`. */
async function sendStep(yate: RunningYate, dir: string, step: string, rate: number, messages: number): Promise<void> {
  const senderPort = await freePort('udp');
  mkdirSync(dir, { recursive: true });
  await run('sipp', ['-sf', path.join(HERE, 'sender.xml'), '-i', '127.0.0.1', '-p', String(senderPort), '-s', '234', '-au', '123', '-ap', 'pw123',
    '-key', 'step', step, '-r', String(rate), '-rp', '1000', '-m', String(messages), '-nostdin', '-nd',
    '-trace_stat', '-stf', path.join(dir, 'stat.csv'), '-trace_rtt', '-rtt_freq', '1', `127.0.0.1:${yate.sipPort}`], dir);
}

export async function runPipeline(install: YateInstall, p: Pipeline, rates: readonly number[], messages: number, onStep: (s: StepResult) => void): Promise<StepResult[]> {
  const work = mkdtempSync(path.join(os.tmpdir(), `yate-chat-bench-${p.name}-`));
  const ports: number[] = [];
  for (let i = 0; i < (p.devices ?? 1); i++) ports.push(await freePort('udp'));
  const receiverPort = ports[0]!;
  const logs = ports.map((_, i) => path.join(work, `received-${i}.log`));
  let yate: RunningYate | null = null;
  const receivers: ChildProcess[] = [];
  const out: StepResult[] = [];
  try {
    yate = await startYate(install, yateOptions(p, receiverPort));
    // 234 registers from each receiver's own port (so ysipchan sees no NAT), then sipp takes it.
    for (const port of ports) {
      const ua = await openUa({ user: '234', password: 'pw234', serverPort: yate.sipPort, port });
      const reg = await ua.register();
      if (reg.code !== 200) throw new Error(`234 could not register: ${reg.code}`);
      await ua.close();
    }
    ports.forEach((port, i) => receivers.push(spawn('sipp', ['-sf', path.join(HERE, 'receiver.xml'), '-i', '127.0.0.1', '-p', String(port), '-nostdin', '-nd',
      '-trace_logs', '-log_file', logs[i]!], { cwd: work, stdio: 'ignore' })));
    await sleep(500);
    const modulePid = p.kind === 'seed' ? undefined : await yate.modulePid();
    // Warm up (not measured): a long-running module has its code compiled (V8 keeps optimising
    // for thousands of messages) and its caches full.
    await sendStep(yate, path.join(work, 'warmup'), 'warmup', 100, Math.min(2000, messages));
    await sleep(1000);
    let lossy = 0;
    for (const rate of rates) {
      const step = `r${rate}`;
      const dir = path.join(work, step);
      const y0 = cpuSeconds(yate.pid);
      const m0 = cpuSeconds(modulePid);
      await sendStep(yate, dir, step, rate, messages);
      await sleep(2000); // the last deliveries
      const y1 = cpuSeconds(yate.pid);
      const m1 = cpuSeconds(modulePid);
      const stats = sippStats(path.join(dir, 'stat.csv'));
      const rttFile = readdirSync(dir).find((f) => f.endsWith('_rtt.csv'));
      const times = rttFile ? readFileSync(path.join(dir, rttFile), 'latin1').split('\n').slice(1).map((l) => Number(l.split(';')[1])).filter((n) => Number.isFinite(n)) : [];
      // Per device: how often each MESSAGE arrived; delivered once = at every device exactly once.
      const seenBy = logs.map((log) => {
        const seen = new Map<string, number>();
        for (const l of readFileSync(log, 'latin1').split('\n')) if (l.startsWith(`got ${step}-`)) seen.set(l, (seen.get(l) ?? 0) + 1);
        return seen;
      });
      const r: StepResult = {
        rate,
        sent: Number(stats.get('OutgoingCall(C)') ?? 0),
        answered: Number(stats.get('SuccessfulCall(C)') ?? 0),
        deliveredOnce: [...seenBy[0]!].filter(([l, n]) => n === 1 && seenBy.every((s) => s.get(l) === 1)).length,
        duplicates: seenBy.reduce((sum, seen) => sum + [...seen.values()].reduce((a, n) => a + n - 1, 0), 0),
        p50: percentile(times, 50),
        p99: percentile(times, 99),
        yateCpuMs: y0 !== null && y1 !== null ? ((y1 - y0) * 1000) / messages : NaN,
        moduleCpuMs: m0 !== null && m1 !== null ? ((m1 - m0) * 1000) / messages : null,
      };
      out.push(r);
      onStep(r);
      lossy = r.answered < messages || r.deliveredOnce < messages ? lossy + 1 : 0;
      if (lossy >= 2) break; // past its knee: higher rates only lose more
    }
  } finally {
    for (const r of receivers) r.kill('SIGKILL');
    await yate?.dispose();
    if (!process.env.BENCH_YATE_KEEP) rmSync(work, { recursive: true, force: true });
  }
  return out;
}
