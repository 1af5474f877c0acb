// Every device of a user (docs/devices.md), in module CPU and memory, without a Yate (the fake
// engine of module-cost.ts, over pipes, the real module as Yate starts it):
//
// - a 2-device fork beside the fast path, in the same run: 234 registered from one device (the
//   MESSAGE is handed to ysipchan in place, nothing emitted) or from two (yate-chat sends a copy
//   to each: two xsip.generate, answered 200 at once by the fake engine, and the late-window
//   record kept in the memory store, the oldest making room at the user's quota); runs
//   interleaved, medians;
// - the view holding 100 000 devices (50 000 users, two each, with instance ids and User-Agents
//   as Linphone sends them) beside an empty one (234 alone): the module's resident memory once
//   they are in, and the fast path's CPU per MESSAGE at that size.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { drive, recorded, registerLine } from './module-cost.js';
import { median } from './stats.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const LAUNCHER = path.join(ROOT, 'scripts/yate-chat');

/** A Linphone-like REGISTER of device `i` of `user`: its own address, instance id and User-Agent. */
function deviceLine(user: string, i: number, n: number): string {
  const contact = `sip:${user}@10.${(n >> 16) & 255}.${(n >> 8) & 255}.${n & 255}:${5060 + i};transport=tcp`;
  const uuid = `${n.toString(16).padStart(8, '0')}-7dec-11d0-a765-00a0c91e6bf${i}`;
  return `${registerLine(user, contact)};+sip.instance="<urn%zuuid%z${uuid}>";reg-id=1:device=Linphone-Desktop/5.1.2 (belle-sip/5.1.55):sip_callid=${uuid}@10.0.0.1`;
}

export interface ForkCostRow {
  readonly path: 'generic' | 'native';
  readonly messages: number;
  readonly fastUs: number;
  readonly forkUs: number;
  readonly ratio: number;
}

export interface ViewSizeRow {
  readonly devices: number;
  readonly emptyRssMB: number;
  readonly fullRssMB: number;
  /** Fast path CPU per MESSAGE (generic), µs. */
  readonly emptyUs: number;
  readonly fullUs: number;
  readonly ratio: number;
}

export async function benchDevices(opts: { messages?: number; runs?: number; devices?: number } = {}): Promise<{ fork: ForkCostRow[]; view: ViewSizeRow }> {
  const count = opts.messages ?? 20_000;
  const runs = opts.runs ?? 5;
  const warmup = Math.round(count / 4);
  const dir = mkdtempSync(path.join(os.tmpdir(), 'yate-chat-devices-'));
  const rules = path.join(dir, 'rules.json');
  // The store's own limits: a user's messages kept for the late window make room for the next
  // at offline.quotaPerRecipient (100), as in production.
  writeFileSync(rules, JSON.stringify({ rateLimit: false, offline: { store: { kind: 'memory' } } }));
  const env = { ...process.env, YATE_CHAT_DATA: dir };
  const start = () => spawn(LAUNCHER, [rules], { env, stdio: ['pipe', 'pipe', 'inherit'] });
  const one = [registerLine('234', 'sip:234@127.0.0.1:5070')];
  const two = [...one, registerLine('234', 'sip:234@127.0.0.1:5071')];
  try {
    const fork: ForkCostRow[] = [];
    for (const p of ['generic', 'native'] as const) {
      const template = p === 'generic' ? recorded('seed-generic-message.txt', 'sip.message') : recorded('native-message.txt', 'call.route');
      const fastAnswer = p === 'generic' ? /:false:xsip\.generate:/ : /:true::sip\//;
      const us = { fast: [] as number[], fork: [] as number[] };
      for (let i = 0; i < runs; i++) {
        const f = await drive(start(), template, warmup, count, 16, fastAnswer, 0, one);
        if (f.fast !== count) throw new Error(`fast ${p}: ${f.fast} of ${count} took the fast path`);
        us.fast.push(f.cpuUsPerMessage);
        const k = await drive(start(), template, warmup, count, 16, /:true:.*:code=200(?::|$)/, 0, two);
        if (k.fast !== count) throw new Error(`fork ${p}: ${k.fast} of ${count} answered 200`);
        us.fork.push(k.cpuUsPerMessage);
      }
      fork.push({ path: p, messages: count, fastUs: median(us.fast), forkUs: median(us.fork), ratio: median(us.fork) / median(us.fast) });
    }

    const devices = opts.devices ?? 100_000;
    const users = Math.ceil(devices / 2);
    const full = [...one];
    for (let u = 0; u < users; u++) for (let i = 0; i < 2 && full.length <= devices; i++) full.push(deviceLine(`u${u}`, i, u * 2 + i));
    const template = recorded('seed-generic-message.txt', 'sip.message');
    const size = { emptyUs: [] as number[], fullUs: [] as number[], emptyRss: [] as number[], fullRss: [] as number[] };
    for (let i = 0; i < Math.max(1, Math.round(runs / 2)); i++) {
      const e = await drive(start(), template, warmup, count, 16, /:false:xsip\.generate:/, 0, one);
      const f = await drive(start(), template, warmup, count, 16, /:false:xsip\.generate:/, 0, full);
      if (e.fast !== count || f.fast !== count) throw new Error('view size: not every MESSAGE took the fast path');
      size.emptyUs.push(e.cpuUsPerMessage);
      size.fullUs.push(f.cpuUsPerMessage);
      size.emptyRss.push(e.rssMB);
      size.fullRss.push(f.rssMB);
    }
    return {
      fork,
      view: {
        devices: full.length, emptyRssMB: median(size.emptyRss), fullRssMB: median(size.fullRss),
        emptyUs: median(size.emptyUs), fullUs: median(size.fullUs), ratio: median(size.fullUs) / median(size.emptyUs),
      },
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
