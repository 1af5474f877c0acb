// The messages yate-chat sees again after routing them (both installed with the ROUTED filter,
// so Yate offers them only what yate-chat marked; a voice call's msg.execute never comes here):
//
// msg.execute (110, after lateroute 75 and ysipchan's relay 100), native path:
//   callto yate-chat/offline/USER   keep it for USER (202)
//   callto yate-chat/deliver/USER   deliver to callto.1..N ourselves (several routes, other drivers)
//   callto yate-chat/fork/USER      a copy to each of USER's devices as the view holds them now
//   callto yate-chat/webhook/ADDR   POST it to ADDR's webhook (the rules' URL as they are now)
//   callto yate-chat/group/GROUP    a copy to each member of GROUP (if it is one still)
//   callto sip/...                  ysipchan's relay could not send what we routed in place
// xsip.generate (120, after ysipchan's SipHandler 110), generic path:
//   ysipchan could not send the sip.message we renamed, or nothing handles xsip.generate
//   (ysipchan.conf [general] generate=no)
// A send ysipchan could not even start (error=offline, noconn, notransport...) is a final code
// like any other: in offline.storeCodes (480, 503 by default) it is kept (202).
import type { Handler, HandlerContext } from '../../engine/handlers.js';
import type { Message } from '../../engine/message.js';
import type { Outgoing } from '../core/outgoing.js';
import { targetsOf } from '../core/sip.js';
import { PATH } from '../core/stats.js';
import { DELIVER_CALLTO, FORK_CALLTO, GROUP_CALLTO, OFFLINE_CALLTO, WEBHOOK_CALLTO, YSIPCHAN_ERROR_CODES } from '../core/vocabulary.js';
import { writeOutcome } from './answer.js';
import { recipientOf, toDevices, webhookOf } from './decide.js';
import { outgoingOf, withPriority } from './inbound.js';
import type { Room } from './room.js';
import { budgetFor, type Outcome } from './budget.js';
import { carry, carryOut } from './slow-path.js';

export function onMsgExecute(m: Room): Handler {
  return async (msg, hctx) => {
    const t0 = performance.now();
    const callto = (msg.get('callto') ?? '').trim();
    const out = routedOf(m, msg);
    let r: Outcome;
    if (callto.startsWith(WEBHOOK_CALLTO)) {
      const recipient = callto.slice(WEBHOOK_CALLTO.length);
      const url = webhookOf(m.kernel.config, recipient);
      r = url !== null
        ? await carry(m, out, { kind: 'webhook', recipient, url }, budgetFor(m, hctx))
        : { code: 404, detail: `${recipient} is no longer a webhook address (rules reloaded)` };
    } else if (callto.startsWith(GROUP_CALLTO)) {
      const recipient = callto.slice(GROUP_CALLTO.length);
      r = m.world.group(recipient)
        ? await carry(m, out, { kind: 'group', recipient }, budgetFor(m, hctx))
        : { code: 404, detail: `${recipient} is no longer a group` };
    } else if (callto.startsWith(OFFLINE_CALLTO)) {
      const recipient = callto.slice(OFFLINE_CALLTO.length);
      r = await carry(m, out, { kind: 'keep', recipient, why: 'not registered' }, budgetFor(m, hctx));
    } else if (callto.startsWith(FORK_CALLTO)) {
      // The devices as they are now (one may have gone since call.route: then a lookup).
      r = await carry(m, out, toDevices(callto.slice(FORK_CALLTO.length), m.world), budgetFor(m, hctx));
    } else if (callto.startsWith(DELIVER_CALLTO)) {
      const recipient = callto.slice(DELIVER_CALLTO.length);
      const targets = targetsOf('fork', (n) => msg.get(n));
      r = await carry(m, out, { kind: 'deliver', recipient, targets }, budgetFor(m, hctx));
    } else {
      // Counted when it was handed over.
      return writeOutcome(m, msg, out, await notSent(m, msg, out, hctx));
    }
    // Counted here, not at call.route: this is where the sender's answer is decided.
    m.kernel.stats.answered(PATH.native, r.code, performance.now() - t0);
    return writeOutcome(m, msg, out, r);
  };
}

export function onGenerateFallthrough(m: Room): Handler {
  return async (msg, hctx) => {
    const out = routedOf(m, msg);
    return writeOutcome(m, msg, out, await notSent(m, msg, out, hctx));
  };
}

/** The MESSAGE as we routed it (a body without a type is taken as text), with its Priority. */
function routedOf(m: Room, msg: Message): Outgoing {
  const out = withPriority(outgoingOf(msg, m.kernel), msg);
  return out.type ? out : { ...out, type: 'text/plain' };
}

/** What ysipchan could not send: kept when its error is a store code, else that code. */
async function notSent(m: Room, msg: Message, out: Outgoing, hctx: HandlerContext): Promise<Outcome> {
  const k = m.kernel;
  const error = msg.get('error') ?? '';
  if (!error && msg.name === 'xsip.generate') k.warnOnce('generate', 'xsip.generate was not handled: set generate=yes in the [general] section of ysipchan.conf');
  const code = YSIPCHAN_ERROR_CODES[error] ?? 500;
  const recipient = recipientOf(k.config, out.called).user ?? out.called;
  if (m.keeper && k.config.offline.storeCodes.includes(code)) {
    return carryOut(m, { ...out, called: recipient }, { kind: 'keep', recipient, why: `ysipchan could not send it (${error || 'not handled'})` }, budgetFor(m, hctx));
  }
  return { code, detail: `ysipchan could not send it (${error || 'xsip.generate not handled'})` };
}
