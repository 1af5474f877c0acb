// sip.message — the generic path (ysipchan `[methods] message=yes`). The SIP answer to the
// sender is the `code` param we set (ysipchan answers 200 for processed without one).
import { isYateChatError } from '../errors.js';
import type { Handler } from '../engine/handlers.js';
import type { Message } from '../engine/message.js';
import { admit, antiloopOf, type Refusal } from './admit.js';
import type { ChatContext } from './context.js';
import type { Outgoing } from './deliver.js';
import { budgetFor, routeAndDeliver } from './flow.js';
import { messageLine } from './logline.js';
import { baseType } from './sip.js';

export function setRefusal(ctx: ChatContext, msg: Message, r: Refusal): void {
  ctx.stats.reject(r.code);
  msg.set('code', r.code);
  msg.set('reason', r.reason);
  // ysipchan copies osip_* params of the answer into the SIP response as headers.
  for (const [h, v] of Object.entries(r.headers ?? {})) msg.set(`osip_${h}`, v);
}

/** The message fields every path reads the same way. */
export function outgoingOf(msg: Message): Outgoing {
  const name = msg.get('callername');
  return {
    sender: msg.get('username') || msg.get('caller') || '',
    ...(name ? { senderName: name } : {}),
    domain: msg.get('domain') ?? '',
    called: (msg.get('called') ?? '').trim(),
    type: fullType(msg.get('xsip_type') || msg.get('type') || '', msg.get('sip_content-type')),
    body: msg.get('xsip_body') ?? msg.get('text') ?? '',
    encoding: msg.get('xsip_body_encoding') || msg.get('body_encoding') || '',
    antiloop: antiloopOf(msg.get('antiloop')),
  };
}

/** ysipchan puts the bare type in xsip_type and builds the outgoing Content-Type from it; the
 *  charset is only in the original header (sip_content-type). Keep it, so text stays readable. */
function fullType(type: string, header: string | undefined): string {
  return header && type && baseType(header) === baseType(type) ? header.trim() : type;
}

export function onSipMessage(ctx: ChatContext): Handler {
  return async (msg, { signal }) => {
    const budget = budgetFor(ctx, signal);
    ctx.stats.received++;
    const out = outgoingOf(msg);
    if (out.domain) ctx.domain = out.domain;
    const log = (code: number, detail: string) =>
      ctx.conn.log.info(messageLine('MESSAGE', out.sender, out.called, msg.get('xsip_type'), out.encoding, out.body, code, detail));
    const refusal = admit(ctx, { ...out, type: msg.get('xsip_type') });
    if (refusal) {
      setRefusal(ctx, msg, refusal);
      log(refusal.code, refusal.reason);
      return true;
    }
    if (ctx.config.mode === 'seed') {
      // Exactly what the seed's regexroute rules enqueue; the sender gets 200 at once.
      try {
        ctx.conn.enqueue('msg.execute', [
          ['caller', msg.get('caller') ?? ''], ['called', out.called], ['domain', out.domain],
          ['callto', `lateroute/${out.called}`], ['body_encoding', out.encoding], ['type', out.type], ['text', out.body],
        ]);
      } catch (err) {
        // Too long for Yate's line (or no link): refuse it rather than cut it or claim 200.
        const code = isYateChatError(err, 'LINE_TOO_LONG') ? 413 : 503;
        setRefusal(ctx, msg, { code, reason: (err as Error).message });
        log(code, (err as Error).message);
        return true;
      }
      log(200, 'seed mode: handed to lateroute');
      return true;
    }
    const r = await routeAndDeliver(ctx, out, budget);
    if (r.code >= 300) ctx.stats.reject(r.code);
    msg.set('code', r.code);
    log(r.code, r.detail);
    return true;
  };
}
