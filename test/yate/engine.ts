// A real Yate for one test: a fresh temporary folder with configuration written by the code
// (configs.ts), the module's rules file and offline store in it, Yate in the foreground as a
// child process in its own process group with its log in that folder, free ports on 127.0.0.1
// chosen at start. `stop()` leaves no Yate and no module behind (the whole process group is
// killed), `dispose()` also removes the folder; `withYate` disposes whatever happens and puts the
// log's tail into a failure. Should the test process exit or get SIGINT/SIGTERM/SIGHUP first,
// every live Yate group is killed and its folder removed.
//
//   const yate = await startYate(install, { sipPath: 'native' });
//   yate.sipPort, yate.rmanagerPort, yate.dir, yate.rulesPath, yate.storePath, yate.pid
//   yate.log(); await yate.waitForLog(/ready on stdio/, 10000, yate.runStart);
//   await yate.rmanager('status yate-chat'); await yate.modulePid();
//   await yate.restart(); yate.kill('SIGKILL'); await yate.stop(); await yate.dispose();
import { spawn, type ChildProcess } from 'node:child_process';
import dgram from 'node:dgram';
import { closeSync, mkdirSync, mkdtempSync, openSync, readSync, rmSync, writeFileSync } from 'node:fs';
import { StringDecoder } from 'node:string_decoder';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { yateConfigs, type ListenerSpec, type SipPath } from './configs.js';
import type { YateInstall } from './find.js';
import { rmanagerAnswers, sipAnswers } from './probe.js';
import { rmanager } from './rmanager.js';

/** The repository this file was compiled from (dist/test/yate/engine.js -> three levels up). */
export const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
/** The launcher Yate runs (what an extmodule.conf [scripts] line points at). */
export const LAUNCHER = path.join(REPO, 'scripts', 'yate-chat');

export const DEFAULT_USERS: Readonly<Record<string, string>> = { '123': 'pw123', '234': 'pw234', '555': 'pw555' };

export interface YateOptions {
  /** How ysipchan hands MESSAGE over: `sip.message` (generic) or call.route + msg.execute (native). */
  readonly sipPath?: SipPath;
  /** Start the module from an extmodule.conf [scripts] line (default true). */
  readonly script?: boolean;
  /** Run this [scripts] line instead of yate-chat's (another module, e.g. the benchmark's
   *  minimal one); readiness is then Yate's own, not the yate-chat banner. */
  readonly scriptLine?: { readonly launcher: string; readonly argument: string };
  /** Also offer an extmodule [listener] socket: 'unix' (a socket in the temp folder) or 'tcp'. */
  readonly listener?: 'unix' | 'tcp';
  /** regfile users -> passwords (default 123, 234, 555). */
  readonly users?: Readonly<Record<string, string>>;
  /** Rules for the module, merged over the suite's defaults (no rate limit, SQLite store in the temp folder). */
  readonly rules?: Record<string, unknown>;
  /** More modules to load (lateroute, regexroute, msgsniff, yrtpchan...). */
  readonly modules?: readonly string[];
  /** More files for the conf folder, name -> contents (e.g. a regexroute.conf); they may not
   *  replace the ones the suite writes. */
  readonly extraConfigs?: Readonly<Record<string, string>>;
  readonly extmoduleTimeout?: number;
  readonly maxworkers?: number;
  /** Number of -v flags above Yate's default level (DebugNote). Default 1 (DebugCall): warnings,
   *  notes, extmodule restarts; 2 or more adds SIP traces (DebugInfo) and handler installs
   *  (DebugAll, 3). Above 1 the suite also sets extmodule's exec_use_printf, see configs.ts. */
  readonly verbosity?: number;
}

export interface RunningYate {
  readonly dir: string;
  readonly sipPort: number;
  readonly rmanagerPort: number;
  readonly rulesPath: string;
  readonly storePath: string;
  /** Where a socket-mode module connects (`unix:PATH` or `tcp://127.0.0.1:PORT`), when a listener was asked for. */
  readonly connectTo: string | undefined;
  /** pid of the current Yate process. */
  readonly pid: number;
  /** Offset in log() where the current Yate run's lines begin (0, or where restart() started it). */
  readonly runStart: number;
  /** Yate's whole log so far (every run of this instance, appended). */
  log(): string;
  /** Resolve with the first match of `re` in the log at or after offset `since`. */
  waitForLog(re: RegExp, ms?: number, since?: number): Promise<RegExpMatchArray>;
  rmanager(command: string): Promise<string>;
  /** pid of the running script (yate-chat's, or `scriptLine`'s), from rmanager's `external info`. */
  modulePid(): Promise<number | undefined>;
  /** SIGTERM, wait for Yate to exit, then kill whatever is left of its process group. */
  stop(): Promise<void>;
  /** stop(), then remove the temporary folder (log included). */
  dispose(): Promise<void>;
  /** stop(), then start again with the same folder, configs and ports; waits for readiness. */
  restart(): Promise<void>;
  /** Send `signal` to Yate itself. */
  kill(signal: NodeJS.Signals): void;
}

/** The module's start-up banner in stdio mode. */
export const BANNER_STDIO = /yate-chat \S+ ready on stdio/;

/** Process groups (Yate runs, socket-mode modules) killed if the test process ends first. They
 *  are detached (their own groups), so a Ctrl-C on the terminal would not reach them. */
export const live = new Set<number>();
/** Temporary folders of Yates not stopped yet, removed then too. */
const liveDirs = new Set<string>();
function killAll(): void {
  for (const pgid of live) killGroup(pgid, 'SIGKILL');
  for (const dir of liveDirs) rmSync(dir, { recursive: true, force: true });
}
process.on('exit', killAll);
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
  process.once(signal, () => {
    killAll();
    process.kill(process.pid, signal); // then die of it as we would have
  });
}

export function killGroup(pgid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pgid, signal);
  } catch {
    // already gone
  }
}

/** The log file as text, read incrementally (a long load run must not re-read megabytes per poll). */
function logReader(file: string): () => string {
  const decoder = new StringDecoder('utf8');
  const chunk = Buffer.alloc(1 << 16);
  let text = '';
  let pos = 0;
  return () => {
    const fd = openSync(file, 'r');
    try {
      for (let n = readSync(fd, chunk, 0, chunk.length, pos); n > 0; n = readSync(fd, chunk, 0, chunk.length, pos)) {
        pos += n;
        text += decoder.write(chunk.subarray(0, n));
      }
    } finally {
      closeSync(fd);
    }
    return text;
  };
}

/** A port that was free on 127.0.0.1 a moment ago (bind to 0, read, close). */
export async function freePort(kind: 'udp' | 'tcp'): Promise<number> {
  if (kind === 'udp') {
    const s = dgram.createSocket('udp4');
    await new Promise<void>((resolve, reject) => s.once('error', reject).bind(0, '127.0.0.1', () => resolve()));
    const port = s.address().port;
    await new Promise<void>((resolve) => s.close(() => resolve()));
    return port;
  }
  const srv = net.createServer();
  await new Promise<void>((resolve, reject) => srv.once('error', reject).listen(0, '127.0.0.1', () => resolve()));
  const port = (srv.address() as net.AddressInfo).port;
  await new Promise<void>((resolve) => srv.close(() => resolve()));
  return port;
}

export async function startYate(install: YateInstall, opts: YateOptions = {}): Promise<RunningYate> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'yate-chat-real-'));
  liveDirs.add(dir);
  const confDir = path.join(dir, 'conf');
  mkdirSync(confDir);
  mkdirSync(path.join(dir, 'user'));
  const logPath = path.join(dir, 'yate.log');
  writeFileSync(logPath, '');
  const rulesPath = path.join(dir, 'rules.json');
  const storePath = path.join(dir, 'chat.db');
  const rules = { log: 'info', rateLimit: false, ...opts.rules, offline: { store: { kind: 'sqlite', path: storePath }, ...(opts.rules?.offline as object | undefined) } };
  writeFileSync(rulesPath, JSON.stringify(rules, null, 2) + '\n');

  const sipPort = await freePort('udp');
  const rmanagerPort = await freePort('tcp');
  let listener: ListenerSpec | undefined;
  if (opts.listener === 'unix') listener = { kind: 'unix', path: path.join(dir, 'chat.sock') };
  else if (opts.listener === 'tcp') listener = { kind: 'tcp', port: await freePort('tcp') };
  const connectTo = listener === undefined ? undefined : listener.kind === 'unix' ? `unix:${listener.path}` : `tcp://127.0.0.1:${listener.port}`;
  const script = (opts.script ?? true) && !opts.scriptLine;
  const files = yateConfigs({
    sipPath: opts.sipPath ?? 'generic', sipPort, rmanagerPort, users: opts.users ?? DEFAULT_USERS,
    script: opts.scriptLine ?? (script ? { launcher: LAUNCHER, argument: rulesPath } : undefined), listener,
    modules: opts.modules ?? [], extmoduleTimeout: opts.extmoduleTimeout, maxworkers: opts.maxworkers,
  });
  for (const [name, text] of Object.entries(opts.extraConfigs ?? {})) {
    if (name in files) throw new Error(`extraConfigs may not replace ${name}: use the options instead`);
    files[name] = text;
  }
  for (const [name, text] of Object.entries(files)) writeFileSync(path.join(confDir, name), text);

  const args = ['-c', confDir, '-m', install.modules, '-u', path.join(dir, 'user'), '-l', logPath, '-Df', ...(opts.verbosity === 0 ? [] : [`-${'v'.repeat(opts.verbosity ?? 1)}`])];
  const env = {
    ...process.env,
    LD_LIBRARY_PATH: [install.lib, process.env.LD_LIBRARY_PATH].filter(Boolean).join(path.delimiter),
    // The module runs on the same Node as the tests (the launcher honours this).
    YATE_CHAT_NODE: process.execPath,
  };

  let child: ChildProcess | undefined;
  let runStart = 0;
  let exited: Promise<void> = Promise.resolve();
  const log = logReader(logPath);

  const waitForLog = async (re: RegExp, ms = 15000, since = 0): Promise<RegExpMatchArray> => {
    const deadline = Date.now() + ms;
    for (;;) {
      const m = log().slice(since).match(re);
      if (m) return m;
      if (Date.now() > deadline) throw new Error(`Yate's log (${logPath}) has no ${re} after ${ms} ms`);
      await new Promise((r) => setTimeout(r, 50));
    }
  };

  const launch = async (): Promise<void> => {
    const since = log().length;
    runStart = since;
    const proc = spawn(install.bin, args, { cwd: dir, env, detached: true, stdio: ['ignore', 'ignore', 'pipe'] });
    const pid = proc.pid;
    if (pid === undefined) throw new Error(`cannot start ${install.bin}`);
    child = proc;
    live.add(pid);
    let stderr = '';
    proc.stderr?.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    exited = new Promise((resolve) => proc.once('exit', () => {
      killGroup(pid, 'SIGKILL'); // nothing of this run may outlive Yate (the module is in its group)
      live.delete(pid);
      resolve();
    }));
    try {
      await sipAnswers(sipPort, 15000);
      await rmanagerAnswers(rmanagerPort, 15000);
      // The banner is a %%>output line: Yate logs it whatever its debug level.
      if (script) await waitForLog(BANNER_STDIO, 20000, since);
    } catch (err) {
      throw new Error(`${(err as Error).message}\nstderr: ${stderr}\nlog tail:\n${log().slice(since).slice(-3000)}`);
    }
  };

  const stop = async (): Promise<void> => {
    const proc = child;
    if (!proc || proc.exitCode !== null || proc.signalCode !== null) return;
    proc.kill('SIGTERM');
    const timer = setTimeout(() => killGroup(proc.pid!, 'SIGKILL'), 10000);
    await exited;
    clearTimeout(timer);
  };

  const yate: RunningYate = {
    dir, sipPort, rmanagerPort, rulesPath, storePath, connectTo,
    get pid() {
      return child?.pid ?? 0;
    },
    get runStart() {
      return runStart;
    },
    log,
    waitForLog,
    rmanager: (command) => rmanager(rmanagerPort, command),
    async modulePid() {
      const info = await rmanager(rmanagerPort, 'external info');
      const script = (opts.scriptLine?.launcher ?? LAUNCHER).replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
      const m = info.match(new RegExp(`${script}[^\\r\\n]*\\r\\n[^\\r\\n]*pid=(\\d+)`));
      return m ? Number(m[1]) : undefined;
    },
    stop,
    async dispose() {
      await stop();
      rmSync(dir, { recursive: true, force: true });
      liveDirs.delete(dir);
    },
    async restart() {
      await stop();
      await launch();
    },
    kill(signal) {
      child?.kill(signal);
    },
  };
  try {
    await launch();
  } catch (err) {
    await yate.dispose();
    throw err;
  }
  return yate;
}

/** Run `body` with a fresh Yate; stop it and remove its folder afterwards, whatever happens.
 *  A failure carries the tail of Yate's log. */
export async function withYate(install: YateInstall, opts: YateOptions, body: (yate: RunningYate) => Promise<void>): Promise<void> {
  const yate = await startYate(install, opts);
  try {
    await body(yate);
  } catch (err) {
    const e = err instanceof Error ? err : new Error(String(err));
    e.message += `\n--- tail of Yate's log (${yate.dir}) ---\n${yate.log().slice(-6000)}`;
    throw e;
  } finally {
    await yate.dispose();
  }
}
