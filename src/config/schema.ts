// The rules file, field by field: the reference for what may be written in it (each
// field's JSDoc says what it means, its limits and [its default]).
//
// Every leaf check produces one message of the form "expected <what>, got <value>", and
// every object refuses unknown fields one by one (with a "did you mean" when a known field
// is close), so a typo never passes silently. Keys starting with "//" or "$comment" are
// comments and are removed before this schema sees the value (json.ts).

import * as path from 'node:path';
import { z } from 'zod';
import { isLocalOnly, listenName, parseListen } from './listen.js';
import { compileMimeRange, compilePattern, isHost, type Compiled } from './pattern.js';
import { redactUrl } from '../redact.js';
import { STORE_DEFAULTS } from '../store/messages/types.js';
import type { StoreConfig } from '../store/index.js';
import type { HttpConfig, KnownUsers, LogLevel, Mode, Pattern, PresenceConfig, RateLimit } from './types.js';

/**
 * Largest body accepted (maxBodyBytes, offline.maxBodyBytes). The body travels to Yate
 * escaped inside one line (up to twice its size) with the other parameters, and Yate closes
 * a module whose line passes 65536 bytes, the most `setlocal bufsize` allows.
 */
export const MAX_BODY_BYTES_LIMIT = 16384;
/** delivery.waitMs upper bound: the Yate thread that carries the sender's MESSAGE is blocked meanwhile. */
export const MAX_WAIT_MS = 60000;
/** delivery.sendTimeoutMs upper bound. */
export const MAX_SEND_TIMEOUT_MS = 600000;

/** What loadConfig knows that the schema needs. */
export interface SchemaContext {
  /** Folder that relative paths in the file are resolved against (the file's folder). */
  readonly baseDir: string;
  /** Store path used when the file does not name one (see defaultStorePath in load.ts). */
  readonly defaultStorePath: string;
  /** YATE_CHAT_HTTP_TOKEN and YATE_CHAT_WEBHOOK_SECRET, used when the file has none. */
  readonly httpToken?: string;
  readonly webhookSecret?: string;
  /** A postgres store's url when the file names none (YATE_CHAT_PG_URL in the environment). */
  readonly postgresUrl?: string;
}

// ---------------------------------------------------------------- building blocks

/** A value as it appears in a message: JSON, shortened; `nothing` for a missing value. */
export function show(value: unknown): string {
  if (value === undefined) return 'nothing';
  let text: string;
  try {
    text = JSON.stringify(value) ?? String(value);
  } catch {
    text = String(value);
  }
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

const isPlainObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** A leaf accepted when `test` says so; otherwise "expected <expected>, got <value>". */
function leaf<T>(expected: string, test: (v: unknown) => boolean) {
  return z.custom<T>(test, { error: (iss) => `expected ${expected}, got ${show(iss.input)}` });
}

/** A leaf turned into another value by `compile`, whose failure says what was expected. */
function converted<T>(compile: (v: unknown) => Compiled<T>) {
  return z.unknown().transform((v, ctx): T => {
    const r = compile(v);
    if (r.ok) return r.value;
    ctx.addIssue({ code: 'custom', message: `expected ${r.expected}, got ${show(v)}`, input: v });
    return z.NEVER;
  });
}

function levenshtein(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1]!.toLowerCase() === b[j - 1]!.toLowerCase() ? 0 : 1;
      cur[j] = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + cost);
    }
    prev = cur;
  }
  return prev[b.length]!;
}

function unknownField(key: unknown, known: readonly string[]): string {
  const name = String(key);
  const close = known
    .map((k) => ({ k, d: levenshtein(name, k) }))
    .filter(({ k, d }) => d <= Math.max(1, Math.floor(k.length / 3)))
    .sort((x, y) => x.d - y.d)[0];
  const hint = close ? `did you mean "${close.k}"? ` : '';
  const list = known.map((k) => `"${k}"`).join(', ');
  return `unknown field (${hint}expected one of ${list}; comment fields start with "//")`;
}

/**
 * An object whose every field is optional and whose unknown fields are each an error at
 * their own path. (z.strictObject reports them all as one issue on the parent.)
 */
function strict<S extends z.core.$ZodShape>(shape: S, expected: string) {
  const known = Object.keys(shape);
  const unknown = z.custom<never>(() => false, { error: (iss) => unknownField(iss.path?.at(-1), known) });
  return z
    .object(shape, { error: (iss) => `expected ${expected}, got ${show(iss.input)}` })
    .catchall(unknown) as unknown as z.ZodObject<S>;
}

/**
 * A value of several shapes (`false` or an object, a word or an object): `pick` chooses the
 * schema from the value, and that schema's own messages come through unchanged. (z.union
 * reports only "invalid input" on the parent when every option fails.)
 */
function variant<T>(expected: string, pick: (v: unknown) => z.ZodType<T> | undefined) {
  return z.unknown().transform((v, ctx): T => {
    const schema = pick(v);
    if (!schema) {
      ctx.addIssue({ code: 'custom', message: `expected ${expected}, got ${show(v)}`, input: v });
      return z.NEVER;
    }
    const r = schema.safeParse(v);
    if (r.success) return r.data;
    for (const issue of r.error.issues) ctx.addIssue({ code: 'custom', message: issue.message, path: issue.path, input: v });
    return z.NEVER;
  });
}

const isInt = (min: number, max: number) => (v: unknown) => Number.isInteger(v) && (v as number) >= min && (v as number) <= max;

/** A whole number >= 1 (and <= max). */
const positiveInt = (max = Number.MAX_SAFE_INTEGER) =>
  leaf<number>(max === Number.MAX_SAFE_INTEGER ? 'a positive integer' : `a positive integer up to ${max}`, isInt(1, max));

/** A number > 0 (and <= max), fractions allowed. */
const positiveNumber = (max: number) =>
  leaf<number>(`a number greater than 0 and up to ${max}`, (v) => typeof v === 'number' && Number.isFinite(v) && v > 0 && v <= max);

/** One of the given words: `"a", "b" or "c"`. */
const word = <T extends string>(...words: T[]) => {
  const quoted = words.map((w) => JSON.stringify(w));
  const expected = quoted.length > 1 ? `${quoted.slice(0, -1).join(', ')} or ${quoted.at(-1)}` : (quoted[0] ?? '');
  return leaf<T>(expected, (v) => (words as unknown[]).includes(v));
};

/** A local user name as Yate's `called`/`caller` carry it: no spaces, no "@", no ":". */
const USER = /^[^\s@:<>"]+$/;
const localUser = leaf<string>('a user name (no spaces, "@" or ":")', (v) => typeof v === 'string' && USER.test(v));

/** sip: or sips:, then user@host or host, optional :port, ;params and ?headers. Loose on purpose. */
const SIP_URI = /^sips?:(?:[^\s@<>"]+@)?(?:\[[0-9a-f:.]+\]|[a-z0-9](?:[a-z0-9.-]*[a-z0-9])?)(?::\d{1,5})?(?:[;?][^\s<>"]*)?$/i;

function aliasTarget(v: unknown): Compiled<string> {
  const expected = 'a local user (like "alice") or a sip:/sips: URI (like "sip:alice@example.com")';
  if (typeof v !== 'string') return { ok: false, expected };
  if (/^sips?:/i.test(v)) return SIP_URI.test(v) ? { ok: true, value: v } : { ok: false, expected: 'a sip:/sips: URI of the form sip:user@host[:port] or sip:host' };
  if (/^[a-z][a-z0-9+.-]*:/i.test(v)) return { ok: false, expected: 'a local user or a sip:/sips: URI (no other scheme is routed)' };
  return USER.test(v) ? { ok: true, value: v } : { ok: false, expected };
}

const patternList = z
  .array(
    converted<Pattern>((v) => (typeof v === 'string' ? compilePattern(v) : { ok: false, expected: 'an exact string or "/regex/flags"' })),
    { error: (iss) => `expected an array of patterns (exact strings or "/regex/flags"), got ${show(iss.input)}` },
  )
  .default([]);

const userList = z
  .array(localUser, { error: (iss) => `expected an array of user names, got ${show(iss.input)}` })
  .transform((users) => [...new Set(users)]);

/** A value as it may appear in a message: a URL with *** for each of its secrets (redactUrl). */
const redacted = (v: unknown): unknown => (typeof v === 'string' ? redactUrl(v, { markPassword: true }) : v);

/** A postgres:// or postgresql:// URL naming a host (the password, if any, never shown back). */
function postgresUrl(v: unknown): Compiled<string> {
  const expected = 'a postgres://user@host[:port]/database URL';
  if (typeof v !== 'string') return { ok: false, expected };
  let u: URL;
  try {
    u = new URL(v);
  } catch {
    return { ok: false, expected };
  }
  if (u.protocol !== 'postgres:' && u.protocol !== 'postgresql:') return { ok: false, expected: `${expected} (not ${u.protocol})` };
  if (!u.hostname) return { ok: false, expected: `${expected} (with a host)` };
  return { ok: true, value: v };
}

// ---------------------------------------------------------------- the defaults

/** Values used for every field the file leaves out (the store path comes from SchemaContext). */
export const DEFAULTS = {
  mode: 'confirmed' as Mode,
  contentTypes: ['*/*'],
  maxBodyBytes: 4096,
  rateLimit: { messages: 30, intervalSeconds: 60, code: 503 } as RateLimit,
  log: 'info' as LogLevel,
  logBodies: false,
  allowUnauthenticated: false,
  delivery: { waitMs: 8000, maxTargets: 8, inPlace: true, sendTimeoutMs: 40000 },
  webhookTimeoutMs: 3000,
  postgres: { poolSize: 4, leaseSeconds: 15 },
  offline: {
    enabled: true,
    // The store's own defaults (store/messages/types.ts): one value each, whoever opens a store.
    expirySeconds: STORE_DEFAULTS.expirySeconds,
    quotaPerRecipient: STORE_DEFAULTS.quotaPerRecipient,
    maxMessages: STORE_DEFAULTS.maxMessages,
    maxBodyBytes: STORE_DEFAULTS.maxBodyBytes,
    retryIntervalSeconds: 60,
    storeCodes: [408, 480, 503, 504],
    knownUsers: 'registered' as KnownUsers,
  },
  presence: {
    subscribe: true,
    watchers: 'local' as PresenceConfig['watchers'],
    minExpires: 60,
    maxExpires: 3600,
    defaultExpires: 3600,
    maxPerWatcher: 50,
    maxSubscriptions: 10000,
  },
} as const;

// ---------------------------------------------------------------- the rules file

/** The schema of the whole rules file; its output is a Config without `file` and `warnings`. */
export function rulesFileSchema(ctx: SchemaContext) {
  const rateLimit = strict(
    {
      /** Messages one authenticated sender may send in a burst (a whole number >= 1). [30] */
      messages: positiveInt(1_000_000).default(DEFAULTS.rateLimit.messages),
      /**
       * Seconds it takes to earn the whole burst back: the limit is `messages` per
       * `intervalSeconds`, refilled continuously (fractions allowed, up to a day). [60]
       */
      intervalSeconds: positiveNumber(86400).default(DEFAULTS.rateLimit.intervalSeconds),
      /** SIP answer to a sender over the limit: 503 (with Retry-After) or 403. [503] */
      code: leaf<403 | 503>('403 or 503', (v) => v === 403 || v === 503).default(DEFAULTS.rateLimit.code),
    },
    'an object {"messages", "intervalSeconds", "code"} or false',
  );

  const store = strict(
    {
      /**
       * "sqlite" (kept across restarts), "memory" (lost when the module stops) or "postgres"
       * (one database several Yate nodes share). ["sqlite"]
       */
      kind: word('sqlite', 'memory', 'postgres').default('sqlite'),
      /**
       * sqlite only: the database file. A relative path is resolved against the rules file's
       * folder (Yate's working directory is not the script's). [the default store path: see
       * defaultStorePath]
       */
      path: leaf<string>('a file path', (v) => typeof v === 'string' && v.trim().length > 0 && !v.includes('\0')).optional(),
      /**
       * postgres only: postgres://user@host[:port]/database[?sslmode=require]. Leave the password
       * out: PGPASSWORD in Yate's environment gives it (or the whole url in YATE_CHAT_PG_URL).
       * [YATE_CHAT_PG_URL]
       */
      url: z.unknown().transform((v, c): string => {
        const r = postgresUrl(v);
        if (r.ok) return r.value;
        c.addIssue({ code: 'custom', message: `expected ${r.expected}, got ${show(redacted(v))}`, input: v });
        return z.NEVER;
      }).optional(),
      /** postgres only: connections to the database at most (besides one that listens). 1..100. [4] */
      poolSize: positiveInt(100).optional(),
      /**
       * postgres only: seconds a node's right to deliver one recipient's messages lasts without
       * renewal (renewed while it delivers): a node that dies mid-delivery holds that recipient's
       * messages this long before another node takes over. 2..3600. [15]
       */
      leaseSeconds: leaf<number>('a whole number of seconds 2..3600', isInt(2, 3600)).optional(),
    },
    'an object {"kind": "sqlite", "path"}, {"kind": "memory"} or {"kind": "postgres", "url"}',
  ).transform((s, tx): StoreConfig => {
    /** Fields that belong to another kind of store. */
    const foreign = (fields: readonly (keyof typeof s)[], hint: string): void => {
      for (const f of fields) {
        if (s[f] === undefined) continue;
        tx.addIssue({ code: 'custom', path: [f], message: `expected no "${f}" with "kind": "${s.kind}" (${hint}), got ${f === 'url' ? show(redacted(s[f])) : show(s[f])}`, input: s[f] });
      }
    };
    if (s.kind === 'memory') {
      foreign(['path'], 'use "kind": "sqlite" to keep a file');
      foreign(['url', 'poolSize', 'leaseSeconds'], 'they are for "kind": "postgres"');
      return { kind: 'memory' };
    }
    if (s.kind === 'postgres') {
      foreign(['path'], 'a postgres store is named by "url"');
      const url = s.url ?? ctx.postgresUrl;
      if (url === undefined) {
        tx.addIssue({ code: 'custom', path: ['url'], message: 'expected a postgres:// URL here or in YATE_CHAT_PG_URL (environment), got nothing', input: undefined });
        return z.NEVER;
      }
      return { kind: 'postgres', url, poolSize: s.poolSize ?? DEFAULTS.postgres.poolSize, leaseSeconds: s.leaseSeconds ?? DEFAULTS.postgres.leaseSeconds };
    }
    foreign(['url', 'poolSize', 'leaseSeconds'], 'they are for "kind": "postgres"');
    return { kind: 'sqlite', path: s.path === undefined ? ctx.defaultStorePath : path.resolve(ctx.baseDir, s.path) };
  });

  const knownUsersList = strict(
    /** Exactly these users may receive stored messages. */
    { list: userList },
    'an object {"list": [...]}',
  );

  const offline = strict(
    {
      /** Keep messages for a recipient who is offline and deliver them when they come back. [true] */
      enabled: leaf<boolean>('true or false', (v) => typeof v === 'boolean').default(DEFAULTS.offline.enabled),
      /** Where stored messages live. [{"kind": "sqlite", "path": <default store path>}] */
      store: store.default({ kind: 'sqlite', path: ctx.defaultStorePath }),
      /** Seconds a stored message is kept before it is dropped undelivered (a whole number). [604800 = 7 days] */
      expirySeconds: positiveInt().default(DEFAULTS.offline.expirySeconds),
      /** Most messages stored for one recipient; more are refused. [100] */
      quotaPerRecipient: positiveInt(1_000_000).default(DEFAULTS.offline.quotaPerRecipient),
      /**
       * Most messages stored for all recipients together; more are answered 503 (the server is
       * out of room). Beside quotaPerRecipient because recipients are named by senders (with
       * knownUsers "anyone", any name). [100000: 400 MB of 4 KB bodies at most]
       */
      maxMessages: positiveInt(100_000_000).default(DEFAULTS.offline.maxMessages),
      /** Largest body (bytes) that is stored; a larger one is answered as undeliverable. [4096] */
      maxBodyBytes: positiveInt(MAX_BODY_BYTES_LIMIT).default(DEFAULTS.offline.maxBodyBytes),
      /** Seconds between delivery attempts for a recipient who seems back (a whole number). [60] */
      retryIntervalSeconds: positiveInt(86400).default(DEFAULTS.offline.retryIntervalSeconds),
      /**
       * Final SIP codes of a failed delivery that mean "store it for later" (whole numbers
       * 300..699). Any other failure is passed to the sender. [[408, 480, 503, 504]]
       */
      storeCodes: z
        .array(leaf<number>('a SIP failure code (a whole number 300..699)', isInt(300, 699)), {
          error: (iss) => `expected an array of SIP codes, got ${show(iss.input)}`,
        })
        .transform((codes) => [...new Set(codes)].sort((a, b) => a - b))
        .default([...DEFAULTS.offline.storeCodes]),
      /**
       * Who may get messages stored for them: "registered" (users seen registering, or that
       * Yate's router answered as known but offline), "anyone", or {"list": [users]}.
       * ["registered"]
       */
      knownUsers: variant<KnownUsers>('"registered", "anyone" or {"list": [user names]}', (v) =>
        v === 'registered' || v === 'anyone' ? z.literal(v) : isPlainObject(v) ? knownUsersList : undefined,
      ).default(DEFAULTS.offline.knownUsers),
    },
    'an object',
  );

  const presence = strict(
    {
      /**
       * Serve SUBSCRIBE for `Event: presence` (RFC 3856; needs ysipchan.conf `[methods]
       * subscribe=yes`): watchers get NOTIFYs with the presentity's PUBLISHed state, else
       * open/closed from its registrations. Other events are left to other modules
       * (sipfeatures). [true]
       */
      subscribe: leaf<boolean>('true or false', (v) => typeof v === 'boolean').default(DEFAULTS.presence.subscribe),
      /**
       * Whom an authenticated user may watch: "local" (a user of this server: listed in
       * `users`, seen registering, with PUBLISHed presence, or one Yate's routers know),
       * refused with 403 otherwise; "anyone" (any name, shown closed when nothing is known).
       * ["local"]
       */
      watchers: word('local', 'anyone').default(DEFAULTS.presence.watchers),
      /** Subscriptions refused with 403, by who watches or who is watched. [empty] */
      deny: strict(
        {
          /** Patterns matched against the watcher (the authenticated user). [[]] */
          watchers: patternList,
          /** Patterns matched against the presentity (the user watched). [[]] */
          presentities: patternList,
        },
        'an object {"watchers": [...], "presentities": [...]}',
      ).default({ watchers: [], presentities: [] }),
      /** Shortest subscription accepted, seconds; a shorter Expires gets 423 with Min-Expires. [60] */
      minExpires: positiveInt(86400).default(DEFAULTS.presence.minExpires),
      /** Longest subscription granted, seconds; a longer Expires is cut to it. [3600] */
      maxExpires: positiveInt(86400).default(DEFAULTS.presence.maxExpires),
      /** Granted when the SUBSCRIBE names no Expires (RFC 3856: 3600), kept within min..max. [3600] */
      defaultExpires: positiveInt(86400).default(DEFAULTS.presence.defaultExpires),
      /** Subscriptions one watcher may hold; more are refused with 403. [50] */
      maxPerWatcher: positiveInt(10_000).default(DEFAULTS.presence.maxPerWatcher),
      /** Subscriptions kept for everyone together; more are refused with 503. [10000] */
      maxSubscriptions: positiveInt(1_000_000).default(DEFAULTS.presence.maxSubscriptions),
    },
    'an object',
  ).transform((p, tx): PresenceConfig => {
    if (p.minExpires > p.maxExpires) {
      tx.addIssue({ code: 'custom', path: ['maxExpires'], message: `expected at least minExpires (${p.minExpires}), got ${show(p.maxExpires)}`, input: p.maxExpires });
    }
    return { ...p, defaultExpires: Math.min(p.maxExpires, Math.max(p.minExpires, p.defaultExpires)) };
  });

  // ---- the HTTP face (src/http) and webhooks (src/chat/webhook.ts)
  const http = strict(
    {
      /** HOST:PORT or a Unix socket path (relative: this file's folder). Required. */
      listen: converted((v) => parseListen(v, ctx.baseDir)),
      /** Bearer token of the /v1 API; else YATE_CHAT_HTTP_TOKEN. Required unless `listen` is loopback or a Unix socket. */
      token: tokenText.optional(),
    },
    'an object {"listen": "127.0.0.1:8090", "token"}',
  ).transform((h, tx): HttpConfig => {
    const token = h.token ?? ctx.httpToken ?? null;
    if (token === null && !isLocalOnly(h.listen)) {
      tx.addIssue({ code: 'custom', path: ['token'], input: undefined, message: `expected a token (here or in YATE_CHAT_HTTP_TOKEN) when listening on ${listenName(h.listen)}, which is not a loopback address, got nothing` });
    }
    return { listen: h.listen, token };
  });

  /** address -> http(s) URL. */
  const webhooks = z
    .record(
      leaf<string>('an address (a user name: no spaces, "@" or ":")', (v) => typeof v === 'string' && USER.test(v)),
      converted<string>(webhookUrl),
      {
        error: (iss) =>
          iss.code === 'invalid_key'
            ? `expected an address (a user name: no spaces, "@" or ":"), got ${show(iss.input)}`
            : `expected an object {"address": "http://host/path"}, got ${show(iss.input)}`,
      },
    )
    .default({});

  return strict(
    {
      /**
       * "confirmed": the sender's MESSAGE is answered with the real delivery result (200,
       * 202 when the far end is slow, or the failure). "seed": behave exactly like the
       * regexroute seed rules: answer 200 at once and enqueue msg.execute to lateroute.
       * ["confirmed"]
       */
      mode: word('confirmed', 'seed').default(DEFAULTS.mode),
      /**
       * Accepted Content-Types, matched case-insensitively on the base type (";charset=..."
       * ignored). "text/*" and "*\/*" are wildcards; "*\/*" accepts any type that is present,
       * and a MESSAGE without a Content-Type is always answered 415. [["*\/*"]]
       */
      contentTypes: z
        .array(converted<string>((v) => (typeof v === 'string' ? compileMimeRange(v) : { ok: false, expected: 'a MIME type string' })), {
          error: (iss) => `expected an array of MIME types, got ${show(iss.input)}`,
        })
        .min(1, { error: (iss) => `expected at least one MIME type (use "*/*" to accept any), got ${show(iss.input)}` })
        .transform((types) => [...new Set(types)])
        .default([...DEFAULTS.contentTypes]),
      /** Largest MESSAGE body in bytes; a larger one is answered 413. [4096, at most 16384] */
      maxBodyBytes: positiveInt(MAX_BODY_BYTES_LIMIT).default(DEFAULTS.maxBodyBytes),
      /**
       * called -> where it goes: a local user ("alice": re-routed through Yate's call.route,
       * and followed if it is itself an alias, at most 5 hops) or a "sip:"/"sips:" URI
       * (delivered there directly, a static route). [{}]
       */
      aliases: z
        .record(
          leaf<string>('a non-empty called number or name', (v) => typeof v === 'string' && v.length > 0),
          converted<string>(aliasTarget),
          {
            error: (iss) =>
              iss.code === 'invalid_key'
                ? `expected a non-empty called number or name as the key, got ${show(iss.input)}`
                : `expected an object {"called": "user or sip:uri"}, got ${show(iss.input)}`,
          },
        )
        .default({}),
      /** Messages refused with 403 by who sends or who is called. [empty] */
      deny: strict(
        {
          /**
           * Patterns matched against the sender (Yate's `caller`): an exact string, or
           * "/regex/flags" (searches; anchor with ^ and $; flags g and y refused). [[]]
           */
          callers: patternList,
          /** Patterns matched against the recipient (Yate's `called`), same forms. [[]] */
          callees: patternList,
        },
        'an object {"callers": [...], "callees": [...]}',
      ).default({ callers: [], callees: [] }),
      /**
       * Per authenticated sender: at most `messages` per `intervalSeconds`, then answered
       * with `code`. false turns the limit off. [{"messages": 30, "intervalSeconds": 60, "code": 503}]
       */
      rateLimit: variant<RateLimit | false>('an object {"messages", "intervalSeconds", "code"} or false', (v) =>
        v === false ? z.literal(false) : isPlainObject(v) ? rateLimit : undefined,
      ).default({ ...DEFAULTS.rateLimit }),
      /**
       * The SIP domain of this server (a host name or address, optionally :port): the host of
       * every From and To yate-chat writes, whatever domain a request named. Without it, the
       * request's own `domain` when it is a valid host (else ysipchan builds From itself), and
       * for `chat send` with a bare FROM the domain FROM registered with. [none]
       */
      domain: leaf<string>('a host name or address, optionally with :port (like "sip.example.com" or "10.0.0.5:5060")', (v) => typeof v === 'string' && isHost(v)).optional(),
      /**
       * Take MESSAGE and PUBLISH from senders ysipchan did not authenticate (ysipchan.conf
       * `[methods] message=no`, `[message] auth_required=no`): their sender is then the From
       * user they claim, unverified (rate-limited by source address instead). false: such a
       * sender is refused with 403; only the authenticated user (`username`) is ever the sender.
       * [false]
       */
      allowUnauthenticated: leaf<boolean>('true or false', (v) => typeof v === 'boolean').default(DEFAULTS.allowUnauthenticated),
      /** Least important lines written to Yate's log: "error", "warn", "info" or "debug". ["info"] */
      log: word('error', 'warn', 'info', 'debug').default(DEFAULTS.log),
      /**
       * Show the start of each message's body (60 characters) and each presence note in the
       * per-message log line. Off, the line says who, to whom, the type, the size and what
       * became of it, never what was written. [false]
       */
      logBodies: leaf<boolean>('true or false', (v) => typeof v === 'boolean').default(DEFAULTS.logBodies),
      /** How a MESSAGE goes on to its recipient. */
      delivery: strict(
        {
          /**
           * true: a MESSAGE for a registered user with one contact is handed to ysipchan in
           * the same dispatch (renamed to xsip.generate, or routed for its msg.execute relay),
           * the cheapest way for Yate; the sender gets the recipient's own answer, whenever it
           * comes (a device that stopped answering: 408 after about 32 s). false: yate-chat
           * sends it and waits itself, answering 202 after waitMs and keeping any failure for
           * later; it costs Yate a worker thread and two more messages per MESSAGE. [true]
           */
          inPlace: leaf<boolean>('true or false', (v) => typeof v === 'boolean').default(DEFAULTS.delivery.inPlace),
          /**
           * Milliseconds the sender's answer may wait for the far end when yate-chat itself
           * delivers (inPlace false, several devices, other drivers); after that the sender
           * gets 202 and delivery goes on. Keep it below extmodule.conf's timeout (Yate's
           * thread waits meanwhile). 0..60000. [8000]
           */
          waitMs: leaf<number>(`a whole number of milliseconds 0..${MAX_WAIT_MS}`, isInt(0, MAX_WAIT_MS)).default(DEFAULTS.delivery.waitMs),
          /** Most contacts (registrations, forks) one message is sent to at once. 1..64. [8] */
          maxTargets: positiveInt(64).default(DEFAULTS.delivery.maxTargets),
          /**
           * Milliseconds yate-chat waits for Yate to answer one delivery it sent itself (an
           * xsip.generate with wait=true returns when the SIP transaction ends: about 32 s with
           * ysipchan's default timers). Past it the delivery counts as 408 (kept for later when
           * 408 is a store code) and nothing is left waiting for that answer. 1000..600000. [40000]
           */
          sendTimeoutMs: leaf<number>(`a whole number of milliseconds 1000..${MAX_SEND_TIMEOUT_MS}`, isInt(1000, MAX_SEND_TIMEOUT_MS)).default(DEFAULTS.delivery.sendTimeoutMs),
        },
        'an object {"inPlace", "waitMs", "maxTargets", "sendTimeoutMs"}',
      ).default({ ...DEFAULTS.delivery }),
      /** Store-and-forward for recipients who are offline. */
      offline: offline.default({
        ...DEFAULTS.offline,
        storeCodes: [...DEFAULTS.offline.storeCodes],
        store: { kind: 'sqlite', path: ctx.defaultStorePath },
      }),
      /** Local users known to exist even when not registered (offline.knownUsers, aliases). [] */
      users: userList.default([]),
      /** Presence subscriptions (SUBSCRIBE/NOTIFY, RFC 3856 and 6665). */
      presence: presence.default({ ...DEFAULTS.presence, deny: { watchers: [], presentities: [] } }),
      /** The HTTP face: GET /metrics, the /v1 API. Absent: no HTTP server. [none] */
      http: http.optional(),
      /**
       * address -> URL: a MESSAGE to that address (after aliases) is POSTed there as JSON and
       * answered from the webhook's answer; needs webhookSecret. An address may not also be an
       * alias. [{}]
       */
      webhooks,
      /** HMAC-SHA256 key for the X-Yate-Chat-Signature of webhook requests; else YATE_CHAT_WEBHOOK_SECRET. [none] */
      webhookSecret: secretText.optional(),
      /** Longest a webhook may take (ms, 100..30000); the sender's answer budget can cut it shorter. [3000] */
      webhookTimeoutMs: leaf<number>('a whole number of milliseconds 100..30000', isInt(100, 30000)).default(DEFAULTS.webhookTimeoutMs),
    },
    'a JSON object',
  ).superRefine((rules, tx) => {
    // Checks across fields: only once every field on its own is valid.
    const addresses = Object.keys(rules.webhooks);
    if (addresses.length && rules.webhookSecret === undefined && ctx.webhookSecret === undefined) {
      tx.addIssue({ code: 'custom', path: ['webhookSecret'], input: undefined, message: 'expected a secret to sign webhook requests with (here or in YATE_CHAT_WEBHOOK_SECRET), got nothing' });
    }
    for (const a of addresses) {
      if (Object.hasOwn(rules.aliases, a)) tx.addIssue({ code: 'custom', path: ['webhooks', a], input: a, message: `expected an address that is not also an alias, got ${show(a)} (aliases.${a} routes it elsewhere)` });
    }
  });
}

/** http.token: an RFC 6750 bearer token (letters, digits, - . _ ~ + /, then any '='), 16..256 characters. */
export const TOKEN = { pattern: /^(?=.{16,256}$)[A-Za-z0-9._~+/-]+=*$/, expected: '16 to 256 characters of A-Z a-z 0-9 - . _ ~ + / (then any "=")' };
/** webhookSecret: 16..256 visible ASCII characters. */
export const SECRET = { pattern: /^[\x21-\x7e]{16,256}$/, expected: '16 to 256 visible ASCII characters (no spaces)' };
/** A token or secret; a bad one is described, never shown (the message goes to Yate's log). */
const secretLeaf = (rule: typeof TOKEN) =>
  z.custom<string>((v) => typeof v === 'string' && rule.pattern.test(v), {
    error: (iss) => `expected ${rule.expected}, got ${typeof iss.input === 'string' ? `${iss.input.length} characters that are not (not shown: a secret)` : show(iss.input)}`,
  });
const tokenText = secretLeaf(TOKEN);
const secretText = secretLeaf(SECRET);

function webhookUrl(v: unknown): Compiled<string> {
  const expected = 'an http:// or https:// URL (like "http://127.0.0.1:8091/hook")';
  if (typeof v !== 'string' || !URL.canParse(v)) return { ok: false, expected };
  const u = new URL(v);
  if (u.protocol !== 'http:' && u.protocol !== 'https:') return { ok: false, expected };
  if (u.username || u.password) return { ok: false, expected: 'a URL without user:password (requests are signed with webhookSecret)' };
  return { ok: true, value: u.href };
}

export type RulesFile = z.output<ReturnType<typeof rulesFileSchema>>;
