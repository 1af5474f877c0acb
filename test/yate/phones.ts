// Real softphones for the real-Yate suite (issue 19): Debian's `linphone-cli` (linphonec) and
// `baresip-core` (baresip), each in a folder of its own (its HOME and config), on a UDP port of
// its own on 127.0.0.1, registered with digest auth to the test Yate, with no audio device,
// driven non-interactively:
//
//   linphonec   commands on its stdin (`chat sip:234@127.0.0.1 TEXT`, `friend add ...`, `quit`);
//               what it prints on stdout (`Message received from ...`, `Friend ... is Online`)
//               and its log (-d 6 -l FILE: message states such as `Delivered to DeliveredToUser`,
//               the SIP traffic). It opens its SIP port only when $HOME/.local/share/linphone
//               exists (else it stays in GlobalStartup), so the folder is made first.
//   baresip     its stdio console, which wants a terminal: run under `script` (util-linux; Debian
//               bsdutils) on a pseudo-terminal, commands typed as `/message TEXT` (to the current
//               contact) and `/quit`; incoming MESSAGEs print as `sip:123@127.0.0.1: "TEXT"`.
//
// Every wait polls with a generous deadline (the machine is shared and may be slow); nothing here
// times anything. Each client runs in a process group of its own, registered with the suite's
// cleanup (engine.ts `live`), and is stopped when its test ends: `quit` first (so it unregisters),
// then SIGKILL of what is left. Which client is missing is said once per test as its skip reason.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { TestContext } from 'node:test';
import { DEFAULT_USERS, freePort, killGroup, live, type RunningYate } from './engine.js';
import { findYate, onPath } from './find.js';

export interface ClientInstall {
  readonly bin: string;
  readonly version: string;
  /** baresip: the folder of its modules (stdio.so, presence.so...). */
  readonly modules?: string;
}

function version(bin: string, args: string[], re: RegExp): string {
  try {
    const out = execFileSync(bin, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 10000 });
    return re.exec(out)?.[1] ?? 'unknown';
  } catch (err) {
    const e = err as { stdout?: string; stderr?: string };
    return re.exec(`${e.stdout ?? ''}${e.stderr ?? ''}`)?.[1] ?? 'unknown';
  }
}

function findLinphone(): ClientInstall | string {
  const bin = onPath('linphonec');
  if (!bin) return 'linphonec is not installed (Debian package linphone-cli): real-client test skipped';
  return { bin, version: version(bin, ['--version'], /version:\s*(\S+)/) };
}

function findBaresip(): ClientInstall | string {
  const bin = onPath('baresip');
  if (!bin) return 'baresip is not installed (Debian package baresip-core): real-client test skipped';
  if (!onPath('script')) return 'script is not installed (Debian package bsdutils, from util-linux): baresip\'s console needs a terminal; real-client test skipped';
  const prefix = path.dirname(path.dirname(bin));
  const modules = [path.join(prefix, 'lib', 'baresip', 'modules'), path.join(prefix, 'lib', `${process.arch === 'x64' ? 'x86_64' : process.arch}-linux-gnu`, 'baresip', 'modules')]
    .find((dir) => ['stdio.so', 'presence.so', 'menu.so', 'contact.so', 'account.so'].every((m) => existsSync(path.join(dir, m))));
  if (!modules) return `baresip's modules (stdio, presence, menu, contact, account) are not under ${prefix}/lib: real-client test skipped`;
  return { bin, version: version(bin, ['-h'], /baresip v(\S+)/), modules };
}

const yate = findYate();
export const linphone = findLinphone();
export const baresip = findBaresip();

/** The clients' versions, for a test's diagnostics. */
export function versions(): string {
  const v = (c: ClientInstall | string, name: string) => (typeof c === 'string' ? `${name} absent` : `${name} ${c.version}`);
  return `${v(linphone, 'linphonec')}, ${v(baresip, 'baresip')}`;
}

/** Test options: skipped, with the one reason, unless Yate and every client named is installed. */
export function needs(...clients: ('linphone' | 'baresip')[]): { skip: string | false } {
  if (!yate.ok) return { skip: yate.reason };
  for (const c of clients) {
    const found = c === 'linphone' ? linphone : baresip;
    if (typeof found === 'string') return { skip: found };
  }
  return { skip: false };
}

/** Poll `check` until it is truthy; `what` and the tail of `context()` in the error otherwise. */
async function poll<T>(what: string, check: () => T, ms: number, context: () => string): Promise<NonNullable<T>> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = check();
    if (v) return v as NonNullable<T>;
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}; last output:\n${context().slice(-3000)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** The pids of `pid`'s children (Linux /proc), for a client that runs under `script`. */
function childrenOf(pid: number): number[] {
  try {
    return readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
  } catch {
    return [];
  }
}

interface Proc {
  readonly child: ChildProcess;
  stdout: string;
  readonly exited: Promise<void>;
}

function start(bin: string, args: string[], env: NodeJS.ProcessEnv, cwd: string): Proc {
  const child = spawn(bin, args, { cwd, env, detached: true, stdio: ['pipe', 'pipe', 'pipe'] });
  if (child.pid === undefined) throw new Error(`cannot start ${bin}`);
  live.add(child.pid);
  const proc: Proc = {
    child,
    stdout: '',
    exited: new Promise((resolve) => child.once('exit', () => {
      live.delete(child.pid!);
      resolve();
    })),
  };
  child.stdout!.setEncoding('utf8').on('data', (d: string) => (proc.stdout += d));
  child.stderr!.setEncoding('utf8').on('data', (d: string) => (proc.stdout += d));
  child.stdin!.on('error', () => {}); // a client that died: what it was told is lost, the test says why
  return proc;
}

/** Ask a client to quit, then kill what is left of it after `ms`. */
async function stop(proc: Proc, quit: string, ms: number, extra: () => number[] = () => []): Promise<void> {
  if (proc.child.exitCode === null && proc.child.signalCode === null) {
    const others = extra();
    proc.child.stdin!.write(quit);
    const timer = setTimeout(() => {
      for (const pid of others) {
        try {
          process.kill(pid, 'SIGKILL');
        } catch {
          // gone
        }
      }
      killGroup(proc.child.pid!, 'SIGKILL');
    }, ms);
    await proc.exited;
    clearTimeout(timer);
  }
}

// ---------------------------------------------------------------------------------------------
// Linphone

export interface LinphoneOptions {
  /** Presence: publish at registration (the default, as the client does). */
  readonly publish?: boolean;
}

export interface Linphone {
  readonly user: string;
  readonly port: number;
  /** What linphonec printed on stdout so far. */
  output(): string;
  /** Its log file so far (-d 6: message states, SIP traffic). */
  log(): string;
  /** Type one command line. */
  command(line: string): void;
  /** `chat sip:TO@127.0.0.1 TEXT` (linphonec sends the rest of the line as it is). */
  chat(to: string, text: string): void;
  /** Wait for `re` in the output / the log (from offset `since`). */
  waitOutput(re: RegExp, ms?: number, since?: number): Promise<RegExpMatchArray>;
  waitLog(re: RegExp, ms?: number, since?: number): Promise<RegExpMatchArray>;
  /** Its registration answered 200. */
  registered(ms?: number): Promise<void>;
  /** `quit` (it removes its publication and unregisters first), SIGKILL after a while. */
  quit(): Promise<void>;
}

export async function startLinphone(t: TestContext, y: RunningYate, user: string, password: string, opts: LinphoneOptions = {}): Promise<Linphone> {
  if (typeof linphone === 'string') throw new Error(linphone);
  const home = mkdtempSync(path.join(os.tmpdir(), `yate-chat-linphone-${user}-`));
  mkdirSync(path.join(home, '.local', 'share', 'linphone'), { recursive: true });
  const port = await freePort('udp');
  const rc = path.join(home, 'linphonerc');
  writeFileSync(rc, [
    '[sip]', 'use_ipv6=0', `sip_port=${port}`, 'sip_tcp_port=0', 'sip_tls_port=0', 'default_proxy=0',
    'register_only_when_network_is_up=0', 'ping_with_options=0', '',
    // No audio device: none is opened unless a call starts.
    '[sound]', 'capture_dev_id=', 'playback_dev_id=', 'ringer_dev_id=', '',
    '[misc]', 'enable_basic_to_client_group_chat_room_migration=0', '',
    '[proxy_0]', `reg_proxy=<sip:127.0.0.1:${y.sipPort};transport=udp>`, `reg_identity=sip:${user}@127.0.0.1`,
    'reg_expires=600', 'reg_sendregister=1', `publish=${opts.publish === false ? 0 : 1}`, 'dial_escape_plus=0', '',
    '[auth_info_0]', `username=${user}`, `passwd=${password}`, 'realm=', 'domain=127.0.0.1', '',
  ].join('\n'));
  const logFile = path.join(home, 'linphone.log');
  writeFileSync(logFile, '');
  const proc = start(linphone.bin, ['-c', rc, '-d', '6', '-l', logFile], { ...process.env, HOME: home }, home);
  const readLog = (): string => readFileSync(logFile, 'utf8');
  const phone: Linphone = {
    user,
    port,
    output: () => proc.stdout,
    log: readLog,
    command: (line) => void proc.child.stdin!.write(`${line}\n`),
    chat(to, text) {
      phone.command(`chat sip:${to}@127.0.0.1 ${text}`);
    },
    waitOutput: (re, ms = 60000, since = 0) => poll(`${re} in linphonec ${user}'s output`, () => proc.stdout.slice(since).match(re), ms, () => proc.stdout),
    waitLog: (re, ms = 60000, since = 0) => poll(`${re} in linphonec ${user}'s log`, () => readLog().slice(since).match(re), ms, readLog),
    async registered(ms = 60000) {
      await phone.waitLog(/for identity \[sip:\S+\] moving from state \[LinphoneRegistrationProgress\] to \[LinphoneRegistrationOk\]/, ms);
    },
    quit: () => stop(proc, 'quit\n', 15000),
  };
  t.after(async () => {
    await phone.quit();
    rmSync(home, { recursive: true, force: true });
  });
  return phone;
}

// ---------------------------------------------------------------------------------------------
// baresip

export interface BaresipOptions {
  /** Contacts, the first one current (`/message` goes to it); `presence: true` subscribes to it. */
  readonly contacts: readonly { readonly user: string; readonly presence?: boolean }[];
}

export interface Baresip {
  readonly user: string;
  readonly port: number;
  /** What its console printed so far (the terminal's bytes, CR LF). */
  output(): string;
  /** Type one long command (`message hi` becomes `/message hi`). */
  command(line: string): void;
  /** `/message TEXT` to the current contact. */
  message(text: string): void;
  waitOutput(re: RegExp, ms?: number, since?: number): Promise<RegExpMatchArray>;
  /** Its registration answered 200. */
  registered(ms?: number): Promise<void>;
  /** `/quit` (it un-SUBSCRIBEs and unregisters first), SIGKILL after a while. */
  quit(): Promise<void>;
}

export async function startBaresip(t: TestContext, y: RunningYate, user: string, password: string, opts: BaresipOptions): Promise<Baresip> {
  if (typeof baresip === 'string') throw new Error(baresip);
  const dir = mkdtempSync(path.join(os.tmpdir(), `yate-chat-baresip-${user}-`));
  const port = await freePort('udp');
  writeFileSync(path.join(dir, 'config'), [
    'poll_method epoll', `sip_listen 127.0.0.1:${port}`, `module_path ${baresip.modules}`,
    // The console (stdio), accounts, contacts, the menu's commands, presence (PUBLISH, SUBSCRIBE
    // to contacts marked so). No audio or video module: nothing opens a device.
    'module stdio.so', 'module_tmp account.so', 'module_app contact.so', 'module_app menu.so', 'module_app presence.so', '',
  ].join('\n'));
  writeFileSync(path.join(dir, 'accounts'),
    `<sip:${user}@127.0.0.1;transport=udp>;auth_pass=${password};outbound="sip:127.0.0.1:${y.sipPort};transport=udp";regint=600;pubint=600\n`);
  writeFileSync(path.join(dir, 'contacts'), opts.contacts.map((c) => `"${c.user}" <sip:${c.user}@127.0.0.1>${c.presence ? ';presence=p2p' : ''}\n`).join(''));
  if (opts.contacts[0]) writeFileSync(path.join(dir, 'current_contact'), `sip:${opts.contacts[0].user}@127.0.0.1`);
  // script gives baresip's console the terminal it wants (a pseudo-terminal); -e: its exit code.
  const proc = start('script', ['-qefc', `${baresip.bin} -f ${dir}`, '/dev/null'], { ...process.env, HOME: dir, TERM: 'dumb' }, dir);
  const phone: Baresip = {
    user,
    port,
    output: () => proc.stdout,
    command: (line) => void proc.child.stdin!.write(`/${line}\n`),
    message: (text) => phone.command(`message ${text}`),
    waitOutput: (re, ms = 60000, since = 0) => poll(`${re} in baresip ${user}'s console`, () => proc.stdout.slice(since).match(re), ms, () => proc.stdout),
    async registered(ms = 60000) {
      await phone.waitOutput(/\{0\/UDP\/v4\} 200 OK/, ms);
    },
    quit: () => stop(proc, '/quit\n', 15000, () => childrenOf(proc.child.pid!)),
  };
  t.after(async () => {
    await phone.quit();
    rmSync(dir, { recursive: true, force: true });
  });
  return phone;
}

// ---------------------------------------------------------------------------------------------

/** The clients of one test on one Yate: each starts with the user's password from the suite's
 *  regfile users; quitAll() before Yate stops (so they unregister while it still listens). */
export interface Phones {
  linphone(user: string, opts?: LinphoneOptions): Promise<Linphone>;
  baresip(user: string, opts: BaresipOptions): Promise<Baresip>;
  quitAll(): Promise<void>;
}

export function phonesOn(t: TestContext, y: RunningYate): Phones {
  const started: { quit(): Promise<void> }[] = [];
  const password = (user: string): string => DEFAULT_USERS[user] ?? '';
  return {
    async linphone(user, opts) {
      const p = await startLinphone(t, y, user, password(user), opts);
      started.push(p);
      return p;
    },
    async baresip(user, opts) {
      const p = await startBaresip(t, y, user, password(user), opts);
      started.push(p);
      return p;
    },
    async quitAll() {
      await Promise.all(started.map((p) => p.quit()));
    },
  };
}
