// The link to the PostgreSQL server (node-postgres), the one way every PostgreSQL store (the
// messages, the subscriptions) reaches it: a pool for the store's operations, a client of its
// own that LISTENs on the channel every node shares (for a store that listens), and whether the
// server answers.
//
// - An operation that cannot reach the server (refused, reset, closed, no answer within
//   `timeoutMs`, the server shutting down) marks the link down and asks the server at once:
//   one connection may have died alone. When the server does not answer either, that is said
//   once in Yate's log; from then on operations fail at once (StoreUnreachable: senders of
//   offline messages get 500 without waiting) while the server is asked every second. When it
//   answers, the schema is brought up to date if it never was, the link is up again, and that
//   is said once too. Each store says it under its own name (`what`), with what it means for
//   the users (`consequence`).
// - The listening client is connected again whenever it drops; each time it listens again is
//   reported as `resync`: notifications sent meanwhile are lost, so the node reads again.
import pg from 'pg';
import { YateChatError } from '../../errors.js';
import { redactUrl } from '../../redact.js';
import { HEALTHY, StoreUnreachable, type StoreHealth } from '../common.js';
import { POSTGRES_URL, postgresUrlProblem } from './url.js';

export const CHANNEL = 'yate_chat';

export type LinkLog = (level: 'error' | 'warn' | 'info', text: string) => void;

/** What an operation runs on: a pooled connection (or the pool itself). */
export type Queryable = Pick<pg.PoolClient, 'query'>;

/** Where the server is and how long to wait for it: what every PostgreSQL store is opened with. */
export interface PostgresOptions {
  /** postgres://user[:password]@host[:port]/database[?sslmode=...]; the password may come from PGPASSWORD. */
  readonly url: string;
  /** Longest an operation waits for the server before it counts as unreachable. Default 5000. */
  readonly timeoutMs?: number;
  /** Where the store says that the server went away and came back (Yate's log). Default: stderr. */
  readonly log?: LinkLog;
}

export interface LinkOptions {
  readonly url: string;
  /** For logs and errors: the url without its secrets (redactUrl). */
  readonly name: string;
  /** Which store this is, for the log: "offline store", "subscription store". */
  readonly what: string;
  /** What an outage means for the users, for the log: "messages for offline users get 500". */
  readonly consequence: string;
  readonly poolSize: number;
  /** Longest an operation may wait for the server before the link counts as down. */
  readonly timeoutMs: number;
  readonly log: LinkLog;
  /** Runs on the first connection that works (the schema migration), on one connection. */
  readonly prepare: (db: Queryable) => Promise<void>;
  /** A store that hears the other nodes: each notification on CHANNEL. Without it, nothing listens. */
  readonly onNotify?: (payload: string) => void;
  /** The listening client listens (again): notifications may have been missed meanwhile. */
  readonly onResync?: () => void;
}

const stderrLog: LinkLog = (level, text) => void process.stderr.write(`yate-chat ${level}: ${text}\n`);

/** The options every PostgreSQL store checks the same way (BAD_ARGUMENT for ones that can never
 *  work), with their defaults, and the name it shows (never a secret of the url). */
export function checkOptions(opts: PostgresOptions & { readonly poolSize?: number }): { name: string; poolSize: number; timeoutMs: number; log: LinkLog } {
  const problem = postgresUrlProblem(opts.url);
  if (problem !== null) throw new YateChatError('BAD_ARGUMENT', `store url must be ${POSTGRES_URL}${problem ? ` ${problem}` : ''}`);
  const poolSize = opts.poolSize ?? 4;
  const timeoutMs = opts.timeoutMs ?? 5000;
  if (!Number.isSafeInteger(poolSize) || poolSize < 1) throw new YateChatError('BAD_ARGUMENT', `store option poolSize must be a positive integer, got ${String(poolSize)}`);
  if (!Number.isSafeInteger(timeoutMs) || timeoutMs < 100) throw new YateChatError('BAD_ARGUMENT', `store option timeoutMs must be an integer of at least 100, got ${String(timeoutMs)}`);
  return { name: redactUrl(opts.url), poolSize, timeoutMs, log: opts.log ?? stderrLog };
}

/** Network errors, and SQLSTATEs that say the server is away or refuses us. */
const NETWORK = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN', 'ENOENT']);
export function unreachable(err: unknown): boolean {
  const e = err as { code?: unknown; message?: unknown } | null;
  const code = typeof e?.code === 'string' ? e.code : '';
  // 08: connection exception; 57P01-3: shutting down, crashed, starting; 53300: too many
  // connections; 28: bad password or role; 3D000: no such database. node-postgres says a lost
  // connection or its own timeouts in words only.
  if (NETWORK.has(code) || /^(08|28)/.test(code) || ['57P01', '57P02', '57P03', '53300', '3D000'].includes(code)) return true;
  return !code && typeof e?.message === 'string' && /Connection terminated|timeout|not queryable|Client has encountered a connection error/i.test(e.message);
}

export function describe(err: unknown): string {
  const e = err as { code?: unknown; message?: unknown } | null;
  const message = typeof e?.message === 'string' ? e.message : String(err);
  return typeof e?.code === 'string' && !message.includes(e.code) ? `${e.code}: ${message}` : message;
}

export class PgLink {
  readonly pool: pg.Pool;
  #up = false;
  #prepared = false;
  #closed = false;
  /** The outage was said in the log (once per outage). */
  #said = false;
  /** Why the server cannot be used, for the errors meanwhile. */
  #cause = 'not connected yet';
  #error: unknown = null;
  #downSince = 0;
  #probe: NodeJS.Timeout | null = null;
  #probing: Promise<boolean> | null = null;
  #listener: pg.Client | null = null;
  #relisten: NodeJS.Timeout | null = null;
  readonly #o: LinkOptions;
  readonly #config: pg.PoolConfig;

  constructor(o: LinkOptions) {
    this.#o = o;
    this.#config = {
      connectionString: o.url,
      application_name: 'yate-chat',
      connectionTimeoutMillis: o.timeoutMs,
      // The listening connection sends nothing: keepalives find a server that vanished.
      keepAlive: true,
      keepAliveInitialDelayMillis: 10_000,
      // A lock wait or a stuck statement ends on the server, an unanswered query here.
      statement_timeout: o.timeoutMs,
      query_timeout: o.timeoutMs + 1000,
      idle_in_transaction_session_timeout: Math.max(10_000, o.timeoutMs * 2),
      // bigint (ids, ms timestamps) as numbers: all stay below 2^53.
      types: { getTypeParser: ((oid: number, format?: 'text' | 'binary') => (oid === 20 ? Number : pg.types.getTypeParser(oid, format))) as typeof pg.types.getTypeParser },
    };
    this.pool = new pg.Pool({ ...this.#config, max: o.poolSize, idleTimeoutMillis: 60_000 });
    // A connection the server closes (idle, or in use: then its query fails too) is an event,
    // not a crash; the query or the next use says more.
    this.pool.on('error', () => {});
    this.pool.on('connect', (client) => void client.on('error', () => {}));
  }

  get up(): boolean {
    return this.#up;
  }

  /** Up, or why not (the server's answer or the connection error; the url is never in it). */
  health(): StoreHealth {
    if (this.#closed) return { ok: false, reason: 'closed' };
    return this.#up ? HEALTHY : { ok: false, reason: this.#cause };
  }

  /** First contact: up (schema ready, listening) or down (said once, asking). Never rejects. */
  async start(): Promise<void> {
    this.#downSince = Date.now();
    if (await this.#try()) await this.#listen();
    else {
      this.#scheduleProbe();
      void this.#listen();
    }
  }

  /** First contact for a store that cannot start without the server: up (schema ready,
   *  listening), or closed and rejecting STORE_FAILED with the cause (nothing said in the log:
   *  the caller says what it does instead). */
  async open(): Promise<void> {
    this.#downSince = Date.now();
    if (await this.#try(false)) return this.#listen();
    const err = this.#error;
    await this.close();
    if (err instanceof YateChatError) throw err;
    throw new YateChatError('STORE_FAILED', `store ${this.#o.name}: open failed: ${this.#cause}`, { cause: err });
  }

  /** (Re)connects the listening client; reports a resync once it listens. Never rejects. */
  async #listen(): Promise<void> {
    if (this.#closed || this.#listener || !this.#o.onNotify) return;
    const client = new pg.Client(this.#config);
    this.#listener = client;
    const lost = () => {
      if (this.#listener !== client) return;
      this.#dropListener();
      if (this.#closed || this.#relisten) return;
      this.#relisten = setTimeout(() => {
        this.#relisten = null;
        void this.#listen();
      }, 1000);
      this.#relisten.unref();
    };
    client.on('error', lost);
    client.on('end', lost);
    client.on('notification', (n) => {
      if (n.channel === CHANNEL && n.payload !== undefined) this.#o.onNotify?.(n.payload);
    });
    try {
      await client.connect();
      await client.query(`LISTEN ${CHANNEL}`);
    } catch {
      lost();
      return;
    }
    if (this.#closed || this.#listener !== client) return;
    if (!this.#up && !(await this.#try())) return;
    // Replaced meanwhile (the server came back and a fresh connection listens): that one resyncs.
    if (this.#closed || this.#listener !== client) return;
    this.#o.onResync?.();
  }

  /** Ends the listening connection; listen() makes a new one. */
  #dropListener(): void {
    const client = this.#listener;
    if (!client) return;
    this.#listener = null;
    client.removeAllListeners('notification');
    client.end().catch(() => {});
  }

  /** Runs `fn` on a pooled connection if the server answers; fails at once while it does not. */
  async run<T>(what: string, fn: (db: Queryable) => Promise<T>): Promise<T> {
    return this.#run(what, async () => {
      const client = await this.pool.connect();
      let broken: unknown;
      try {
        return await fn(client);
      } catch (err) {
        if (unreachable(err)) broken = err;
        throw err;
      } finally {
        client.release(broken === undefined ? undefined : (broken as Error));
      }
    });
  }

  /** Runs `fn` in one transaction (committed before this resolves, rolled back on any error). */
  async transaction<T>(what: string, fn: (db: Queryable) => Promise<T>): Promise<T> {
    return this.run(what, async (db) => {
      await db.query('BEGIN');
      try {
        const result = await fn(db);
        await db.query('COMMIT');
        return result;
      } catch (err) {
        if (!unreachable(err)) await db.query('ROLLBACK').catch(() => {});
        throw err;
      }
    });
  }

  async #run<T>(what: string, fn: () => Promise<T>): Promise<T> {
    if (this.#closed) throw new YateChatError('STORE_FAILED', `store ${this.#o.name} is closed`);
    if (!this.#up) throw new StoreUnreachable(`store ${this.#o.name} is unavailable since ${new Date(this.#downSince).toISOString()}: ${this.#cause}`);
    try {
      return await fn();
    } catch (err) {
      if (err instanceof YateChatError) throw err;
      if (this.#closed) throw new YateChatError('STORE_FAILED', `store ${this.#o.name} is closed`, { cause: err });
      if (!unreachable(err)) throw new YateChatError('STORE_FAILED', `store ${this.#o.name}: ${what} failed: ${describe(err)}`, { cause: err });
      this.#down(err);
      throw new StoreUnreachable(`store ${this.#o.name} is unreachable: ${describe(err)}`, { cause: err });
    }
  }

  #down(err: unknown): void {
    if (!this.#up || this.#closed) return;
    this.#up = false;
    this.#downSince = Date.now();
    this.#cause = describe(err);
    // Ask at once: one connection may have died alone (cut while idle, the server restarted
    // under it). Only when the server does not answer either is the outage said in the log.
    void this.#try().then((ok) => ok || this.#scheduleProbe());
  }

  #scheduleProbe(): void {
    if (this.#probe || this.#closed) return;
    this.#probe = setTimeout(() => {
      this.#probe = null;
      void this.#try().then((ok) => ok || this.#scheduleProbe());
    }, 1000);
    this.#probe.unref();
  }

  /** One attempt to reach the server (and prepare the schema once); true when it answered. A
   *  failure is said in the log (once per outage) unless `say` is false. */
  #try(say = true): Promise<boolean> {
    this.#probing ??= (async () => {
      try {
        await this.pool.query('SELECT 1');
        if (!this.#prepared) {
          const client = await this.pool.connect();
          try {
            await this.#o.prepare(client);
          } finally {
            client.release();
          }
          this.#prepared = true;
        }
        if (this.#closed) return false;
        this.#up = true;
        if (this.#said) {
          this.#o.log('warn', `${this.#o.what} ${this.#o.name} reachable again after ${Math.round((Date.now() - this.#downSince) / 1000)} s`);
          // The listening connection may have died unseen meanwhile (it sends nothing): listen
          // again on a fresh one, which is also the resync after the outage.
          this.#said = false;
          this.#dropListener();
          void this.#listen();
        }
        return true;
      } catch (err) {
        this.#cause = describe(err);
        this.#error = err;
        const { what, name, consequence } = this.#o;
        if (say && !this.#said && !this.#closed) {
          this.#said = true;
          this.#o.log('error', err instanceof YateChatError || !unreachable(err)
            ? `${what} ${name} cannot be used: ${describe(err)}; ${consequence} (trying again every second)`
            : `${what} ${name} unreachable: ${describe(err)}; ${consequence} until it answers (asking every second)`);
        }
        return false;
      } finally {
        this.#probing = null;
      }
    })();
    return this.#probing;
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#up = false;
    if (this.#probe) clearTimeout(this.#probe);
    if (this.#relisten) clearTimeout(this.#relisten);
    const listener = this.#listener;
    this.#listener = null;
    await Promise.allSettled([listener?.end(), this.pool.end()]);
  }
}
