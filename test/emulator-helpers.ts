// Shared by the emulator tests: fixture paths, spawning the puppet module, transcripts.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Emulator, ModuleLink } from '../src/emulator/index.js';

/** test/fixtures in the SOURCE tree (tests run compiled, from <outDir>/test). */
export const fixture = (name: string): string => fileURLToPath(new URL(`../../test/fixtures/${name}`, import.meta.url));

/** The transcripts recorded from a real Yate (test/fixtures/transcripts, as the codec tests). */
export const TRANSCRIPTS = fixture('transcripts');

type Item = string | { prefix: string; fill: string; length: number };
type Template = string | { line: string; delay: number };

export interface PuppetPlan {
  start?: Item[];
  on?: Array<{ match: string; send: Item[]; once?: boolean }>;
  answers?: Record<string, Template[]>;
  onEof?: 'exit' | 'stay';
}

/** Run test/fixtures/emu-puppet.mjs as a module of `emu`, driven by `plan`. */
export function puppet(emu: Emulator, plan: PuppetPlan): ModuleLink {
  return emu.spawn(process.execPath, fixture('emu-puppet.mjs'), { env: { ...process.env, EMU_PLAN: JSON.stringify(plan) } });
}

/** The A:/E: lines of a transcript, as byte strings. */
export function transcript(name: string): string[] {
  return readFileSync(`${TRANSCRIPTS}/${name}`, 'latin1').split('\n').filter((l) => /^[AE]: /.test(l));
}

/** Yate's own ids and times vary between runs: replace them (and the engine's status line,
 *  whose counters are the real engine's) with placeholders. */
export function normalize(line: string): string {
  return line
    .replace(/^(E: %%>message:)0x[0-9a-f]+\.\d+:\d+:/, '$1ID:TIME:')
    .replace(/^(A: %%<message:)0x[0-9a-f]+\.\d+:/, '$1ID:')
    .replace(/name=engine,type=system,.*?%M%J/, 'name=engine,...%M%J')
    .replace(/xsip_dlgtag=\d+/, 'xsip_dlgtag=N');
}

/** Both directions, each in order. A transcript is captured on the script's side: a script that
 *  writes a batch before reading records all its A: lines first, so only the order WITHIN each
 *  direction is meaningful. */
export function directions(lines: readonly string[]): { A: string[]; E: string[] } {
  const n = lines.map(normalize);
  return { A: n.filter((l) => l.startsWith('A: ')), E: n.filter((l) => l.startsWith('E: ')) };
}

/** Resolve once `n` E: lines have been recorded on the link. */
export async function waitForReplies(link: ModuleLink, n: number, ms = 10000): Promise<void> {
  const until = Date.now() + ms;
  while (link.traffic.filter((l) => l.startsWith('E: ')).length < n) {
    if (Date.now() > until) throw new Error(`expected ${n} engine lines, got:\n${link.traffic.join('\n')}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}
