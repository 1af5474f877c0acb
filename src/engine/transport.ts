// Where the engine connection's bytes flow: the script's stdio (Yate started us from
// extmodule.conf) or a socket to an extmodule `[listener]` (tcp or unix).
import net from 'node:net';
import type { Readable, Writable } from 'node:stream';
import { YateChatError } from '../errors.js';

export type Endpoint =
  | { readonly kind: 'stdio' }
  | { readonly kind: 'tcp'; readonly host: string; readonly port: number }
  | { readonly kind: 'unix'; readonly path: string };

export interface Transport {
  readonly input: Readable;
  readonly output: Writable;
  /** Stop reading and writing (the engine link is over). */
  close(): void;
}

/** "tcp://HOST:PORT", "unix:PATH" (or "unix://PATH"), "stdio". */
export function parseEndpoint(text: string): Endpoint {
  if (text === 'stdio' || text === '-') return { kind: 'stdio' };
  const tcp = /^tcp:\/\/(\[[^\]]+\]|[^:/]+):(\d{1,5})\/?$/.exec(text);
  if (tcp) {
    const port = Number(tcp[2]);
    if (port > 0 && port < 65536) return { kind: 'tcp', host: tcp[1]!.replace(/^\[|\]$/g, ''), port };
  }
  const unix = /^unix:(?:\/\/)?(.+)$/.exec(text);
  if (unix) return { kind: 'unix', path: unix[1]!.startsWith('/') || !text.startsWith('unix://') ? unix[1]! : '/' + unix[1]! };
  throw new YateChatError('BAD_ARGUMENT', `cannot read "${text}" as an engine address: expected tcp://HOST:PORT or unix:PATH`);
}

export function describeEndpoint(ep: Endpoint): string {
  return ep.kind === 'stdio' ? 'stdio' : ep.kind === 'tcp' ? `tcp://${ep.host}:${ep.port}` : `unix:${ep.path}`;
}

export function openTransport(ep: Endpoint): Promise<Transport> {
  if (ep.kind === 'stdio') {
    return Promise.resolve({
      input: process.stdin,
      output: process.stdout,
      close: () => process.stdin.pause(),
    });
  }
  return new Promise((resolve, reject) => {
    const socket = ep.kind === 'tcp' ? net.connect(ep.port, ep.host) : net.connect(ep.path);
    socket.setNoDelay(true);
    const fail = (err: Error) => reject(new YateChatError('NOT_CONNECTED', `cannot reach Yate at ${describeEndpoint(ep)}: ${err.message}`, { cause: err }));
    socket.once('error', fail);
    socket.once('connect', () => {
      socket.off('error', fail);
      // Errors after connect show up as 'close' on the input; keep them from crashing the process.
      socket.on('error', () => {});
      resolve({ input: socket, output: socket, close: () => socket.destroy() });
    });
  });
}
