// call.route with route_type=msg (installed with that filter) and msg.route (older lateroute).
//
// From ysipchan's native path (module=sip, the MESSAGE's type and body on board) we first run
// the same checks as sip.message and refuse with `error` (ysipchan turns it into the SIP code).
// Then the rules: an alias to a URI is a route we answer; an alias to a user rewrites `called`
// and lets the routers after us (regfile at 100) answer. With the offline store on, a known
// user without a route is routed to us, so the MESSAGE can be kept and answered 202.
// (ysipchan's native answer: processed -> the `code` param; a return value of '-' stops it
// before msg.execute.)
import type { Handler } from '../engine/handlers.js';
import { resolveAlias } from '../config/index.js';
import { admit } from './admit.js';
import { MARK, type ChatContext } from './context.js';
import { lookupRoute } from './deliver.js';
import { budgetFor, remaining } from './flow.js';
import { messageLine } from './logline.js';
import { OFFLINE_CALLTO } from './msg-execute.js';
import { outgoingOf } from './sip-message.js';

/** Yate's error names for our refusals (ysipchan maps them back to these codes). */
const ERROR_OF: Record<number, string> = { 403: 'forbidden', 404: 'noroute', 415: 'nomedia', 483: 'looping', 503: 'service-unavailable' };

export function onCallRoute(ctx: ChatContext): Handler {
  return async (msg) => {
    const budget = budgetFor(ctx);
    if (msg.get(MARK) === ctx.marker) return false; // our own lookup: let the routers answer
    // ysipchan's native MESSAGE: module=sip (route_type=msg is our filter). Not "has a body": a
    // MESSAGE without Content-Type carries no xsip_type/xsip_body and must still get its 415.
    const native = msg.get('module') === 'sip';
    const out = outgoingOf(msg);
    if (native) {
      ctx.stats.received++;
      if (out.domain) ctx.domain = out.domain;
      const refusal = admit(ctx, { ...out, type: msg.get('xsip_type') });
      if (refusal) {
        ctx.stats.reject(refusal.code);
        msg.retval = '-';
        msg.set('error', ERROR_OF[refusal.code] ?? 'failure').set('reason', refusal.reason).set('code', refusal.code);
        for (const [h, v] of Object.entries(refusal.headers ?? {})) msg.set(`osip_${h}`, v);
        ctx.conn.log.info(messageLine('MESSAGE', out.sender, out.called, msg.get('xsip_type'), out.encoding, out.body, refusal.code, refusal.reason));
        return true;
      }
    }
    const alias = resolveAlias(ctx.config, out.called);
    if (alias?.kind === 'uri') {
      msg.retval = `sip/${alias.uri}`;
      return true;
    }
    if (alias) msg.set('called', alias.user);
    if (!native) return false;
    // ysipchan answers a MESSAGE nobody routed with 405 (regfile only sets error=offline), so
    // for its native MESSAGEs we ask the routers ourselves and decide: their route goes back as
    // theirs; none, for a known user with the offline store on, routes to us (msg.execute keeps
    // it, 202); otherwise a clear 404 (or 480 for a user the router knows is offline).
    const recipient = alias ? alias.user : out.called;
    let found;
    try {
      found = await lookupRoute(ctx, recipient, out, remaining(budget));
    } catch (err) {
      // Yate did not route our lookup in time (its workers are busy): say so, rather than let
      // the deadline pass and ysipchan answer 405.
      ctx.stats.reject(503);
      msg.retval = '-';
      msg.set('error', 'service-unavailable').set('code', 503).set('osip_Retry-After', 5);
      ctx.conn.log.warn(`call.route for ${recipient} failed: ${(err as Error).message}`);
      return true;
    }
    if (found.targets.length) {
      const [t] = found.targets;
      msg.retval = t!.callto;
      for (const [n, v] of Object.entries(t!.params)) msg.set(n, v);
      if (found.targets.length > 1) {
        msg.retval = 'fork';
        found.targets.forEach((x, i) => msg.set(`callto.${i + 1}`, x.callto));
      }
      return true;
    }
    if (ctx.offline?.isKnown(recipient, found.error)) {
      msg.retval = OFFLINE_CALLTO + recipient;
      return true;
    }
    const code = found.error === 'offline' ? 480 : 404;
    ctx.stats.reject(code);
    msg.retval = '-';
    msg.set('error', found.error ?? 'noroute').set('code', code);
    ctx.conn.log.info(messageLine('MESSAGE', out.sender, recipient, msg.get('xsip_type'), out.encoding, out.body, code, `no route to ${recipient}`));
    return true;
  };
}

/** msg.route -> call.route, and on down the list (what the seed's rule did at priority 25). */
export function onMsgRoute(): Handler {
  return (msg) => {
    msg.name = 'call.route';
    if (!msg.get('route_type')) msg.set('route_type', 'msg');
    return false;
  };
}
