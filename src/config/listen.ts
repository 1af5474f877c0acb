// Where the HTTP face listens (`http.listen` in the rules file), read without I/O:
//   "127.0.0.1:8090", "[::1]:8090", "localhost:8090"   TCP (port 0: any free port, logged at start)
//   "/run/yate-chat/http.sock", "./http.sock"          a Unix socket (relative: the rules file's folder)
// and whether that place can only be reached from this machine (a loopback address or a Unix
// socket): anywhere else the API must have a token.
import * as path from 'node:path';
import { isIP } from 'node:net';
import type { Compiled } from './pattern.js';
import type { Listen } from './types.js';

const EXPECTED = 'HOST:PORT (like "127.0.0.1:8090" or "[::1]:8090") or a Unix socket path (starting with "/" or "./")';

/** Longest Unix socket path (sockaddr_un.sun_path is 108 bytes on Linux, with its NUL). */
const MAX_SOCKET_PATH = 107;

export function parseListen(value: unknown, baseDir: string): Compiled<Listen> {
  if (typeof value !== 'string' || value.trim() !== value || value === '' || value.includes('\0')) return { ok: false, expected: EXPECTED };
  if (value.startsWith('/') || value.startsWith('.')) {
    const file = path.resolve(baseDir, value);
    if (Buffer.byteLength(file) > MAX_SOCKET_PATH) return { ok: false, expected: `a Unix socket path of at most ${MAX_SOCKET_PATH} bytes once resolved` };
    return { ok: true, value: { kind: 'unix', path: file } };
  }
  const m = /^(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9.-]+):(\d{1,5})$/.exec(value);
  if (!m) return { ok: false, expected: EXPECTED };
  const host = m[1]!.startsWith('[') ? m[1]!.slice(1, -1) : m[1]!;
  const port = Number(m[2]);
  if (port > 65535) return { ok: false, expected: 'a port 0..65535 (0: any free port)' };
  if (m[1]!.startsWith('[') && isIP(host) !== 6) return { ok: false, expected: EXPECTED };
  return { ok: true, value: { kind: 'tcp', host, port } };
}

/** Reachable from this machine only: a Unix socket, 127.0.0.0/8, ::1 or localhost. */
export function isLocalOnly(listen: Listen): boolean {
  if (listen.kind === 'unix') return true;
  const h = listen.host.toLowerCase();
  return h === 'localhost' || h === '::1' || (isIP(h) === 4 && h.startsWith('127.'));
}

/** How a place is written in the log and the README: `127.0.0.1:8090`, `[::1]:8090`, `unix:/path`. */
export function listenName(listen: Listen): string {
  if (listen.kind === 'unix') return `unix:${listen.path}`;
  return `${listen.host.includes(':') ? `[${listen.host}]` : listen.host}:${listen.port}`;
}
