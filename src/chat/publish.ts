// sip.publish — presence on the generic path (ysipchan `[methods] publish=yes`).
// Admitted like a MESSAGE (decide.ts admitPublish: the authenticated sender only, 415 unless
// PIDF, 413 over maxBodyBytes, deny lists, the sender's rate limit), then like the seed: log the
// basic status, 200. Beyond it (RFC 3903): the latest
// state per user is kept with an entity tag and expiry, answered with SIP-ETag and Expires, and
// a body-less PUBLISH carrying SIP-If-Match refreshes it (or removes it with Expires: 0), one
// with a body modifies it; each device publishes under its own tag; an unknown tag gets 412.
// Every change is told to the user's watchers (SUBSCRIBE, watchers.ts).
import type { Handler } from '../engine/handlers.js';
import type { Message } from '../engine/message.js';
import { toText } from '../protocol/bytes.js';
import type { ChatContext } from './context.js';
import { admitPublish } from './decide.js';
import type { Presence } from './presence.js';
import { setRefusal } from './request.js';

function answer(ctx: ChatContext, msg: Message, user: string, p: Presence | null, what: string): boolean {
  ctx.stats.publishes++;
  msg.set('code', 200);
  if (p) {
    msg.set('osip_SIP-ETag', p.etag);
    msg.set('osip_Expires', Math.max(0, Math.round(((p.expiresAt ?? Date.now()) - Date.now()) / 1000)));
  } else {
    msg.set('osip_Expires', 0);
  }
  const note = p?.note && ctx.config.logBodies ? ` ${JSON.stringify(p.note)}` : '';
  ctx.conn.log.info(`PUBLISH ${toText(user)} ${what}${p ? ` presence ${p.basic}` : ' presence removed'}${note} => 200`);
  // Watchers hear of it after this answer is written (watchers.ts defers the work).
  ctx.watchers?.changed(user);
  return true;
}

export function onSipPublish(ctx: ChatContext): Handler {
  return (msg) => {
    // The presence owner is the authenticated user, as for a MESSAGE (request.ts outgoingOf).
    const username = msg.get('username');
    const user = username || msg.get('caller') || '';
    const type = msg.get('xsip_type');
    const body = msg.get('xsip_body') ?? '';
    const ifMatch = msg.get('sip_sip-if-match')?.trim();
    const expiresRaw = Number.parseInt(msg.get('sip_expires') ?? '', 10);
    const expires = Number.isFinite(expiresRaw) && expiresRaw >= 0 ? expiresRaw : null;
    const refresh = !!ifMatch && !type && !body;
    const refused = admitPublish({
      sender: user,
      authenticated: !!username,
      rateKey: username ? user : `unauthenticated from ${msg.get('ip_host') || msg.get('address') || ''}`,
      type,
      bodyLength: body.length,
      refresh,
    }, ctx.world);
    if (refused) {
      setRefusal(ctx, msg, refused);
      ctx.conn.log.info(`PUBLISH ${toText(user) || '?'} [${type ? toText(type) : 'no type'}, ${body.length} B] => ${refused.code} ${refused.reason}`);
      return true;
    }
    if (refresh) {
      const p = ctx.presence.refresh(user, ifMatch!, expires);
      if (p === 'nomatch') {
        setRefusal(ctx, msg, { code: 412, reason: 'unknown entity tag' });
        ctx.conn.log.info(`PUBLISH ${toText(user)} refresh of unknown tag => 412`);
        return true;
      }
      return answer(ctx, msg, user, p, 'refreshed');
    }
    const p = ctx.presence.publish(user, body, expires, Date.now(), ifMatch || undefined);
    if (p === 'nomatch') {
      setRefusal(ctx, msg, { code: 412, reason: 'unknown entity tag' });
      ctx.conn.log.info(`PUBLISH ${toText(user)} modification of unknown tag => 412`);
      return true;
    }
    return answer(ctx, msg, user, p, ifMatch ? 'modified' : 'published');
  };
}
