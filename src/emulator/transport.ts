// How a module reaches the engine: a script Yate starts (pipes) or a socket listener
// (modules/extmodule.cpp: ExtModReceiver::create, ExtListener).
//
// Script: Yate fork()s and execl()s the path itself with EXACTLY ONE argument, the whole text
// after '=' (trimmed), stdin/stdout are pipes and stderr is inherited (its lines land in Yate's
// log untouched). A relative path is taken from scripts_dir. "Loading external module 'PATH'
// 'ARG'" is printed for a global script; a failed exec prints "Failed to execute 'PATH': ERROR"
// on stderr and the child exits.
// execl(script, script, m_args.safe(), NULL) passes that one argument even when it is empty: a
// running 6.4.1 gave a script one empty argument for `path=` (docs/yate-module.md).
// Socket: `[listener NAME]` type=tcp addr= port= | type=unix path= (the file is removed first),
// optional role=global|channel; without a role the module must send `%%>connect:global` first.
import { spawn as spawnChild, type ChildProcess } from 'node:child_process';
import { rmSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { ModuleLink, type LinkHost, type LinkIO, type Role } from './link.js';
import { DebugLevel } from './log.js';

export interface SpawnOptions {
  /** Working directory of the script (Yate's own in real life). */
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  /** Directory for relative script paths (extmodule.conf [general] scripts_dir). */
  scriptsDir?: string;
}

export interface Spawned {
  readonly link: ModuleLink;
  /** Resolves when the process has exited. */
  readonly exited: Promise<void>;
  readonly child: ChildProcess;
}

/** Start a script the way ExtModReceiver::create does and attach it to a new link. */
export function spawnScript(host: LinkHost, file: string, arg: string | undefined, opts: SpawnOptions = {}): Spawned {
  const a = (arg ?? '').trim();
  const script = file.trim();
  const resolved = path.isAbsolute(script) || !opts.scriptsDir ? script : path.join(opts.scriptsDir, script);
  const child = spawnChild(resolved, [a], { stdio: ['pipe', 'pipe', 'pipe'], cwd: opts.cwd, env: opts.env });
  let failed = false;
  const exited = new Promise<void>((resolve) => {
    child.once('exit', () => resolve());
    child.once('error', (err: NodeJS.ErrnoException) => {
      failed = true;
      host.log.output(`Failed to execute '${resolved}': ${err.message}`, 'stderr');
      resolve();
    });
  });
  const io: LinkIO = {
    write: (bytes) => {
      const s = child.stdin;
      if (!s || s.destroyed || s.writableEnded) return false;
      s.write(Buffer.from(bytes, 'latin1'));
      return true;
    },
    closeOut: () => { if (child.stdin && !child.stdin.writableEnded) child.stdin.end(); },
    closeIn: () => { child.stdout?.destroy(); },
    running: () => !failed && child.exitCode === null && child.signalCode === null,
    kill: () => { child.kill('SIGTERM'); },
    get pid() { return child.pid ?? null; },
  };
  const link = new ModuleLink(host, io, 'script', script, a, 'global');
  host.log.output(`Loading external module '${script}' '${a}'`);
  child.stdin?.on('error', () => { /* EPIPE after the script died: Yate's write just fails */ });
  child.stdout?.on('data', (b: Buffer) => link.onData(b.toString('latin1')));
  child.stdout?.on('end', () => link.onEof());
  child.once('error', () => link.onEof());
  let errTail = '';
  child.stderr?.on('data', (b: Buffer) => {
    errTail += b.toString('utf8');
    const lines = errTail.split('\n');
    errTail = lines.pop() ?? '';
    for (const l of lines) host.log.output(l.replace(/\r$/, ''), 'stderr');
  });
  child.stderr?.on('end', () => { if (errTail) host.log.output(errTail, 'stderr'); errTail = ''; });
  return { link, exited, child };
}

export type ListenerSpec =
  | { type: 'tcp'; name?: string; addr?: string; port: number; role?: 'global' | 'channel' }
  | { type: 'unix'; name?: string; path: string; role?: 'global' | 'channel' };

export interface ExtListener {
  readonly name: string;
  /** tcp: the bound port (useful with port 0); unix: the path. */
  readonly address: string | number;
  close(): Promise<void>;
}

/** `[listener NAME]`: accept module connections; each becomes a link. */
export function listen(host: LinkHost, spec: ListenerSpec, onLink: (l: ModuleLink) => void): Promise<ExtListener> {
  const name = spec.name ?? (spec.type === 'tcp' ? `tcp-${spec.port}` : path.basename(spec.path));
  const role: Role = spec.role ?? 'unknown';
  const sockets = new Set<net.Socket>();
  const server = net.createServer((sock) => {
    sockets.add(sock);
    const peer = sock.remoteAddress ? `${sock.remoteAddress}:${sock.remotePort}` : '';
    host.log.debug('', DebugLevel.Info, `Listener '${name}' got connection from '${peer}'`);
    const io: LinkIO = {
      write: (bytes) => {
        if (sock.destroyed || sock.writableEnded) return false;
        sock.write(Buffer.from(bytes, 'latin1'));
        return true;
      },
      closeOut: () => { if (!sock.writableEnded) sock.end(); },
      closeIn: () => { sock.destroy(); },
      running: () => false,
      kill: () => { /* a socket module is not Yate's child */ },
      pid: null,
    };
    const link = new ModuleLink(host, io, 'socket', name, peer, role);
    onLink(link);
    sock.on('data', (b: Buffer) => link.onData(b.toString('latin1')));
    sock.on('end', () => link.onEof());
    sock.on('close', () => { sockets.delete(sock); link.onEof(); });
    sock.on('error', () => { /* reset by peer: EOF follows */ });
  });
  if (spec.type === 'unix') rmSync(spec.path, { force: true });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    const ready = (): void => {
      server.off('error', reject);
      const a = server.address();
      const address = spec.type === 'unix' ? spec.path : typeof a === 'object' && a ? a.port : spec.port;
      resolve({
        name, address,
        close: () => new Promise<void>((r) => {
          for (const s of sockets) s.destroy();
          server.close(() => r());
        }),
      });
    };
    if (spec.type === 'tcp') server.listen(spec.port, spec.addr ?? '127.0.0.1', ready);
    else server.listen(spec.path, ready);
  });
}
