// What a MESSAGE to a group costs the module, without a Yate: the real module (scripts/yate-chat,
// as Yate starts it) is offered the recorded sip.message (generic path) addressed to a group of N
// members, all registered, by the fake engine of module-cost.ts, which answers each copy the module
// sends (an xsip.generate with wait=true) at once with 200. The module's CPU time (/proc) is
// divided by the group messages answered, and compared, in the same run, with the same module
// offered the one-to-one MESSAGE (the fast path: one message offered, none emitted). Runs
// alternate; medians are reported.
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
  /** Median module CPU per one-to-one MESSAGE (fast path) in the same runs, in µs. */
  readonly oneToOneUs: number;
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
  const out: FanoutResult[] = [];
  let done = 0;
  try {
    for (const size of sizes) {
      const members = ['123', ...Array.from({ length: size - 1 }, (_, i) => `m${i}`)];
      const rules = path.join(dir, `rules-${size}.json`);
      writeFileSync(rules, JSON.stringify({ rateLimit: false, offline: { store: { kind: 'memory' } }, groups: { team: members }, groupPolicy: { maxMembers: Math.max(100, size) } }));
      const registers = [registration('234'), ...members.slice(1).map((m, i) => registration(m, 6000 + i))];
      // Fewer messages for a larger group: about the same number of copies per run.
      const count = Math.max(200, Math.round((opts.messages ?? 2000) * 10 / size));
      const group: number[] = [];
      const single: number[] = [];
      for (let r = 0; r < runs; r++) {
        for (const kind of ['group', 'single'] as const) {
          const child = spawn(LAUNCHER, [rules], { env, stdio: ['pipe', 'pipe', 'inherit'] });
          const run = kind === 'group'
            ? await drive(child, toGroup, Math.round(count / 4), count, 4, /:true::.*code=200/, 0, registers)
            : await drive(child, oneToOne, count, count * 4, 16, /:false:xsip\.generate:/, 0, registers);
          const expected = kind === 'group' ? count : count * 4;
          if (run.fast !== expected) throw new Error(`fan-out to ${size}, ${kind}: ${run.fast} of ${expected} answers were the expected 200`);
          (kind === 'group' ? group : single).push(run.cpuUsPerMessage);
          opts.progress?.(++done);
        }
      }
      const groupUs = median(group);
      const oneToOneUs = median(single);
      out.push({ members: size, messages: count, groupUs, perCopyUs: groupUs / (size - 1), oneToOneUs, ratio: groupUs / oneToOneUs });
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return out;
}
