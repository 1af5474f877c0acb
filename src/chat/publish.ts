// sip.publish — presence on the generic path (ysipchan `[methods] publish=yes`).
// Like the seed: 415 unless PIDF, log the basic status, 200. Beyond it (RFC 3903): the latest
// state per user is kept with an entity tag and expiry, answered with SIP-ETag and Expires, and
// a body-less PUBLISH carrying SIP-If-Match refreshes it (or removes it with Expires: 0);
// an unknown tag gets 412.
import type { Handler } from '../engine/handlers.js';
import type { Message } from '../engine/message.js';
import { toText } from '../protocol/bytes.js';
import type { ChatContext } from './context.js';
import type { Presence } from './presence.js';
import { setRefusal } from './request.js';
import { baseType } from './sip.js';

function answer(ctx: ChatContext, msg: Message, user: string, p: Presence | null, what: string): boolean {
  ctx.stats.publishes++;
  msg.set('code', 200);
  if (p) {
    msg.set('osip_SIP-ETag', p.etag);
    msg.set('osip_Expires', Math.max(0, Math.round(((p.expiresAt ?? Date.now()) - Date.now()) / 1000)));
  } else {
    msg.set('osip_Expires', 0);
  }
  ctx.conn.log.info(`PUBLISH ${toText(user)} ${what}${p ? ` presence ${p.basic}` : ' presence removed'}${p?.note ? ` ${JSON.stringify(p.note)}` : ''} => 200`);
  return true;
}

export function onSipPublish(ctx: ChatContext): Handler {
  return (msg) => {
    const user = msg.get('username') || msg.get('caller') || '';
    const type = msg.get('xsip_type');
    const body = msg.get('xsip_body') ?? '';
    const ifMatch = msg.get('sip_sip-if-match')?.trim();
    const expiresRaw = Number.parseInt(msg.get('sip_expires') ?? '', 10);
    const expires = Number.isFinite(expiresRaw) && expiresRaw >= 0 ? expiresRaw : null;
    if (!user) {
      setRefusal(ctx, msg, { code: 403, reason: 'no publisher' });
      return true;
    }
    if (ifMatch && !type && !body) {
      const p = ctx.presence.refresh(user, ifMatch, expires);
      if (p === 'nomatch') {
        setRefusal(ctx, msg, { code: 412, reason: 'unknown entity tag' });
        ctx.conn.log.info(`PUBLISH ${toText(user)} refresh of unknown tag => 412`);
        return true;
      }
      return answer(ctx, msg, user, p, 'refreshed');
    }
    if (!type || baseType(type) !== 'application/pidf+xml') {
      setRefusal(ctx, msg, { code: 415, reason: 'presence must be application/pidf+xml' });
      ctx.conn.log.info(`PUBLISH ${toText(user)} [${type ?? 'no type'}] => 415`);
      return true;
    }
    if (ifMatch && ctx.presence.get(user)?.etag !== ifMatch) {
      setRefusal(ctx, msg, { code: 412, reason: 'unknown entity tag' });
      return true;
    }
    return answer(ctx, msg, user, ctx.presence.publish(user, body, expires), 'published');
  };
}
