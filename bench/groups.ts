// What a MESSAGE to a group costs the module, without a Yate: the real module (scripts/yate-chat,
// as Yate starts it) is offered the recorded sip.message (generic path) addressed to a group of N
// members, all registered, by the fake engine of module-cost.ts, which answers each copy the module
// sends (an xsip.generate with wait=true) at once with 200. The module's CPU time (/proc) is
// divided by the group messages answered, and compared, in the same run, with the same module
// offered the one-to-one MESSAGE, delivered by yate-chat itself (delivery.inPlace false: one
// xsip.generate, what each copy is) and on the fast path (handed to ysipchan, nothing emitted).
// Runs alternate; medians are reported.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { drive, LAUNCHER, recorded, registration } from './module-cost.js';
import type { Progress } from './progress.js';
import { median } from './stats.js';

export interface FanoutResult {
  /** Members of the group, its writer included: a message becomes members - 1 copies. */
  readonly members: number;
  readonly messages: number;
  /** Median module CPU per group message, and per copy, in µs. */
  readonly groupUs: number;
  readonly perCopyUs: number;
  /** Median module CPU per one-to-one MESSAGE yate-chat delivers itself, and per one on the fast
   *  path, in the same runs, in µs. */
  readonly deliveredUs: number;
  readonly fastUs: number;
  /** perCopyUs / deliveredUs: what a copy costs against the same delivery to one user. */
  readonly ratio: number;
}

export interface FanoutOptions {
  readonly sizes?: readonly number[];
  /** Group messages offered per run, per size (scaled down for the larger groups). */
  readonly messages?: number;
  readonly runs?: number;
  readonly progress?: Progress;
}

export async function benchGroupFanout(opts: FanoutOptions = {}): Promise<FanoutResult[]> {
  const sizes = opts.sizes ?? [10, 100];
  const runs = opts.runs ?? 3;
  const dir = mkdtempSync(path.join(os.tmpdir(), 'yate-chat-fanout-'));
  const env = { ...process.env, YATE_CHAT_DATA: dir };
  const oneToOne = recorded('seed-generic-message.txt', 'sip.message');
  const toGroup = oneToOne.replace(':called=234:', ':called=team:');
  const SINGLES = 4000;
  const out: FanoutResult[] = [];
  let done = 0;
  try {
    for (const size of sizes) {
      const members = ['123', ...Array.from({ length: size - 1 }, (_, i) => `m${i}`)];
      const rules = path.join(dir, `rules-${size}.json`);
      const base = { rateLimit: false, offline: { store: { kind: 'memory' } }, groups: { team: members }, groupPolicy: { maxMembers: Math.max(100, size) } };
      writeFileSync(rules, JSON.stringify(base));
      const itself = path.join(dir, `rules-${size}-itself.json`);
      writeFileSync(itself, JSON.stringify({ ...base, delivery: { inPlace: false } }));
      const registers = [registration('234'), ...members.slice(1).map((m, i) => registration(m, 6000 + i))];
      // Fewer messages for a larger group: about the same number of copies per run.
      const count = Math.max(200, Math.round((opts.messages ?? 2000) * 10 / size));
      const us = { group: [] as number[], delivered: [] as number[], fast: [] as number[] };
      for (let r = 0; r < runs; r++) {
        for (const kind of ['group', 'delivered', 'fast'] as const) {
          const child = spawn(LAUNCHER, [kind === 'delivered' ? itself : rules], { env, stdio: ['pipe', 'pipe', 'inherit'] });
          const n = kind === 'group' ? count : SINGLES;
          const run = await drive(child, kind === 'group' ? toGroup : oneToOne, Math.round(n / 4), n, kind === 'fast' ? 16 : 4,
            kind === 'fast' ? /:false:xsip\.generate:/ : /:true::.*code=200/, 0, registers);
          if (run.fast !== n) throw new Error(`fan-out to ${size}, ${kind}: ${run.fast} of ${n} answers were the expected 200`);
          us[kind].push(run.cpuUsPerMessage);
          opts.progress?.(++done);
        }
      }
      const groupUs = median(us.group);
      const deliveredUs = median(us.delivered);
      out.push({ members: size, messages: count, groupUs, perCopyUs: groupUs / (size - 1), deliveredUs, fastUs: median(us.fast), ratio: groupUs / (size - 1) / deliveredUs });
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return out;
}
