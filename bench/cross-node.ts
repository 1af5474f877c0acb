// Cross-node delivery latency: two emulated Yate nodes, each running the real module, on one
// PostgreSQL database. 555 is registered on node B only; node A gets MESSAGEs for 555 one at a
// time, keeps each (202 after its commit) and B delivers it, told by the database's
// notification. Measured per message: from A's 202 to B's MESSAGE answered by 555's device
// (the emulated far end answers at once). No retry pass runs meanwhile (an hour apart).
import { startLab } from '../src/demo/lab.js';
import { percentile } from './stats.js';

export interface CrossNodeResult {
  readonly messages: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly maxMs: number;
}

export async function benchCrossNode(url: string, opts: { messages?: number } = {}): Promise<CrossNodeResult> {
  const messages = opts.messages ?? 200;
  const rules = { rateLimit: false, offline: { store: { kind: 'postgres', url }, retryIntervalSeconds: 3600, quotaPerRecipient: messages + 1 } };
  const [a, b] = await Promise.all([startLab({ rules, ysipchan: { answerDelay: 0 } }), startLab({ rules, ysipchan: { answerDelay: 0 } })]);
  try {
    if ((await b.register('555', 5075)) !== 200) throw new Error('555 could not register on B');
    const latencies: number[] = [];
    for (let i = 0; i < messages; i++) {
      const body = `cross-node #${i}`;
      const code = await a.sip.receiveMessage({ path: 'generic', caller: '123', called: '555', type: 'text/plain', body });
      const accepted = performance.now();
      if (code !== 202) throw new Error(`message ${i} got ${code}, expected 202`);
      // Polled every millisecond: the figure is at most that late.
      while (b.sip.sent.length <= i || b.sip.sent[i]!.code === null) {
        if (performance.now() - accepted > 30_000) throw new Error(`message ${i} not delivered by B within 30 s`);
        await new Promise((r) => setTimeout(r, 1));
      }
      if (b.sip.sent[i]!.body !== body) throw new Error(`B delivered ${JSON.stringify(b.sip.sent[i]!.body)} where ${JSON.stringify(body)} was due`);
      latencies.push(performance.now() - accepted);
    }
    return { messages, p50Ms: percentile(latencies, 50), p99Ms: percentile(latencies, 99), maxMs: Math.max(...latencies) };
  } finally {
    await Promise.all([a.close(), b.close()]);
  }
}
