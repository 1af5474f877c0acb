// Module CPU per MESSAGE, without a Yate: the real module (scripts/yate-chat, as Yate starts it)
// and the floor for any module (bench/minimal-module.mjs) are each offered the same recorded
// sip.message (generic path) or call.route (native path) lines over pipes, a few in flight at
// once, by a tiny fake engine that answers their start-up; the CPU time the module's process
// used (/proc/PID/stat: user + system) is divided by the messages answered. Both get the
// recipient registered first (yate-chat learns it from a watched user.register), so both take
// their fast path: answer at once, nothing emitted. Runs alternate, the median is reported.
// drive() also serves bench/devices.ts: other registrations first, an xsip.generate the module
// emits answered 200 at once, and a native MESSAGE the module routes to itself offered back as
// the msg.execute ysipchan would dispatch.
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync, mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { median } from './stats.js';
import type { Progress } from './progress.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const LAUNCHER = path.join(ROOT, 'scripts/yate-chat');
const MINIMAL = path.join(ROOT, 'bench/minimal-module.mjs');
const TRANSCRIPTS = path.join(ROOT, 'test/fixtures/transcripts');

/** The first recorded line offering `name`, without its `E: ` prefix. */
export function recorded(file: string, name: string): string {
  const l = readFileSync(path.join(TRANSCRIPTS, file), 'latin1').split('\n').find((x) => x.includes(`:${name}::`) && x.startsWith('E: %%>message:'));
  if (!l) throw new Error(`no ${name} in ${file}`);
  return l.slice(3);
}

/** A watched user.register of `user` from `contact` (as ysipchan fills it, after regfile took it). */
export function registerLine(user: string, contact: string): string {
  const esc = (s: string) => s.replace(/[%:]/g, (c) => (c === '%' ? '%%' : '%z'));
  return `%%<message::true:user.register::number=${user}:expires=3600:username=${user}:domain=127.0.0.1:driver=sip:`
    + `data=sip/${esc(contact)}:connection_id=general:route_params=oconnection_id:oconnection_id=general:sip_contact=<${esc(contact)}>`;
}

/** The watched user.register of `user` at 127.0.0.1:`port`. */
export const registration = (user: string, port = 5070): string => registerLine(user, `sip:${user}@127.0.0.1:${port}`);

/** Resident memory of a process now (VmRSS), MB. */
export function rssMB(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) / 1024 : NaN;
}

/** CPU seconds (user + system) a process has used. */
export function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'latin1');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(f[11]) + Number(f[12])) / 100; // utime, stime in clock ticks (USER_HZ = 100)
}

export interface Run {
  readonly cpuUsPerMessage: number;
  readonly answered: number;
  /** Answers that matched `expect`. */
  readonly fast: number;
  /** The module's resident memory once the registrations were in and before the offers, MB. */
  readonly rssMB: number;
}

/** Drive one module process: start-up, the registrations (`setup`, 234's unless it says which),
 *  `warmup` offers (not measured: the JIT settles), then `count` offers, `window` in flight. What
 *  the module dispatches itself (a group's or a fork's copies: xsip.generate) is answered at once
 *  with code 200, as ysipchan would for a phone that took it. */
export async function drive(child: ChildProcess, template: string, warmup: number, count: number, window: number, expect: RegExp, gapMs = 0, setup: readonly string[] = [registration('234')]): Promise<Run> {
  const stdin = child.stdin!;
  const send = (l: string) => stdin.write(l + '\n', 'latin1');
  let ready!: () => void;
  const isReady = new Promise<void>((r) => (ready = r));
  let sync = (): void => {};
  let buf = '';
  let answered = 0;
  let fast = 0;
  let inFlight = 0;
  let next = 0;
  let done!: () => void;
  let finished = new Promise<void>((r) => (done = r));
  let target = warmup;
  const offer = () => {
    while (inFlight < window && next < target) {
      inFlight++;
      send(template.replace(/^%%>message:[^:]*:/, `%%>message:bench.${next++}:`));
    }
  };
  child.stdout!.on('data', (chunk: Buffer) => {
    buf += chunk.toString('latin1');
    let nl;
    while ((nl = buf.indexOf('\n')) >= 0) {
      const line = buf.slice(0, nl);
      buf = buf.slice(nl + 1);
      let m: RegExpExecArray | null;
      if ((m = /^%%>message:([^:]*):\d+:xsip\.generate:/.exec(line))) send(`%%<message:${m[1]}:true:xsip.generate::code=200`);
      else if ((m = /^%%>message:([^:]*):\d+:([^:]*):/.exec(line))) send(`%%<message:${m[1]}:false:${m[2]}::`);
      else if ((m = /^%%<message:(bench\.\d+):true::(yate-chat\/[^:]*)(?::|$)/.exec(line))) {
        // A native MESSAGE routed to ourselves: ysipchan dispatches msg.execute to that route.
        send(template.replace(/^%%>message:[^:]*:(\d+):call\.route:/, `%%>message:${m[1]}.x:$1:msg.execute:`) + `:callto=${m[2]}:yatechat_route=yes`);
      } else if ((m = /^%%>setlocal:([^:]*):(.*)$/.exec(line))) {
        const value = m[1] === 'timeout' ? '10000' : m[1] === 'loaded.regfile' ? 'true' : m[1] === 'engine.maxworkers' ? '10' : m[2];
        send(`%%<setlocal:${m[1]}:${value}:true`);
      } else if ((m = /^%%>install:([^:]*):([^:]*)/.exec(line))) send(`%%<install:${m[1] || '100'}:${m[2]}:true`);
      else if ((m = /^%%>watch:(.*)$/.exec(line))) send(`%%<watch:${m[1]}:true`);
      else if (/^%%<message:bench\.\d+(\.x)?:/.test(line)) {
        answered++;
        if (expect.test(line)) fast++;
        inFlight--;
        if (answered === target) done();
        else if (gapMs) setTimeout(offer, gapMs);
        else offer();
      }
      if (line.startsWith('%%<message:sync:')) sync();
      if (/ready on stdio|^%%>install:90:call\.route/.test(line)) ready();
    }
  });
  await isReady;
  for (let i = 0; i < setup.length; i += 1000) {
    for (const l of setup.slice(i, i + 1000)) send(l);
    await new Promise((r) => setImmediate(r));
  }
  // Lines are taken in order: once this is answered, every registration before it is in.
  const synced = new Promise<void>((r) => (sync = r));
  send('%%>message:sync:0:engine.status::module=nobody');
  await synced;
  await new Promise((r) => setTimeout(r, 200));
  const rss = rssMB(child.pid!);
  offer();
  await finished;
  finished = new Promise<void>((r) => (done = r));
  target = warmup + count;
  const fast0 = fast;
  const cpu0 = cpuSeconds(child.pid!);
  offer();
  await finished;
  const cpu = cpuSeconds(child.pid!) - cpu0;
  fast -= fast0;
  stdin.end();
  await new Promise((r) => child.once('close', r));
  return { cpuUsPerMessage: (cpu * 1e6) / count, answered: answered - warmup, fast, rssMB: rss };
}

export interface ModuleCostResult {
  readonly path: 'generic' | 'native';
  readonly messages: number;
  /** Median CPU µs per MESSAGE. */
  readonly yateChatUs: number;
  readonly minimalUs: number;
  readonly ratio: number;
  /** With `compare`: yate-chat under those rules instead, run interleaved with the others. */
  readonly compareUs?: number;
  readonly compareRatio?: number;
}

export interface ModuleCostOptions {
  readonly messages?: number;
  readonly warmup?: number;
  readonly runs?: number;
  readonly window?: number;
  readonly gapMs?: number;
  readonly rules?: Record<string, unknown>;
  readonly compare?: Record<string, unknown>;
  /** Told each module run done (both paths, every kind, every repetition). */
  readonly progress?: Progress;
}

export async function benchModuleCost(opts: ModuleCostOptions = {}): Promise<ModuleCostResult[]> {
  const count = opts.messages ?? 20000;
  const runs = opts.runs ?? 5;
  const window = opts.window ?? 16;
  const gapMs = opts.gapMs ?? 0;
  const dir = mkdtempSync(path.join(os.tmpdir(), 'yate-chat-cost-'));
  const rules = path.join(dir, 'rules.json');
  writeFileSync(rules, JSON.stringify({ rateLimit: false, offline: { store: { kind: 'memory' } }, ...opts.rules }));
  const compareRules = path.join(dir, 'compare.json');
  writeFileSync(compareRules, JSON.stringify({ rateLimit: false, offline: { store: { kind: 'memory' } }, ...opts.rules, ...opts.compare }));
  const kinds = opts.compare ? (['yate-chat', 'compare', 'minimal'] as const) : (['yate-chat', 'minimal'] as const);
  const env = { ...process.env, YATE_CHAT_DATA: dir };
  const out: ModuleCostResult[] = [];
  let done = 0;
  try {
    for (const p of ['generic', 'native'] as const) {
      const template = p === 'generic' ? recorded('seed-generic-message.txt', 'sip.message') : recorded('native-message.txt', 'call.route');
      const expect = p === 'generic' ? /:false:xsip\.generate:/ : /:true::sip\//;
      const us = { 'yate-chat': [] as number[], compare: [] as number[], minimal: [] as number[] };
      for (let i = 0; i < runs; i++) {
        for (const which of kinds) {
          const child = which === 'minimal'
            ? spawn(process.execPath, [MINIMAL, '127.0.0.1:5070'], { env, stdio: ['pipe', 'pipe', 'inherit'] })
            : spawn(LAUNCHER, [which === 'compare' ? compareRules : rules], { env, stdio: ['pipe', 'pipe', 'inherit'] });
          const r = await drive(child, template, opts.warmup ?? Math.round(count / 4), count, window, expect, gapMs);
          if (r.fast !== count) throw new Error(`${which} ${p}: ${r.fast} of ${count} answers took the fast path`);
          us[which].push(r.cpuUsPerMessage);
          opts.progress?.(++done);
        }
      }
      const floor = median(us.minimal);
      out.push({
        path: p, messages: count, yateChatUs: median(us['yate-chat']), minimalUs: floor, ratio: median(us['yate-chat']) / floor,
        ...(opts.compare ? { compareUs: median(us.compare), compareRatio: median(us.compare) / floor } : {}),
      });
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return out;
}
