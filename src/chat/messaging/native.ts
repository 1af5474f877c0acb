// call.route with route_type=msg (installed with that filter: a voice call never reaches us)
// and msg.route (older lateroute).
//
// ysipchan's native MESSAGE path ([message] enable=yes) dispatches call.route (module=sip, the
// MESSAGE's type and body on board), then msg.execute to the route; the sender's answer is
// the msg.execute's `code` (docs/yate-module.md, "The SIP MESSAGE paths"). Decided like every
// MESSAGE (decide.ts) and settled on the one answer path (answer.ts), written in ysipchan's terms:
//   refuse              return value '-' with `error`, `code` (and osip headers): no msg.execute
//   one SIP target      the route as return value, with wait=true and the headers ready
//                       (fast-path.ts): ysipchan's msg.execute relay sends it and answers with
//                       the far end's code. yate-chat sees no more of this MESSAGE.
//   lookup              ask Yate's routers ourselves (ysipchan would answer an unrouted MESSAGE
//                       405), then decide again
//   keep, several targets, another driver, a webhook, a group, several devices (a fork)
//                       routed to ourselves (yate-chat/...), carried out by routed.ts
// Any other call.route with route_type=msg (lateroute's, in seed mode) only gets the aliases
// applied; the routers after us (regfile at 100) answer it.
import type { Handler } from '../../engine/handlers.js';
import type { Message } from '../../engine/message.js';
import { PATH } from '../core/stats.js';
import { DELIVER_CALLTO, ERROR_NAMES, FORK_CALLTO, GROUP_CALLTO, MARK, OFFLINE_CALLTO, ROUTED, ROUTED_VALUE, WEBHOOK_CALLTO } from '../core/vocabulary.js';
import { settle, type PathWriter } from './answer.js';
import { decide, recipientOf } from './decide.js';
import { routeInPlace } from './fast-path.js';
import { askOf, outgoingOf } from './inbound.js';
import type { Room } from './room.js';

/** Where each decision yate-chat carries out itself is routed: to ourselves (routed.ts). */
const ROUTE_TO_US = { deliver: DELIVER_CALLTO, fork: FORK_CALLTO, keep: OFFLINE_CALLTO, webhook: WEBHOOK_CALLTO, group: GROUP_CALLTO } as const;

const NATIVE: PathWriter = {
  path: PATH.native,
  refuse(msg, d) {
    msg.retval = '-';
    msg.set('error', ERROR_NAMES[d.code] ?? 'failure').set('reason', d.reason).set('code', d.code);
    if (d.headers) for (const h in d.headers) msg.set(`osip_${h}`, d.headers[h]!);
  },
  handOver(msg, target, out) {
    routeInPlace(msg, target, out);
    return true; // processed: the route is the answer; ysipchan's relay sends it
  },
  // Routed to ourselves: the msg.execute comes back to routed.ts, which carries it out and
  // answers (and counts it: that is where the sender's answer is decided).
  own(_m, msg, _out, d) {
    if (d.kind === 'lookup') throw new Error('a lookup is settled before it is carried out');
    msg.retval = ROUTE_TO_US[d.kind] + d.recipient;
    // The devices of a fork are read again from the view when it comes back (routed.ts).
    if (d.kind === 'deliver') {
      d.targets.forEach((t, i) => {
        msg.set(`callto.${i + 1}`, t.callto);
        for (const [n, v] of Object.entries(t.params)) msg.set(`callto.${i + 1}.${n}`, v);
      });
    }
    msg.set(ROUTED, ROUTED_VALUE);
    return true;
  },
};

export function onCallRoute(m: Room): Handler {
  const k = m.kernel;
  return (msg, hctx) => {
    if (msg.get(MARK) === k.marker) return false; // our own lookup: the routers answer it
    if (msg.get('module') !== 'sip') return applyAlias(m, msg);
    const t0 = performance.now();
    k.stats.received++;
    const out = outgoingOf(msg, k);
    return settle(m, NATIVE, msg, out, decide(askOf(out, msg.get('xsip_type')), m.world), hctx, null, t0);
  };
}

/** Not ysipchan's native MESSAGE: an alias to a URI is a route we answer; an alias to a user
 *  rewrites `called` for the routers after us. */
function applyAlias(m: Room, msg: Message): boolean {
  const called = (msg.get('called') ?? '').trim();
  const to = recipientOf(m.kernel.config, called);
  if (to.uri !== null) {
    msg.retval = `sip/${to.uri}`;
    return true;
  }
  if (to.user !== called) msg.set('called', to.user);
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
