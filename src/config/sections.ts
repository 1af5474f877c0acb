// The rules file's nested objects, one schema each (offline and its store, presence, the HTTP
// face, webhooks, rateLimit): schema.ts puts them in their place in the file. Each field's
// JSDoc says what it means, its limits and [its default], like schema.ts's own fields.

import * as path from 'node:path';
import { z } from 'zod';
import { redactUrl } from '../redact.js';
import { POSTGRES_URL, postgresUrlProblem } from '../store/postgres/url.js';
import type { StoreConfig } from '../store/index.js';
import { MAX_EXPIRY_SECONDS } from '../store/messages/types.js';
import { DEFAULTS, MAX_BODY_BYTES_LIMIT } from './defaults.js';
import { converted, isInt, isPlainObject, leaf, patternList, positiveInt, positiveNumber, secretText, show, strict, tokenText, USER, userList, variant, word } from './leaves.js';
import { isLocalOnly, listenName, parseListen } from './listen.js';
import type { Compiled } from './pattern.js';
import type { HttpConfig, KnownUsers, Pattern, PresenceConfig, PushConfig } from './types.js';
import type { RegexVerdicts } from './verdicts.js';

/** What loadConfig knows that the schema needs. */
export interface SchemaContext {
  /** Folder that relative paths in the file are resolved against (the file's folder). */
  readonly baseDir: string;
  /** Store path used when the file does not name one (see defaultStorePath in load.ts). */
  readonly defaultStorePath: string;
  /** YATE_CHAT_HTTP_TOKEN, YATE_CHAT_WEBHOOK_SECRET and YATE_CHAT_PUSH_SECRET, used when the file has none. */
  readonly httpToken?: string;
  readonly webhookSecret?: string;
  readonly pushSecret?: string;
  /** A postgres store's url when the file names none (YATE_CHAT_PG_URL in the environment). */
  readonly postgresUrl?: string;
  /** Verdicts on regexes checked before (verdicts.ts); without it each regex is checked here. */
  readonly verdicts?: RegexVerdicts;
}

/** A value as it may appear in a message: a URL with *** for each of its secrets (redactUrl). */
const redacted = (v: unknown): unknown => (typeof v === 'string' ? redactUrl(v, { markPassword: true }) : v);

/** A postgres:// or postgresql:// URL naming a host (the password, if any, never shown back). */
function postgresUrl(v: unknown): Compiled<string> {
  const problem = postgresUrlProblem(v);
  if (problem === null) return { ok: true, value: v as string };
  return { ok: false, expected: problem ? `${POSTGRES_URL} ${problem}` : POSTGRES_URL };
}

/** A webhook or push gateway address: http(s) only, without user:password (requests are signed instead). */
function webhookUrl(v: unknown): Compiled<string> {
  const expected = 'an http:// or https:// URL (like "http://127.0.0.1:8091/hook")';
  if (typeof v !== 'string' || !URL.canParse(v)) return { ok: false, expected };
  const u = new URL(v);
  if (u.protocol !== 'http:' && u.protocol !== 'https:') return { ok: false, expected };
  if (u.username || u.password) return { ok: false, expected: 'a URL without user:password (requests are signed with webhookSecret)' };
  return { ok: true, value: u.href };
}

/** rateLimit, when it is an object. */
export function rateLimitSchema() {
  return strict(
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
}

/** offline.store: which backend, where; checked per kind (a field of another kind is an error). */
export function storeSchema(ctx: SchemaContext) {
  return strict(
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
}

/** offline.knownUsers, when it is a list. */
export function knownUsersListSchema() {
  return strict(
    /** Exactly these users may receive stored messages. */
    { list: userList },
    'an object {"list": [...]}',
  );
}

/** offline: store-and-forward for recipients who are offline. */
export function offlineSchema(ctx: SchemaContext) {
  const knownUsersList = knownUsersListSchema();
  return strict(
    {
      /** Keep messages for a recipient who is offline and deliver them when they come back. [true] */
      enabled: leaf<boolean>('true or false', (v) => typeof v === 'boolean').default(DEFAULTS.offline.enabled),
      /** Where stored messages live. [{"kind": "sqlite", "path": <default store path>}] */
      store: storeSchema(ctx).default({ kind: 'sqlite', path: ctx.defaultStorePath }),
      /** Seconds a stored message is kept before it is dropped undelivered (a whole number, at most 315360000 = 10 years). [604800 = 7 days] */
      expirySeconds: positiveInt(MAX_EXPIRY_SECONDS).default(DEFAULTS.offline.expirySeconds),
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
      /**
       * Seconds a message stays for the recipient's devices that never had it, after a first
       * device took it: a device that registers (for the first time, or again after its
       * registration ran out) within them gets it too, once (Flexisip's "fork late"). Applies to
       * messages yate-chat sent or kept itself (several devices, devices that may sleep, a user
       * offline), not to those handed to ysipchan for a single device. 0..604800; 0: only the
       * devices that were owed a copy get one. [3600]
       */
      lateWindowSeconds: leaf<number>('a whole number of seconds 0..604800', isInt(0, 604800)).default(DEFAULTS.offline.lateWindowSeconds),
      /** Seconds between delivery attempts for a recipient who seems back (a whole number). [60] */
      retryIntervalSeconds: positiveInt(86400).default(DEFAULTS.offline.retryIntervalSeconds),
      /**
       * Failed deliveries of one stored message (a store code, no answer, no slot) after which it
       * is given up: deleted undelivered, with a line in Yate's log, and counted; the next one
       * goes out. A final refusal (a code not in storeCodes) ends it at once. [30]
       */
      maxAttempts: positiveInt(10_000).default(DEFAULTS.offline.maxAttempts),
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
}

/** presence: SUBSCRIBE/NOTIFY (RFC 3856 and 6665). */
export function presenceSchema(ctx: Pick<SchemaContext, 'verdicts'> = {}) {
  return strict(
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
          watchers: patternList(ctx.verdicts),
          /** Patterns matched against the presentity (the user watched). [[]] */
          presentities: patternList(ctx.verdicts),
        },
        'an object {"watchers": [...], "presentities": [...]}',
      ).default({ watchers: [], presentities: [] }),
      /**
       * Per user: who may watch them. A user named here may be watched only by the watchers its
       * patterns match (and by themselves); anyone else is refused with 403, the answer a name
       * that does not exist gets. Users not named follow `watchers`. [{}]
       */
      allow: z
        .record(
          leaf<string>('a user name (no spaces, "@" or ":")', (v) => typeof v === 'string' && USER.test(v)),
          patternList(ctx.verdicts),
          {
            error: (iss) =>
              iss.code === 'invalid_key'
                ? `expected a user name (no spaces, "@" or ":") as the key, got ${show(iss.input)}`
                : `expected an object {"user": ["watcher", "/regex/"]}, got ${show(iss.input)}`,
          },
        )
        .default({}),
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
      /**
       * Longest a PUBLISHed state is kept, seconds (RFC 3903: the server may shorten what is
       * asked, and answers the Expires it granted); a longer Expires, or none, is cut to it. [3600]
       */
      maxPublishExpires: positiveInt(86400).default(DEFAULTS.presence.maxPublishExpires),
    },
    'an object',
  ).transform((p, tx): PresenceConfig => {
    if (p.minExpires > p.maxExpires) {
      tx.addIssue({ code: 'custom', path: ['maxExpires'], message: `expected at least minExpires (${p.minExpires}), got ${show(p.maxExpires)}`, input: p.maxExpires });
    }
    return {
      ...p,
      allow: Object.assign(Object.create(null) as Record<string, readonly Pattern[]>, p.allow),
      defaultExpires: Math.min(p.maxExpires, Math.max(p.minExpires, p.defaultExpires)),
    };
  });
}

/** http: the HTTP face (src/http): GET /metrics, the /v1 API. */
export function httpSchema(ctx: SchemaContext) {
  return strict(
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
}

/** webhooks: address -> http(s) URL (src/chat/messaging/webhook.ts). */
export function webhooksSchema() {
  return z
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
}

/** push: wake devices that may sleep (RFC 8599) through a push gateway (src/chat/push/). */
export function pushSchema(ctx: SchemaContext) {
  return strict(
    {
      /** The gateway's http(s) URL: a copy waiting for a sleeping device is announced there (JSON, signed). Required. */
      url: converted<string>(webhookUrl),
      /** HMAC-SHA256 key of the X-Yate-Chat-Signature of push requests; else YATE_CHAT_PUSH_SECRET. Required. */
      secret: secretText.optional(),
      /** Longest one push request may take (ms, 100..30000). [5000] */
      timeoutMs: leaf<number>('a whole number of milliseconds 100..30000', isInt(100, 30000)).default(DEFAULTS.push.timeoutMs),
      /** Further attempts after a request that failed (no answer, 429, 5xx), 1, 2, 4... s apart (0..5). [2] */
      retries: leaf<number>('a whole number 0..5', isInt(0, 5)).default(DEFAULTS.push.retries),
    },
    'an object {"url": "https://push.example.com/v1/wake", "secret"}',
  ).transform((p, tx): PushConfig => {
    const secret = p.secret ?? ctx.pushSecret;
    if (secret === undefined) {
      tx.addIssue({ code: 'custom', path: ['secret'], input: undefined, message: 'expected a secret to sign push requests with (here or in YATE_CHAT_PUSH_SECRET), got nothing' });
      return z.NEVER;
    }
    return { url: p.url, secret, timeoutMs: p.timeoutMs, retries: p.retries };
  });
}

/** history: the conversation history (src/chat/history/). */
export function historySchema() {
  return strict(
    {
      /**
       * Keep every MESSAGE routed (one-to-one and to groups: sender, recipient, time, type, body,
       * outcome) in the store, and serve it (GET /v1/history, `chat history`). Read at start. [false]
       */
      enabled: leaf<boolean>('true or false', (v) => typeof v === 'boolean').default(DEFAULTS.history.enabled),
      /** Days a message stays in the history; older ones are deleted. 1..3650. [30] */
      retentionDays: leaf<number>('a whole number of days 1..3650', isInt(1, 3650)).default(DEFAULTS.history.retentionDays),
    },
    'an object {"enabled", "retentionDays"}',
  ).default({ ...DEFAULTS.history });
}
