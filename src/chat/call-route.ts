// call.route with route_type=msg (installed with that filter: a voice call never reaches us)
// and msg.route (older lateroute).
//
// ysipchan's native MESSAGE path ([message] enable=yes) dispatches call.route (module=sip, the
// MESSAGE's type and body on board), then msg.execute to the route; the sender's answer is
// the msg.execute's `code` (docs/yate-module.md, "The SIP MESSAGE paths"). Decided like every
// MESSAGE (decide.ts), carried out in ysipchan's terms:
//   refuse              return value '-' with `error`, `code` (and osip_ headers): no msg.execute
//   one SIP target      the route as return value, with wait=true and the headers ready
//                       (inplace.ts): ysipchan's msg.execute relay sends it and answers with
//                       the far end's code. yate-chat sees no more of this MESSAGE.
//   lookup              ask Yate's routers ourselves (ysipchan would answer an unrouted MESSAGE
//                       405), then decide again
//   keep, several targets, another driver, a webhook
//                       routed to ourselves (yate-chat/...), carried out by msg-execute.ts
// Any other call.route with route_type=msg (lateroute's, in seed mode) only gets the aliases
// applied; the routers after us (regfile at 100) answer it.
import type { Handler, HandlerContext } from '../engine/handlers.js';
import type { Message } from '../engine/message.js';
import { resolveAlias } from '../config/index.js';
import { MARK, type ChatContext } from './context.js';
import { decide, type Decision } from './decide.js';
import type { Outgoing } from './deliver.js';
import { budgetFor, lookup, type Budget } from './flow.js';
import { inPlaceUri, ROUTED, ROUTED_VALUE, routeInPlace } from './inplace.js';
import { messageLine } from './logline.js';
import { DELIVER_CALLTO, OFFLINE_CALLTO, WEBHOOK_CALLTO } from './msg-execute.js';
import { askOf, outgoingOf } from './request.js';
import { HANDED, PATH } from './stats.js';

/** Yate's error names for our refusals (ysipchan maps them back to these codes). */
const ERROR_OF: Record<number, string> = { 403: 'forbidden', 404: 'noroute', 415: 'nomedia', 480: 'offline', 483: 'looping', 503: 'service-unavailable' };

export function onCallRoute(ctx: ChatContext): Handler {
  return (msg, hctx) => {
    if (msg.get(MARK) === ctx.marker) return false; // our own lookup: the routers answer it
    if (msg.get('module') !== 'sip') return applyAlias(ctx, msg);
    const t0 = performance.now();
    ctx.stats.received++;
    const out = outgoingOf(msg, ctx.config);
    return settle(ctx, msg, out, decide(askOf(out, msg.get('xsip_type')), ctx.world), hctx, null, t0);
  };
}

/** `t0`: when the handler started, for the sender latency metric (a MESSAGE routed to
 *  ourselves is counted when its msg.execute is answered). */
function settle(ctx: ChatContext, msg: Message, out: Outgoing, d: Decision, hctx: HandlerContext, budget: Budget | null, t0: number): boolean | Promise<boolean> {
  const log = (outcome: string) => ctx.conn.log.info(messageLine('MESSAGE', out.sender, out.called, out.type, out.encoding, out.body, outcome, ctx.config.logBodies));
  switch (d.kind) {
    case 'refuse':
      ctx.stats.refused(d);
      msg.retval = '-';
      msg.set('error', ERROR_OF[d.code] ?? 'failure').set('reason', d.reason).set('code', d.code);
      for (const [h, v] of Object.entries(d.headers ?? {})) msg.set(`osip_${h}`, v);
      log(`${d.code} ${d.reason}`);
      ctx.stats.answered(PATH.native, d.code, performance.now() - t0);
      return true;
    case 'lookup': {
      const b = budget ?? budgetFor(ctx, hctx);
      return lookup(ctx, out, d.recipient, b).then((next) => settle(ctx, msg, out, next, hctx, b, t0));
    }
    case 'deliver': {
      const [only] = d.targets;
      if (ctx.config.delivery.inPlace && d.targets.length === 1 && inPlaceUri(only!)) {
        routeInPlace(msg, only!, { ...out, called: d.recipient });
        ctx.stats.handed++;
        log(`sent on to ${inPlaceUri(only!)} by ysipchan, which answers with its code`);
        ctx.stats.answered(PATH.native, HANDED, performance.now() - t0);
        return true;
      }
      msg.retval = DELIVER_CALLTO + d.recipient;
      d.targets.forEach((t, i) => {
        msg.set(`callto.${i + 1}`, t.callto);
        for (const [n, v] of Object.entries(t.params)) msg.set(`callto.${i + 1}.${n}`, v);
      });
      msg.set(ROUTED, ROUTED_VALUE);
      return true;
    }
    case 'keep':
      msg.retval = OFFLINE_CALLTO + d.recipient;
      msg.set(ROUTED, ROUTED_VALUE);
      return true;
    case 'webhook':
      msg.retval = WEBHOOK_CALLTO + d.recipient;
      msg.set(ROUTED, ROUTED_VALUE);
      return true;
  }
}

/** Not ysipchan's native MESSAGE: an alias to a URI is a route we answer; an alias to a user
 *  rewrites `called` for the routers after us. */
function applyAlias(ctx: ChatContext, msg: Message): boolean {
  const alias = resolveAlias(ctx.config, (msg.get('called') ?? '').trim());
  if (alias?.kind === 'uri') {
    msg.retval = `sip/${alias.uri}`;
    return true;
  }
  if (alias) msg.set('called', alias.user);
  return false;
}

/** msg.route -> call.route, and on down the list (what the seed's rule did at priority 25). */
export function onMsgRoute(): Handler {
  return (msg) => {
    msg.name = 'call.route';
    if (!msg.get('route_type')) msg.set('route_type', 'msg');
    return false;
  };
}
