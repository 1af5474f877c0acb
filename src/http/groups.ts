// The HTTP face's routes for groups, the history and forgetting a user (app.ts mounts them under
// the /v1 token like every other /v1 route). Every answer is JSON:
//
//   GET    /v1/groups                       every group (the rules' and the run-time ones)
//   GET    /v1/groups/NAME                  one group; 404 when there is none
//   POST   /v1/groups                       {"name", "members": [...], "writers"?}: 201 made
//   PUT    /v1/groups/NAME/members/USER     add USER: 200 the group
//   DELETE /v1/groups/NAME/members/USER     take USER out: 200 the group
//   DELETE /v1/groups/NAME                  200 {"deleted": NAME}
//   GET    /v1/history/USER?with=PEER&before=CURSOR&limit=N
//                                           the most recent N (50) before CURSOR, oldest first,
//                                           and "next": the cursor of the page before (or null)
//   DELETE /v1/users/USER                   forget USER: what was deleted
//
// A refusal is a status with {"error"}: 400 a bad request (BAD_ARGUMENT), 415 a POST body that is
// not application/json (as for POST /v1/messages: app.ts), 404 no such group or
// the history off, 409 a name taken, a rules group (read-only) or a bound of groupPolicy, 500
// the store failed.
import { z } from 'zod';
import type { Context, Hono } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import type { ChatModule, GroupInfo } from '../chat/index.js';
import { show } from '../config/schema.js';
import { isYateChatError } from '../errors.js';

const USER = /^[^\s@:<>"]+$/;
/** Largest POST /v1/groups body read: 1000 members of 256 characters, JSON-escaped, fit. */
const MAX_GROUP_BODY = 512 * 1024;
const name = z.custom<string>((v) => typeof v === 'string' && v.length <= 256 && USER.test(v), { error: (iss) => `expected a user name (no spaces, "@" or ":"), got ${show(iss.input)}` });

const NewGroupBody = z.strictObject({
  name,
  members: z.array(name, { error: (iss) => `expected an array of user names, got ${show(iss.input)}` }).max(1000).default([]),
  writers: z.custom<'members' | 'anyone'>((v) => v === 'members' || v === 'anyone', { error: (iss) => `expected "members" or "anyone", got ${show(iss.input)}` }).optional(),
}, { error: (iss) => (iss.code === 'unrecognized_keys' ? `unknown field ${iss.keys.map((k) => JSON.stringify(k)).join(', ')} (expected "name", "members", "writers")` : `expected a JSON object {"name", "members", "writers"}, got ${show(iss.input)}`) });

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

const groupJson = (g: GroupInfo) => ({ name: g.name, members: g.members, writers: g.writers, source: g.source, createdAt: iso(g.createdAt) });

/** What a refusal of the chat API becomes; anything else goes on to app.ts's onError (500). */
async function refusals(c: Context, act: () => Promise<Response>): Promise<Response> {
  try {
    return await act();
  } catch (err) {
    if (isYateChatError(err, 'BAD_ARGUMENT')) return c.json({ error: err.message }, 400);
    if (isYateChatError(err, 'NO_SUCH_GROUP') || isYateChatError(err, 'HISTORY_DISABLED')) return c.json({ error: err.message }, 404);
    if (isYateChatError(err, 'GROUP_EXISTS') || isYateChatError(err, 'GROUP_READ_ONLY') || isYateChatError(err, 'GROUP_LIMIT')) return c.json({ error: err.message }, 409);
    if (isYateChatError(err, 'STORE_FAILED')) return c.json({ error: `store error: ${err.message}` }, 500);
    throw err;
  }
}

export function groupRoutes(app: Hono, chat: ChatModule): void {
  app.get('/v1/groups', (c) => c.json(chat.groups().map(groupJson)));
  app.get('/v1/groups/:name', (c) => {
    const g = chat.group(c.req.param('name'));
    return g ? c.json(groupJson(g)) : c.json({ error: `no group ${c.req.param('name')}` }, 404);
  });
  const limit = bodyLimit({ maxSize: MAX_GROUP_BODY, onError: (c) => c.json({ error: `request body larger than ${MAX_GROUP_BODY} bytes` }, 413) });
  app.post('/v1/groups', limit, (c) => refusals(c, async () => {
    // Like POST /v1/messages: no CORS-safelisted type is JSON (a web page cannot send this).
    if (!/^application\/json\s*(;|$)/i.test(c.req.header('content-type') ?? '')) return c.json({ error: 'expected Content-Type: application/json' }, 415);
    let raw: unknown;
    try {
      raw = await c.req.json();
    } catch {
      return c.json({ error: 'expected a JSON body like {"name": "team", "members": ["123", "234"]}' }, 400);
    }
    const parsed = NewGroupBody.safeParse(raw);
    if (!parsed.success) return c.json({ error: parsed.error.issues.map((i) => `${i.path.join('.') || 'body'}: ${i.message}`).join('; ') }, 400);
    const { name: group, members, writers } = parsed.data;
    return c.json(groupJson(await chat.createGroup(group, members, writers ? { writers } : {})), 201);
  }));
  app.put('/v1/groups/:name/members/:user', (c) => refusals(c, async () => c.json(groupJson(await chat.addToGroup(c.req.param('name'), [c.req.param('user')])))));
  app.delete('/v1/groups/:name/members/:user', (c) => refusals(c, async () => c.json(groupJson(await chat.removeFromGroup(c.req.param('name'), [c.req.param('user')])))));
  app.delete('/v1/groups/:name', (c) => refusals(c, async () => {
    await chat.deleteGroup(c.req.param('name'));
    return c.json({ deleted: c.req.param('name') });
  }));

  app.get('/v1/history/:user', (c) => refusals(c, async () => {
    const q = c.req.query();
    const limit = q.limit === undefined ? undefined : /^\d{1,4}$/.test(q.limit) ? Number(q.limit) : NaN;
    if (Number.isNaN(limit)) return c.json({ error: `limit: expected a whole number 1..500, got ${JSON.stringify(q.limit)}` }, 400);
    const page = await chat.history({
      user: c.req.param('user'),
      ...(q.with ? { with: q.with } : {}),
      ...(q.before ? { before: q.before } : {}),
      ...(limit !== undefined ? { limit } : {}),
    });
    return c.json({
      user: page.user,
      with: page.with,
      order: 'oldest first',
      messages: page.messages.map((m) => ({
        id: m.id, at: iso(m.at), from: m.from, to: m.to, group: m.group, contentType: m.contentType,
        ...(m.bodyEncoding ? { bodyEncoding: m.bodyEncoding } : {}), body: m.body, bytes: m.bytes, outcome: m.outcome,
      })),
      next: page.next,
    });
  }));

  app.delete('/v1/users/:user', (c) => refusals(c, async () => c.json(await chat.forget(c.req.param('user')))));
}
