// sip.message — the generic path (ysipchan `[methods] message=yes`). The SIP answer to the
// sender is the `code` param (ysipchan answers 200 for processed without one).
//
// A MESSAGE for a user the registration view holds (the common case) is renamed in place to
// xsip.generate and answered at once: ysipchan sends it in the sender's own thread and answers
// the sender with the recipient's code (inplace.ts). Everything else is decided the same way
// (decide.ts) and carried out here: refusals at once; a lookup through Yate's routers, after
// which a single SIP route is again handed over in place; offline keeping and multi-device
// delivery by yate-chat itself (flow.ts).
import { isYateChatError } from '../errors.js';
import type { Handler, HandlerContext } from '../engine/handlers.js';
import type { Message } from '../engine/message.js';
import { MARK, type ChatContext } from './context.js';
import { admit, decide, type Decision } from './decide.js';
import type { Outgoing } from './deliver.js';
import { budgetFor, carryOut, lookup, type Budget } from './flow.js';
import { inPlaceUri, renameToGenerate } from './inplace.js';
import { messageLine } from './logline.js';
import { askOf, outgoingOf, setRefusal } from './request.js';
import { fromHeader } from './sip.js';
import { HANDED, PATH } from './stats.js';

export function onSipMessage(ctx: ChatContext): Handler {
  return (msg, hctx) => {
    const t0 = performance.now();
    ctx.stats.received++;
    const out = outgoingOf(msg, ctx.config);
    const ask = askOf(out, msg.get('xsip_type'));
    if (ctx.config.mode === 'seed') {
      const refused = admit(ask, ctx.world);
      return refused ? settle(ctx, msg, out, refused, hctx, null, t0) : seed(ctx, msg, out, t0);
    }
    return settle(ctx, msg, out, decide(ask, ctx.world), hctx, null, t0);
  };
}

/** `t0`: when the handler started (performance.now), for the sender latency metric. */
function settle(ctx: ChatContext, msg: Message, out: Outgoing, d: Decision, hctx: HandlerContext, budget: Budget | null, t0: number): boolean | Promise<boolean> {
  const log = (outcome: string) => ctx.conn.log.info(messageLine('MESSAGE', out.sender, out.called, out.type, out.encoding, out.body, outcome, ctx.config.logBodies));
  switch (d.kind) {
    case 'refuse':
      setRefusal(ctx, msg, d);
      log(`${d.code} ${d.reason}`);
      ctx.stats.answered(PATH.generic, d.code, performance.now() - t0);
      return true;
    case 'lookup': {
      const b = budget ?? budgetFor(ctx, hctx);
      return lookup(ctx, out, d.recipient, b).then((next) => settle(ctx, msg, out, next, hctx, b, t0));
    }
    case 'deliver': {
      const [only] = d.targets;
      if (ctx.config.delivery.inPlace && d.targets.length === 1 && inPlaceUri(only!)) {
        renameToGenerate(msg, only!, { ...out, called: d.recipient });
        ctx.stats.handed++;
        log(`sent on to ${inPlaceUri(only!)} by ysipchan, which answers with its code`);
        ctx.stats.answered(PATH.generic, HANDED, performance.now() - t0);
        return false;
      }
      // several targets, or another driver: yate-chat delivers
      return finish(ctx, msg, out, d, budget ?? budgetFor(ctx, hctx), log, t0);
    }
    case 'keep':
    case 'webhook':
      return finish(ctx, msg, out, d, budget ?? budgetFor(ctx, hctx), log, t0);
  }
}

/** yate-chat carries it out (flow.ts) and answers the sender with the outcome. */
async function finish(ctx: ChatContext, msg: Message, out: Outgoing, d: Decision, budget: Budget, log: (outcome: string) => void, t0: number): Promise<boolean> {
  const r = await carryOut(ctx, out, d, budget);
  if (r.code >= 300) ctx.stats.reject(r.code);
  msg.set('code', r.code);
  for (const [h, v] of Object.entries(r.headers ?? {})) msg.set(`osip_${h}`, v);
  log(`${r.code} ${r.detail}`);
  ctx.stats.answered(PATH.generic, r.code, performance.now() - t0);
  return true;
}

/** `mode: seed`: what the seed's regexroute rules did. 200 at once; a msg.execute to
 *  lateroute/<called> is enqueued, which lateroute routes and ysipchan's msg.execute relay
 *  sends without waiting (where the seed renamed it to xsip.generate). */
function seed(ctx: ChatContext, msg: Message, out: Outgoing, t0: number): boolean {
  const log = (code: number, detail: string) => ctx.conn.log.info(messageLine('MESSAGE', out.sender, out.called, out.type, out.encoding, out.body, `${code} ${detail}`, ctx.config.logBodies));
  try {
    ctx.conn.enqueue('msg.execute', [
      ['caller', out.sender], ['called', out.called], ['domain', out.domain], ['callto', `lateroute/${out.called}`],
      ['xsip_type', out.type], ['xsip_body', out.body], ...(out.encoding ? [['xsip_body_encoding', out.encoding] as [string, string]] : []),
      ...(out.domain ? [['sip_From', fromHeader(out.sender, out.domain, out.senderName)] as [string, string]] : []),
      [MARK, ctx.marker],
    ]);
  } catch (err) {
    // Too long for Yate's line (or no link): refuse it rather than cut it or claim 200.
    const code = isYateChatError(err, 'LINE_TOO_LONG') ? 413 : 503;
    setRefusal(ctx, msg, { code, reason: (err as Error).message });
    log(code, (err as Error).message);
    ctx.stats.answered(PATH.generic, code, performance.now() - t0);
    return true;
  }
  log(200, 'seed mode: handed to lateroute');
  ctx.stats.answered(PATH.generic, 200, performance.now() - t0);
  return true;
}
