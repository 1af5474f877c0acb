// A throwaway PostgreSQL server for the tests and the benchmark: Debian's `postgresql` package
// (or any install whose bin folder holds initdb and postgres), a fresh cluster in a temporary
// folder, listening on 127.0.0.1 on a free port and on a Unix socket in that folder, password
// authentication over TCP. Stopped and removed by `remove()`; should the test process die
// without it (SIGKILL, a crash), the server gets SIGKILL too (setpriv --pdeathsig) and leaves
// only its folder.
//
// PostgreSQL refuses to run as root: as root, initdb and postgres run as the user `postgres`
// (created by Debian's package; `nobody` when there is none) through setpriv, in a folder that
// user owns. Only this file and find() read the environment for it (PG_BIN).
import { execFileSync, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { accessSync, chownSync, constants, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';

export type FindResult = { readonly ok: true; readonly bin: string } | { readonly ok: false; readonly reason: string };

const TOOLS = ['initdb', 'postgres'];

function hasTools(dir: string): boolean {
  try {
    for (const t of TOOLS) accessSync(path.join(dir, t), constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** The folder with initdb and postgres: $PG_BIN, else `pg_config --bindir`, else the newest
 *  /usr/lib/postgresql/<version>/bin (where Debian puts them, off PATH). */
export function findPostgres(env: NodeJS.ProcessEnv = process.env): FindResult {
  if (env.PG_BIN) {
    return hasTools(env.PG_BIN) ? { ok: true, bin: env.PG_BIN } : { ok: false, reason: `PG_BIN=${env.PG_BIN} has no initdb and postgres` };
  }
  try {
    const dir = execFileSync('pg_config', ['--bindir'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    if (hasTools(dir)) return { ok: true, bin: dir };
  } catch {
    // no pg_config: look where Debian installs the server
  }
  let versions: string[] = [];
  try {
    versions = readdirSync('/usr/lib/postgresql').filter((v) => /^\d+(\.\d+)?$/.test(v)).sort((a, b) => Number(b) - Number(a));
  } catch {
    // no Debian install
  }
  for (const v of versions) {
    const dir = `/usr/lib/postgresql/${v}/bin`;
    if (hasTools(dir)) return { ok: true, bin: dir };
  }
  return { ok: false, reason: 'no PostgreSQL server binaries (initdb, postgres): install Debian\'s postgresql package, or set PG_BIN' };
}

export interface ClusterOptions {
  /** fsync and synchronous commit on, as in production (the benchmark). Default off: tests only
   *  kill the module, never the machine. */
  readonly durable?: boolean;
}

export interface PgCluster {
  readonly bin: string;
  readonly port: number;
  readonly user: string;
  readonly password: string;
  /** The folder holding the data, the socket and the log. */
  readonly dir: string;
  /** postgres://USER:PASSWORD@127.0.0.1:PORT/DB */
  url(database?: string): string;
  /** A fresh, empty database; resolves with its url. */
  createDatabase(name?: string): Promise<string>;
  /** Fast shutdown (the server goes away under its clients), resolves once it exited. */
  stop(): Promise<void>;
  /** Start it again on the same port and data. */
  start(): Promise<void>;
  /** Stop it (immediate) and delete its folder. Idempotent. */
  remove(): Promise<void>;
  /** The server's log so far (for failing tests). */
  log(): string;
}

/** Run as `postgres` (or nobody) when we are root: the uid, gid and the setpriv arguments. */
function runAs(): { uid: number; gid: number; prefix: string[] } | null {
  if (process.getuid?.() !== 0) return null;
  for (const name of ['postgres', 'nobody']) {
    try {
      const uid = Number(execFileSync('id', ['-u', name], { encoding: 'utf8' }).trim());
      const gid = Number(execFileSync('id', ['-g', name], { encoding: 'utf8' }).trim());
      return { uid, gid, prefix: ['--reuid', String(uid), '--regid', String(gid), '--clear-groups'] };
    } catch {
      // try the next one
    }
  }
  throw new Error('running as root and there is no user postgres or nobody to run PostgreSQL as');
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as net.AddressInfo;
      s.close(() => resolve(port));
    });
  });
}

const running = new Set<ChildProcess>();
process.once('exit', () => {
  for (const p of running) p.kill('SIGKILL');
});

let databases = 0;

export async function startCluster(opts: ClusterOptions = {}): Promise<PgCluster> {
  const found = findPostgres();
  if (!found.ok) throw new Error(found.reason);
  const { bin } = found;
  const as = runAs();
  const dir = mkdtempSync(path.join(os.tmpdir(), 'yate-chat-pg-'));
  const data = path.join(dir, 'data');
  const user = 'yatechat';
  const password = randomBytes(12).toString('hex');
  const pwfile = path.join(dir, 'pw');
  writeFileSync(pwfile, password + '\n', { mode: 0o600 });
  if (as) {
    chownSync(dir, as.uid, as.gid);
    chownSync(pwfile, as.uid, as.gid);
  }
  const wrap = (cmd: string, args: string[]): [string, string[]] => ['setpriv', [...(as?.prefix ?? []), '--pdeathsig', 'KILL', '--', cmd, ...args]];
  let logText = '';
  let server: ChildProcess | null = null;
  let port = 0;

  try {
    const [cmd, args] = wrap(path.join(bin, 'initdb'), ['-D', data, '-U', user, '--pwfile', pwfile, '-A', 'scram-sha-256', '--auth-local=trust', '-E', 'UTF8', '--locale=C', '-N']);
    const init = spawnSync(cmd, args, { encoding: 'utf8' });
    if (init.status !== 0) throw new Error(`initdb failed (${init.status ?? init.signal}): ${init.stderr || init.stdout}`);
    port = await freePort();
  } catch (err) {
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }

  async function start(): Promise<void> {
    const settings = [
      '-p', String(port), '-k', dir, '-c', 'listen_addresses=127.0.0.1', '-c', 'max_connections=200',
      ...(opts.durable ? [] : ['-c', 'fsync=off', '-c', 'synchronous_commit=off', '-c', 'full_page_writes=off']),
    ];
    const [cmd, args] = wrap(path.join(bin, 'postgres'), ['-D', data, ...settings]);
    const child = spawn(cmd, args, { stdio: ['ignore', 'ignore', 'pipe'] });
    running.add(child);
    server = child;
    child.once('exit', () => running.delete(child));
    child.stderr!.setEncoding('utf8');
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`PostgreSQL did not start within 60 s:\n${logText}`)), 60_000);
      child.stderr!.on('data', (chunk: string) => {
        logText += chunk;
        if (logText.includes('database system is ready to accept connections')) {
          clearTimeout(timer);
          resolve();
        }
      });
      child.once('exit', (code, signal) => {
        clearTimeout(timer);
        reject(new Error(`PostgreSQL exited at start (${code ?? signal}):\n${logText}`));
      });
    });
  }

  async function stopWith(signal: NodeJS.Signals): Promise<void> {
    const child = server;
    server = null;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const gone = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill(signal);
    await gone;
  }

  const url = (database = 'postgres') => `postgres://${user}:${password}@127.0.0.1:${port}/${database}`;

  try {
    await start();
  } catch (err) {
    await stopWith('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }

  let removed = false;
  return {
    bin, port, user, password, dir, url,
    async createDatabase(name = `t${process.pid}_${++databases}`) {
      const admin = new pg.Client({ connectionString: url() });
      await admin.connect();
      try {
        await admin.query(`CREATE DATABASE "${name}"`);
      } finally {
        await admin.end();
      }
      return url(name);
    },
    // SIGINT: fast shutdown (clients are disconnected, the server exits cleanly).
    stop: () => stopWith('SIGINT'),
    start,
    async remove() {
      if (removed) return;
      removed = true;
      // SIGQUIT: immediate shutdown; nothing in it is worth keeping.
      await stopWith('SIGQUIT');
      rmSync(dir, { recursive: true, force: true });
    },
    log: () => logText,
  };
}
