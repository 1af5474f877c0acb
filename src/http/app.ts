// The HTTP face's routes (hono). Every answer is JSON, except /metrics (Prometheus text):
//
//   GET  /metrics               no token
//   GET  /healthz               no token: 200 when the link to Yate is up and the store usable, else 503
//   POST /v1/messages           send a MESSAGE as `from` (send.ts); the real outcome
//   GET  /v1/presence[/USER]    what `chat presence` shows
//   GET  /v1/queue[/USER]       what `chat queue` shows
//   GET  /v1/devices/USER       what `chat devices USER` shows
//   /v1/groups, /v1/history/USER, DELETE /v1/users/USER: groups, the history, forgetting (groups.ts)
//
// /v1 needs `Authorization: Bearer <token>` when the rules give a token: none or a wrong one
// 401, a header that is not `Bearer <token>` 400 (RFC 6750). Nothing here writes to stdout
// (the extmodule pipe): errors go to Yate's log through the connection's logger.
//
// Web browsers are kept out (issue 21: a loopback face without a token took a cross-site
// `text/plain` POST, which needs no CORS preflight, and DNS rebinding let a page read queues):
// a request with an `Origin` header (a browser's, on every cross-origin request and every POST)
// 403; on a loopback address, a `Host` that is not a loopback name 421 (a rebound name); a POST
// body whose Content-Type is not application/json 415 (no CORS-safelisted type is JSON).
import { Hono, type Context } from 'hono';
import { bearerAuth } from 'hono/bearer-auth';
import { bodyLimit } from 'hono/body-limit';
import { HTTPException } from 'hono/http-exception';
import type { Registry } from 'prom-client';
import type { ChatModule } from '../chat/index.js';
import type { Logger } from '../engine/logger.js';
import { isYateChatError } from '../errors.js';
import { groupRoutes } from './groups.js';
import { BODY_HEADER_FIELDS, httpStatusOf, problemsOf, SendBody } from './send.js';

/** Largest request body read: a 16 KiB message body, JSON-escaped, fits. */
export const MAX_REQUEST_BYTES = 128 * 1024;

export interface AppDeps {
  readonly chat: ChatModule;
  readonly metrics: Registry;
  readonly token: string | null;
  readonly log: Logger;
  /** Listening on a loopback TCP address: only loopback names may be asked for in `Host`. */
  readonly loopback: boolean;
}

/** A loopback name as a Host header carries it: localhost, 127.x.x.x or [::1], with a port or not. */
const LOOPBACK_HOST = /^(?:localhost|127(?:\.\d{1,3}){3}|\[::1\])(?::\d{1,5})?$/i;

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

type Status = 200 | 202 | 400 | 401 | 403 | 404 | 413 | 415 | 429 | 500 | 502 | 503 | 504 | 508;

export function createApp({ chat, metrics, token, log, loopback }: AppDeps): Hono {
  const app = new Hono();

  app.use('*', async (c, next) => {
    if (c.req.header('origin') !== undefined) return c.json({ error: 'requests from web pages (with an Origin header) are refused' }, 403);
    const host = c.req.header('host');
    if (loopback && host !== undefined && !LOOPBACK_HOST.test(host)) return c.json({ error: 'this face answers to loopback names only (Host: localhost, 127.0.0.1, [::1])' }, 421);
    return next();
  });

  app.get('/metrics', async (c) => c.body(await metrics.metrics(), 200, { 'content-type': metrics.contentType }));

  // For load balancers and monitoring: no token, and nothing private in it (no store name, path
  // or address, no reason text: those are in Yate's log and `status yate-chat`).
  app.get('/healthz', (c) => {
    const h = chat.health();
    c.header('cache-control', 'no-store');
    return c.json({ status: h.ok ? 'ok' : 'unavailable', engine: h.engine, store: h.store, subscriptions: h.subscriptions }, h.ok ? 200 : 503);
  });

  if (token !== null) {
    app.use('/v1/*', bearerAuth({
      token,
      noAuthenticationHeader: { message: { error: 'no token: send Authorization: Bearer <token>' } },
      invalidAuthenticationHeader: { message: { error: 'expected an Authorization header "Bearer <token>"' } },
      invalidToken: { message: { error: 'wrong token' } },
    }));
  }

  app.post('/v1/messages', bodyLimit({ maxSize: MAX_REQUEST_BYTES, onError: (c) => c.json({ error: `request body larger than ${MAX_REQUEST_BYTES} bytes` }, 413) }), async (c) => {
    if (!/^application\/json\s*(;|$)/i.test(c.req.header('content-type') ?? '')) return c.json({ error: 'expected Content-Type: application/json' }, 415);
    let raw: unknown;
    try {
      raw = await c.req.json();
    } catch {
      return c.json({ error: 'expected a JSON body', problems: [{ field: 'body', message: 'expected JSON like {"from": "123", "to": "234", "body": "hi"}' }] }, 400);
    }
    const parsed = SendBody.safeParse(raw);
    if (!parsed.success) {
      const problems = problemsOf(parsed.error);
      return c.json({ error: problems.map((p) => `${p.field}: ${p.message}`).join('; '), problems }, 400);
    }
    const { from, to, body, contentType, bodyEncoding } = parsed.data;
    const headers: Record<string, string> = {};
    for (const [field, header] of Object.entries(BODY_HEADER_FIELDS)) {
      const value = parsed.data[field as keyof typeof BODY_HEADER_FIELDS];
      if (value !== undefined) headers[header] = value;
    }
    try {
      const r = await chat.send({ from, to, text: body, ...(contentType ? { type: contentType } : {}), ...(bodyEncoding ? { bodyEncoding: 'base64' as const } : {}), headers, via: 'http' });
      for (const [h, v] of Object.entries(r.headers ?? {})) c.header(h, v);
      return c.json({ code: r.code, detail: r.detail }, httpStatusOf(r.code, !!r.rateLimited) as Status);
    } catch (err) {
      if (isYateChatError(err, 'BAD_ARGUMENT')) return c.json({ error: err.message, problems: [{ field: /base64/.test(err.message) ? 'body' : 'from', message: err.message }] }, 400);
      throw err;
    }
  });

  app.get('/v1/presence', (c) => c.json(chat.presence().map(presenceJson)));
  app.get('/v1/presence/:user', (c) => {
    const user = c.req.param('user');
    const [p] = chat.presence(user);
    return p ? c.json(presenceJson(p)) : c.json({ error: `no presence for ${user}` }, 404);
  });

  app.get('/v1/queue', (c) => store(c, async () => (await chat.queue()).map((r) => ({ user: r.user, count: r.count, oldest: iso(r.oldest) }))));
  app.get('/v1/queue/:user', (c) => store(c, async () => {
    const q = await chat.queue(c.req.param('user'));
    return {
      user: q.user,
      total: q.total,
      messages: q.messages.map((m) => ({
        id: m.id, from: m.from, receivedAt: iso(m.receivedAt), expiresAt: iso(m.expiresAt), contentType: m.contentType,
        ...(m.bodyEncoding ? { bodyEncoding: m.bodyEncoding } : {}), body: m.body, bytes: m.bytes, attempts: m.attempts,
        ...(Object.keys(m.headers).length ? { headers: m.headers } : {}),
      })),
    };
  }));

  app.get('/v1/devices/:user', async (c) => c.json((await chat.devices(c.req.param('user'))).map((d) => ({
    device: d.device, contact: d.contact, userAgent: d.userAgent, since: iso(d.since), expires: iso(d.expiresAt), push: d.push, owed: d.owed,
  }))));
  groupRoutes(app, chat);

  app.notFound((c) => c.json({ error: `no such resource: ${c.req.method} ${c.req.path}` }, 404));
  app.onError((err, c) => {
    // bearerAuth's refusals come as HTTPExceptions carrying their response.
    if (err instanceof HTTPException) return err.getResponse();
    log.error(`http: ${c.req.method} ${c.req.path} failed: ${err.stack ?? err.message}`);
    return c.json({ error: 'internal error (see Yate\'s log)' }, 500);
  });
  return app;
}

function presenceJson(p: ReturnType<ChatModule['presence']>[number]) {
  return { user: p.user, basic: p.basic, note: p.note, since: iso(p.since), expires: iso(p.expiresAt) };
}

/** The store's answer as JSON; the store off is 404, a failing store 500 (its message says why). */
async function store(c: Context, read: () => Promise<unknown>): Promise<Response> {
  try {
    return c.json(await read());
  } catch (err) {
    if (isYateChatError(err, 'OFFLINE_DISABLED')) return c.json({ error: 'the offline store is off (offline.enabled: false)' }, 404);
    if (isYateChatError(err, 'STORE_FAILED')) return c.json({ error: `store error: ${err.message}` }, 500);
    throw err;
  }
}
