// The rules file, field by field: the reference for what may be written in it (each
// field's JSDoc says what it means, its limits and [its default]). The nested objects
// (offline, presence, http, webhooks, rateLimit, history) are in sections.ts, the groups in
// groups.ts, the building blocks and their messages in leaves.ts, the defaults in defaults.ts.
//
// Every leaf check produces one message of the form "expected <what>, got <value>", and
// every object refuses unknown fields one by one (with a "did you mean" when a known field
// is close), so a typo never passes silently. Keys starting with "//" or "$comment" are
// comments and are removed before this schema sees the value (json.ts).

import { z } from 'zod';
import { DEFAULTS, MAX_BODY_BYTES_LIMIT, MAX_SEND_TIMEOUT_MS, MAX_WAIT_MS } from './defaults.js';
import { converted, isInt, isPlainObject, leaf, patternList, positiveInt, secretText, show, strict, USER, userList, variant, word } from './leaves.js';
import { compileMimeRange, isHost, type Compiled } from './pattern.js';
import { groupPolicySchema, groupsSchema } from './groups.js';
import { historySchema, httpSchema, offlineSchema, presenceSchema, pushSchema, rateLimitSchema, webhooksSchema, type SchemaContext } from './sections.js';
import type { RateLimit } from './types.js';

export { DEFAULTS, MAX_BODY_BYTES_LIMIT, MAX_SEND_TIMEOUT_MS, MAX_WAIT_MS } from './defaults.js';
export { SECRET, TOKEN, show } from './leaves.js';
export type { SchemaContext } from './sections.js';

/** sip: or sips:, then user@host or host, optional :port, ;params and ?headers. Loose on purpose. */
const SIP_URI = /^sips?:(?:[^\s@<>"]+@)?(?:\[[0-9a-f:.]+\]|[a-z0-9](?:[a-z0-9.-]*[a-z0-9])?)(?::\d{1,5})?(?:[;?][^\s<>"]*)?$/i;

function aliasTarget(v: unknown): Compiled<string> {
  const expected = 'a local user (like "alice") or a sip:/sips: URI (like "sip:alice@example.com")';
  if (typeof v !== 'string') return { ok: false, expected };
  if (/^sips?:/i.test(v)) return SIP_URI.test(v) ? { ok: true, value: v } : { ok: false, expected: 'a sip:/sips: URI of the form sip:user@host[:port] or sip:host' };
  if (/^[a-z][a-z0-9+.-]*:/i.test(v)) return { ok: false, expected: 'a local user or a sip:/sips: URI (no other scheme is routed)' };
  return USER.test(v) ? { ok: true, value: v } : { ok: false, expected };
}

/** The schema of the whole rules file; its output is a Config without `file` and `warnings`. */
export function rulesFileSchema(ctx: SchemaContext) {
  const rateLimit = rateLimitSchema();
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
          callers: patternList(ctx.verdicts),
          /** Patterns matched against the recipient (Yate's `called`), same forms. [[]] */
          callees: patternList(ctx.verdicts),
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
      offline: offlineSchema(ctx).default({
        ...DEFAULTS.offline,
        storeCodes: [...DEFAULTS.offline.storeCodes],
        store: { kind: 'sqlite', path: ctx.defaultStorePath },
      }),
      /** Local users known to exist even when not registered (offline.knownUsers, aliases). [] */
      users: userList.default([]),
      /** Presence subscriptions (SUBSCRIBE/NOTIFY, RFC 3856 and 6665). */
      presence: presenceSchema(ctx).default({ ...DEFAULTS.presence, deny: { watchers: [], presentities: [] }, allow: Object.create(null) as Record<string, never> }),
      /** The HTTP face: GET /metrics, the /v1 API. Absent: no HTTP server. [none] */
      http: httpSchema(ctx).optional(),
      /**
       * address -> URL: a MESSAGE to that address (after aliases) is POSTed there as JSON and
       * answered from the webhook's answer; needs webhookSecret. An address may not also be an
       * alias. [{}]
       */
      webhooks: webhooksSchema(),
      /** HMAC-SHA256 key for the X-Yate-Chat-Signature of webhook requests; else YATE_CHAT_WEBHOOK_SECRET. [none] */
      webhookSecret: secretText.optional(),
      /** Longest a webhook may take (ms, 100..30000); the sender's answer budget can cut it shorter. [3000] */
      webhookTimeoutMs: leaf<number>('a whole number of milliseconds 100..30000', isInt(100, 30000)).default(DEFAULTS.webhookTimeoutMs),
      /**
       * The push gateway that wakes devices that may sleep (RFC 8599 pn-* parameters in their
       * Contact): {"url", "secret", "timeoutMs", "retries"} (docs/devices.md). Absent: no push. [none]
       */
      push: pushSchema(ctx).optional(),
      /**
       * name -> members (["123", "234"], or {"members": [...], "writers": "anyone"}): a MESSAGE to
       * the group goes to every member but its writer (docs/groups.md). Read-only at run time;
       * groups made with rmanager or HTTP live in the store. A name may not also be an alias, a
       * webhook address or a user of `users`; a member may not be a group. [{}]
       */
      groups: groupsSchema(),
      /** Bounds and manners of every group (maxMembers, maxGroups, writers, prefix). */
      groupPolicy: groupPolicySchema(),
      /** The conversation history (docs/history.md). Off unless enabled. */
      history: historySchema(),
    },
    'a JSON object',
  );
}


export type RulesFile = z.output<ReturnType<typeof rulesFileSchema>>;
