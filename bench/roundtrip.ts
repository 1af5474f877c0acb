// Engine round trip: the emulator offers a message to the real module over real pipes and
// waits for the answer, at a fixed rate; p50/p99 of the time to the answer.
import { startLab } from '../src/demo/lab.js';
import { percentile } from './stats.js';

export interface RoundTripResult { readonly rate: number; readonly count: number; readonly p50: number; readonly p99: number }

export async function benchRoundTrip(opts: { rate?: number; seconds?: number } = {}): Promise<RoundTripResult> {
  const rate = opts.rate ?? 500;
  const count = rate * (opts.seconds ?? 5);
  // An alias to a URI: answered by the module's call.route handler alone, no further dispatch.
  const lab = await startLab({ rules: { aliases: { help: 'sip:help@10.0.0.1' }, offline: { enabled: false } } });
  try {
    const times: number[] = [];
    const pending: Promise<void>[] = [];
    const start = performance.now();
    for (let i = 0; i < count; i++) {
      const due = start + (i * 1000) / rate;
      const wait = due - performance.now();
      if (wait > 1) await new Promise((r) => setTimeout(r, wait));
      const t0 = performance.now();
      pending.push(lab.emu.dispatch('call.route', [['called', 'help'], ['route_type', 'msg']]).then((r) => {
        if (!r.handled) throw new Error('call.route not answered by the module');
        times.push(performance.now() - t0);
      }));
    }
    await Promise.all(pending);
    lab.emu.assertExactlyOnce();
    return { rate, count, p50: percentile(times, 50), p99: percentile(times, 99) };
  } finally {
    await lab.close();
  }
}
