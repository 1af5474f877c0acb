// msg.execute with callto sip/... — the native path (ysipchan `[message] enable=yes` routes a
// MESSAGE and dispatches msg.execute with the route), and the seed path after lateroute.
// No Yate module delivers such a msg.execute; we turn it into xsip.generate and answer with
// the recipient's code. Other callto kinds are not ours: left alone, unprocessed, unchanged.
import type { Handler } from '../engine/handlers.js';
import { MARK, type ChatContext } from './context.js';
import { budgetFor, deliverOrKeep } from './flow.js';
import { messageLine } from './logline.js';
import { outgoingOf } from './sip-message.js';
import { sipUri, targetsOf } from './sip.js';

/** callto we hand out (native path, offline on) for a known user who is not registered. */
export const OFFLINE_CALLTO = 'yate-chat/offline/';

export function onMsgExecute(ctx: ChatContext): Handler {
  return async (msg, { signal }) => {
    const budget = budgetFor(ctx, signal);
    if (msg.get(MARK) === ctx.marker) return false; // ours, for another driver
    const callto = (msg.get('callto') ?? '').trim();
    const offlineUser = callto.startsWith(OFFLINE_CALLTO) ? callto.slice(OFFLINE_CALLTO.length) : null;
    const targets = offlineUser === null ? targetsOf(callto, (n) => msg.get(n)).filter((t) => sipUri(t.callto)) : [];
    if (offlineUser === null && !targets.length) return false;
    const out = outgoingOf(msg);
    const recipient = offlineUser ?? out.called;
    const r = await deliverOrKeep(ctx, { ...out, type: out.type || 'text/plain', called: recipient }, targets, offlineUser === null ? null : 'offline', budget);
    if (r.code >= 300) ctx.stats.reject(r.code);
    msg.set('code', r.code);
    ctx.conn.log.info(messageLine('MESSAGE', out.sender, recipient, out.type || 'text/plain', out.encoding, out.body, r.code, r.detail));
    // Processed either way: ysipchan answers the sender with our `code` (and a msg.execute left
    // unprocessed would reach ysipchan's own relay at 100, which would send it a second time).
    return true;
  };
}
