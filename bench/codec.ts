// Codec cost against the framing alone: the same bytes (every transcript line, repeated)
// through split2 alone, and through our framing + decode + encode of every line.
import { readFileSync } from 'node:fs';
import { Readable } from 'node:stream';
import split2 from 'split2';
import { readLines } from '../src/engine/framing.js';
import { decodeEngineLine, decodeModuleLine } from '../src/protocol/decode.js';
import { encodeLine } from '../src/protocol/encode.js';
import { median } from './stats.js';

export interface CodecBenchResult {
  readonly bytes: number;
  readonly lines: number;
  /** Median MB/s over the runs. */
  readonly split2MBps: number;
  readonly codecMBps: number;
  /** codec time / split2 time (median of per-run ratios). */
  readonly ratio: number;
}

function transcriptLines(dir: string): { engine: string[]; module: string[] } {
  const engine: string[] = [];
  const module: string[] = [];
  for (const f of ['seed-generic-message.txt', 'native-message.txt', 'probe-native.txt']) {
    for (const l of readFileSync(`${dir}/${f}`, 'latin1').split('\n')) {
      if (l.startsWith('E: ')) engine.push(l.slice(3));
      if (l.startsWith('A: ')) module.push(l.slice(3));
    }
  }
  return { engine, module };
}

function chunks(buf: Buffer, size = 64 * 1024): Buffer[] {
  const out: Buffer[] = [];
  for (let i = 0; i < buf.length; i += size) out.push(buf.subarray(i, i + size));
  return out;
}

async function time(run: () => Promise<void>): Promise<number> {
  const t0 = process.hrtime.bigint();
  await run();
  return Number(process.hrtime.bigint() - t0) / 1e6;
}

export async function benchCodec(transcripts: string, opts: { megabytes?: number; runs?: number } = {}): Promise<CodecBenchResult> {
  const { engine } = transcriptLines(transcripts);
  const one = Buffer.from(engine.join('\n') + '\n', 'latin1');
  const copies = Math.ceil(((opts.megabytes ?? 16) * 1024 * 1024) / one.length);
  const data = chunks(Buffer.concat(Array(copies).fill(one)));
  const bytes = data.reduce((n, c) => n + c.length, 0);
  let lines = 0;
  const ratios: number[] = [];
  const a: number[] = [];
  const b: number[] = [];
  for (let r = 0; r < (opts.runs ?? 7); r++) {
    const ms1 = await time(() => new Promise((resolve) => {
      let n = 0;
      Readable.from(data).pipe(split2()).on('data', () => n++).on('end', () => { lines = n; resolve(); });
    }));
    const ms2 = await time(() => new Promise((resolve, reject) => {
      readLines(Readable.from(data), (line) => {
        if (typeof line !== 'string') return reject(new Error('overlong line'));
        const v = decodeEngineLine(line);
        if (v.type === 'malformed') return reject(new Error(v.reason));
        encodeLine(v);
      }).on('end', () => resolve());
    }));
    a.push(bytes / 1048576 / (ms1 / 1000));
    b.push(bytes / 1048576 / (ms2 / 1000));
    ratios.push(ms2 / ms1);
  }
  void decodeModuleLine;
  return { bytes, lines, split2MBps: median(a), codecMBps: median(b), ratio: median(ratios) };
}
