// sip.publish — presence on the generic path (ysipchan `[methods] publish=yes`): 415 unless
// PIDF, log the basic status like the seed, keep the latest per user, answer 200.
import type { Handler } from '../engine/handlers.js';
import { toText } from '../protocol/bytes.js';
import type { ChatContext } from './context.js';
import { setRefusal } from './sip-message.js';
import { baseType } from './sip.js';

export function onSipPublish(ctx: ChatContext): Handler {
  return (msg) => {
    const user = msg.get('username') || msg.get('caller') || '';
    const type = msg.get('xsip_type');
    if (!type || baseType(type) !== 'application/pidf+xml') {
      setRefusal(ctx, msg, { code: 415, reason: 'presence must be application/pidf+xml' });
      ctx.conn.log.info(`PUBLISH ${toText(user)} [${type ?? 'no type'}] => 415`);
      return true;
    }
    if (!user) {
      setRefusal(ctx, msg, { code: 403, reason: 'no publisher' });
      return true;
    }
    const expires = Number.parseInt(msg.get('sip_expires') ?? '', 10);
    const p = ctx.presence.publish(user, msg.get('xsip_body') ?? '', Number.isFinite(expires) ? expires : null);
    ctx.stats.publishes++;
    msg.set('code', 200);
    ctx.conn.log.info(`PUBLISH ${toText(user)} presence ${p ? p.basic : 'removed'}${p?.note ? ` ${JSON.stringify(p.note)}` : ''} => 200`);
    return true;
  };
}
