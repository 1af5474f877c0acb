// A Yate in a box for yate-chat: the engine emulator with regfile, lateroute and ysipchan
// (generate=yes), and the REAL module started the way Yate starts it (scripts/yate-chat with
// one argument, over pipes). Used by the demo, the tests and the benchmarks.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Emulator, type EmulatorOptions, type ModuleLink, type Ysipchan, type YsipchanOptions } from '../emulator/index.js';

/** scripts/yate-chat of this checkout (dist/src/demo -> ../../../scripts). */
export const LAUNCHER = fileURLToPath(new URL('../../../scripts/yate-chat', import.meta.url));

export interface LabOptions {
  /** The rules file content (written to a temp file); default: offline store in memory. */
  readonly rules?: Record<string, unknown>;
  /** No rules file: the module gets the empty argument of a bare `path=` line (built-in defaults). */
  readonly noRules?: boolean;
  /** Users defined in regfile (default 123, 234, 555). */
  readonly users?: readonly string[];
  readonly emulator?: EmulatorOptions;
  readonly ysipchan?: YsipchanOptions;
  /** Wait for the module's ready banner (default true). */
  readonly waitReady?: boolean;
  /** More environment for the module (e.g. PGPASSWORD for a postgres store). */
  readonly env?: Readonly<Record<string, string>>;
}

export interface Lab {
  readonly emu: Emulator;
  readonly sip: Ysipchan;
  readonly link: ModuleLink;
  readonly dir: string;
  readonly rulesFile: string | null;
  /** REGISTER `user` at sip:USER@127.0.0.1:PORT. */
  register(user: string, port?: number): Promise<number>;
  close(): Promise<void>;
}

export async function startLab(opts: LabOptions = {}): Promise<Lab> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'yate-chat-lab-'));
  const emu = new Emulator({ timeout: 10000, ...opts.emulator });
  emu.useRegfile({ users: opts.users ?? ['123', '234', '555'] });
  emu.useLateroute();
  // msgExecuteRelay: ysipchan's own msg.execute handler (100) sends callto=sip/... itself, as its
  // source does; yate-chat answers such a msg.execute first (90), so nothing goes out twice.
  const sip = emu.useYsipchan({ generate: true, msgExecuteRelay: true, subscribe: true, timeoutDelay: 300, ...opts.ysipchan });
  let rulesFile: string | null = null;
  if (!opts.noRules) {
    rulesFile = path.join(dir, 'yate-chat.json');
    writeFileSync(rulesFile, JSON.stringify(opts.rules ?? { offline: { store: { kind: 'memory' } } }, null, 2));
  }
  const link = emu.spawn(LAUNCHER, rulesFile ?? undefined, { env: { ...process.env, YATE_CHAT_DATA: dir, ...opts.env } });
  if (opts.waitReady ?? true) await emu.log.waitForLog(/yate-chat \S+ ready/, 15000);
  let ports = 5070;
  return {
    emu, sip, link, dir, rulesFile,
    register: (user, port) => sip.receiveRegister({ user, contact: `sip:${user}@127.0.0.1:${port ?? ports++}` }),
    async close() {
      await emu.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
