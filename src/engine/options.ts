// The connection's options, each resolved to its value here and nowhere else.
import { YateChatError } from '../errors.js';
import { MAX_INCOMING_LINE } from './framing.js';
import type { LogLevel } from './logger.js';
import { describeEndpoint, openTransport, type Endpoint, type Transport } from './transport.js';

/** Yate's default module -> engine line buffer, before our bufsize is confirmed. */
export const DEFAULT_BUFSIZE = 8192;
/** extmodule's default message timeout (ms), until Yate tells ours. */
export const DEFAULT_ENGINE_TIMEOUT = 10000;

export interface Backoff {
  /** Wait before the first retry (ms); each later one waits twice as long... */
  readonly initialMs: number;
  /** ...up to this (ms). */
  readonly maxMs: number;
}

export interface ConnectionOptions {
  /** Where Yate is: stdio (default, started from extmodule.conf) or a listener socket. */
  readonly endpoint?: Endpoint;
  /** Open the link yourself (tests, custom transports); overrides `endpoint`. */
  readonly open?: () => Promise<Transport>;
  /** Name Yate appends to the `handlers` param for our handlers (`setlocal trackparam`);
   *  '' leaves Yate's default. ['yate-chat'] */
  readonly trackName?: string;
  /** bufsize to ask for at start (Yate clamps it to 2048..65536). [65536] */
  readonly bufsize?: number;
  /** Socket mode: role to announce with `%%>connect:`; null when the listener has a role.
   *  ['global' on a socket, none on stdio] */
  readonly role?: string | null;
  /** Socket mode: reconnect with exponential backoff; false to give up at the first drop.
   *  [{initialMs: 200, maxMs: 10000}] */
  readonly reconnect?: Backoff | false;
  /** Handler deadline in ms. [the engine's timeout less 10%, at least 1 s less] */
  readonly deadlineMs?: number;
  /** Longest engine -> module line read; a longer one is logged, answered if it is a message
   *  whose id can be read, and dropped. [4 MiB] */
  readonly maxIncomingLine?: number;
  /** ['info'] */
  readonly logLevel?: LogLevel;
}

export interface Resolved {
  readonly endpoint: Endpoint;
  readonly endpointName: string;
  readonly open: () => Promise<Transport>;
  /** null: leave Yate's default. */
  readonly trackName: string | null;
  readonly bufsize: number;
  readonly role: string | null;
  /** false on stdio (a script's pipes do not come back) or when asked. */
  readonly reconnect: Backoff | false;
  readonly deadlineMs: number | null;
  readonly maxIncomingLine: number;
  readonly logLevel: LogLevel;
}

const DEFAULT_RECONNECT: Backoff = { initialMs: 200, maxMs: 10000 };

function positive(name: string, v: number | undefined, integer = false): void {
  if (v !== undefined && !(Number.isFinite(v) && v > 0 && (!integer || Number.isInteger(v)))) {
    throw new YateChatError('BAD_ARGUMENT', `connection option ${name} must be a positive ${integer ? 'integer' : 'number'}, got ${String(v)}`);
  }
}

/** Throws BAD_ARGUMENT for an option that cannot be used. */
export function resolveOptions(opts: ConnectionOptions): Resolved {
  const endpoint = opts.endpoint ?? { kind: 'stdio' as const };
  const stdio = endpoint.kind === 'stdio';
  positive('bufsize', opts.bufsize, true);
  positive('deadlineMs', opts.deadlineMs);
  positive('maxIncomingLine', opts.maxIncomingLine, true);
  if (opts.reconnect) {
    positive('reconnect.initialMs', opts.reconnect.initialMs);
    positive('reconnect.maxMs', opts.reconnect.maxMs);
  }
  return Object.freeze({
    endpoint,
    endpointName: describeEndpoint(endpoint),
    open: opts.open ?? (() => openTransport(endpoint)),
    trackName: opts.trackName === '' ? null : opts.trackName ?? 'yate-chat',
    bufsize: opts.bufsize ?? 65536,
    role: opts.role === undefined ? (stdio ? null : 'global') : opts.role,
    reconnect: stdio ? false : opts.reconnect ?? DEFAULT_RECONNECT,
    deadlineMs: opts.deadlineMs ?? null,
    maxIncomingLine: opts.maxIncomingLine ?? MAX_INCOMING_LINE,
    logLevel: opts.logLevel ?? 'info',
  });
}

/** The wait before retry number `attempt` (0 first), spread by ±25% so that modules dropped
 *  together do not all come back at the same instant. */
export function backoffDelay(b: Backoff, attempt: number, spread = Math.random()): number {
  return Math.min(b.maxMs, b.initialMs * 2 ** attempt) * (0.75 + spread / 2);
}
