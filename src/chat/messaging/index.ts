// The messaging room: routing one MESSAGE, whichever face it came by. What it offers the
// composition root (module.ts): its engine handlers, `submit` for the API faces (HTTP,
// rmanager), and `routeCopy` for the groups room (each member's copy of a group's message).
//
//   inbound.ts    reading a MESSAGE from the message Yate offered
//   decide.ts     THE decision: the MESSAGE's admission, aliases, webhooks, view, lookup
//   answer.ts     THE answer path for both SIP paths (a PathWriter per path)
//   generic.ts    sip.message (and `mode: seed`)        native.ts   call.route, msg.route
//   routed.ts     what comes back after we routed it (msg.execute, xsip.generate)
//   fast-path.ts  handing the sender's own MESSAGE to ysipchan in place
//   slow-path.ts  carrying a decision out ourselves (core/deliver.ts sends)
//   fork.ts       a copy to each device of a user, the copies not taken kept per device
//   budget.ts     the time a handler has for the sender's answer, and what came of it
//   webhook.ts    the webhook client
import type { Handler } from '../../engine/handlers.js';
import { logMessage } from '../core/logline.js';
import type { Outgoing } from '../core/outgoing.js';
import { PATH } from '../core/stats.js';
import { decide, route } from './decide.js';
import { onSipMessage } from './generic.js';
import { onCallRoute, onMsgRoute } from './native.js';
import { onGenerateFallthrough, onMsgExecute } from './routed.js';
import { roomOf, type MessagingDeps } from './room.js';
import { budgetFor, type Budget } from './budget.js';
import { carry, carryOut } from './slow-path.js';
import type { Refuse } from '../core/admission.js';

export type { Keeper, View, MessagingDeps, Waker, GroupPost, Recorder } from './room.js';
export type { GroupView } from './decide.js';

/** What became of a MESSAGE an API face submitted. */
export interface Submitted {
  readonly code: number;
  readonly detail: string;
  readonly headers?: Readonly<Record<string, string>>;
  readonly rateLimited?: true;
}

export interface Messaging {
  readonly handlers: {
    readonly 'msg.route': Handler;
    readonly 'sip.message': Handler;
    readonly 'call.route': Handler;
    readonly 'msg.execute': Handler;
    readonly 'xsip.generate': Handler;
  };
  /**
   * Route and deliver `out` as a MESSAGE from `out.sender`. Via `http` the sender is a client
   * like a SIP one (its checks apply: content type, size, deny lists, its rate limit) and the
   * MESSAGE has its line in Yate's log; via `rmanager` the admin sends (routed without them).
   */
  submit(out: Outgoing, via: 'http' | 'rmanager'): Promise<Submitted>;
  /**
   * Route and deliver one member's copy of a group's message (`copy.called` the member): the
   * usual routing (registered, kept for later, several devices), not the sender's checks (the
   * group's message passed them), never to a group again. What became of it; never rejects.
   * `until`: when the group's sender is answered (ms since the epoch): a copy still under way
   * then goes on, and is kept when it fails.
   */
  routeCopy(copy: Outgoing, until: number): Promise<Submitted>;
}

export function createMessaging(deps: MessagingDeps): Messaging {
  const m = roomOf(deps);
  const k = m.kernel;
  return {
    handlers: {
      'msg.route': onMsgRoute(),
      'sip.message': onSipMessage(m),
      'call.route': onCallRoute(m),
      'msg.execute': onMsgExecute(m),
      'xsip.generate': onGenerateFallthrough(m),
    },
    async submit(out, via) {
      const t0 = performance.now();
      const path = via === 'http' ? PATH.http : PATH.rmanager;
      const d = via === 'http'
        ? decide({ sender: out.sender, authenticated: true, rateKey: out.sender, called: out.called, type: out.type, bodyLength: out.body.length, antiloop: out.antiloop }, m.world)
        : route(out.called, m.world);
      const log = (outcome: string): void => {
        if (via === 'http') logMessage(k, out, `${outcome} (HTTP API)`);
      };
      if (d.kind === 'refuse') {
        k.stats.refused(d);
        k.stats.answered(path, d.code, performance.now() - t0);
        log(`${d.code} ${d.reason}`);
        return refused(d);
      }
      const r = await carry(m, out, d, budgetFor(m));
      k.stats.answered(path, r.code, performance.now() - t0);
      log(`${r.code} ${r.detail}`);
      return { code: r.code, detail: r.detail, ...(r.headers ? { headers: r.headers } : {}) };
    },
    async routeCopy(copy, until) {
      const d = route(copy.called, m.world);
      if (d.kind === 'group') return { code: 482, detail: `${copy.called} is a group: a group's copy is not sent on to another group` };
      // The copy goes on after the group's sender is answered: nothing abandons it.
      const budget: Budget = { until, answered: () => false };
      const r = await carryOut(m, copy, d, budget);
      return { code: r.code, detail: r.detail };
    },
  };
}

function refused(d: Refuse): Submitted {
  return { code: d.code, detail: d.reason, ...(d.rateLimited ? { rateLimited: true } : {}), ...(d.headers ? { headers: d.headers } : {}) };
}
