// Store-and-forward through the emulator: N messages for U offline users (each answered 202
// after its commit, to SQLite or to PostgreSQL), then every user registers and all of them are
// delivered.
import { readFileSync } from 'node:fs';
import { startLab } from '../src/demo/lab.js';
import type { Progress } from './progress.js';

export interface OfflineBenchResult {
  readonly messages: number;
  readonly users: number;
  readonly storePerSec: number;
  readonly deliverPerSec: number;
  readonly peakRssMB: number;
}

function peakRss(pid: number | null): number {
  if (!pid) return NaN;
  const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) / 1024 : NaN;
}

export async function benchOffline(opts: { messages?: number; users?: number; concurrency?: number; postgresUrl?: string; progress?: { stored: Progress; delivered: Progress } } = {}): Promise<OfflineBenchResult> {
  const messages = opts.messages ?? 100_000;
  const users = opts.users ?? 1_000;
  const concurrency = opts.concurrency ?? 8; // like a handful of Yate worker threads
  const names = Array.from({ length: users }, (_, i) => `u${1000 + i}`);
  const lab = await startLab({
    users: ['123', ...names],
    rules: {
      rateLimit: false,
      offline: {
        store: opts.postgresUrl ? { kind: 'postgres', url: opts.postgresUrl } : { kind: 'sqlite', path: 'bench.db' },
        quotaPerRecipient: messages, maxMessages: messages, knownUsers: 'anyone',
      },
    },
    ysipchan: { answerDelay: 0 },
  });
  try {
    let next = 0;
    const t0 = performance.now();
    await Promise.all(Array.from({ length: concurrency }, async () => {
      while (next < messages) {
        const i = next++;
        const code = await lab.sip.receiveMessage({ path: 'generic', caller: '123', called: names[i % users]!, type: 'text/plain', body: `message ${i} `.padEnd(160, '.') });
        if (code !== 202) throw new Error(`message ${i} got ${code}, expected 202`);
        opts.progress?.stored(i + 1);
      }
    }));
    const storeMs = performance.now() - t0;
    const t1 = performance.now();
    for (const u of names) await lab.register(u);
    const until = Date.now() + 30 * 60_000;
    while (lab.sip.sent.filter((r) => r.code !== null).length < messages) {
      if (Date.now() > until) throw new Error(`only ${lab.sip.sent.length} of ${messages} delivered`);
      opts.progress?.delivered(lab.sip.sent.filter((r) => r.code !== null).length);
      await new Promise((r) => setTimeout(r, 50));
    }
    const deliverMs = performance.now() - t1;
    const rss = peakRss(lab.link.pid);
    lab.emu.assertExactlyOnce();
    return { messages, users, storePerSec: messages / (storeMs / 1000), deliverPerSec: messages / (deliverMs / 1000), peakRssMB: rss };
  } finally {
    await lab.close();
  }
}
