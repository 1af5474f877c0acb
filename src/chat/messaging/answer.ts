// THE answer path for a MESSAGE, the same for both SIP paths: a decision (decide.ts) is settled
// here, and only how it is written into the message ysipchan offered differs by path
// (`PathWriter`, one per path in generic.ts and native.ts):
//
//   refuse          counted, logged, written as the path's refusal
//   lookup          ask Yate's routers within the sender's budget, then settle what follows
//   deliver, one SIP target, delivery.inPlace (one device without push parameters)
//                   the fast path: handed to ysipchan in place (fast-path.ts), which answers
//                   the sender with the far end's own code; counted as HANDED, and told to the
//                   history as such
//   anything else   carried out by yate-chat (slow-path.ts): at once on the generic path, by
//                   routing to ourselves on the native path (routed.ts answers it)
//
// writeOutcome() is how yate-chat's own outcome reaches the sender on every path: `code`, the
// answer's headers, the log line.
import type { HandlerContext } from '../../engine/handlers.js';
import type { Message } from '../../engine/message.js';
import type { Refuse } from '../core/admission.js';
import { setAnswer } from '../core/answer.js';
import { logMessage } from '../core/logline.js';
import type { Outgoing } from '../core/outgoing.js';
import { HANDED, type PathIndex } from '../core/stats.js';
import type { Target } from '../core/sip.js';
import type { Decision } from './decide.js';
import { inPlaceUri } from './fast-path.js';
import { withPriority } from './inbound.js';
import type { Room } from './room.js';
import { budgetFor, type Budget, type Outcome } from './budget.js';
import { lookup } from './slow-path.js';

/** How one SIP path writes what became of a MESSAGE into the message ysipchan offered. */
export interface PathWriter {
  readonly path: PathIndex;
  /** A refusal, before anything was sent (counting and logging are answer.ts's). */
  refuse(msg: Message, d: Refuse): void;
  /** Hand it to ysipchan in place; returns the handler's answer (processed or not). */
  handOver(msg: Message, target: Target, out: Outgoing): boolean;
  /** Anything yate-chat carries out itself; `t0` is when the handler started. */
  own(m: Room, msg: Message, out: Outgoing, d: Exclude<Decision, Refuse>, budget: Budget, t0: number): boolean | Promise<boolean>;
}

/** Settle decision `d` for the MESSAGE in `msg`; `t0`: when the handler started
 *  (performance.now), for the sender latency metric. */
export function settle(m: Room, w: PathWriter, msg: Message, out: Outgoing, d: Decision, hctx: HandlerContext, budget: Budget | null, t0: number): boolean | Promise<boolean> {
  const k = m.kernel;
  switch (d.kind) {
    case 'refuse':
      return refuseWith(m, w, msg, out, d, t0);
    case 'lookup': {
      const b = budget ?? budgetFor(m, hctx);
      return lookup(m, out, d.recipient, b).then((next) => settle(m, w, msg, out, next, hctx, b, t0));
    }
    case 'deliver': {
      const only = d.targets.length === 1 ? d.targets[0]! : null;
      const uri = only && k.config.delivery.inPlace ? inPlaceUri(only) : null;
      if (uri) {
        const answer = w.handOver(msg, only!, { ...out, called: d.recipient });
        k.stats.handed++;
        m.recorder?.record(out, d.recipient, false, HANDED);
        logMessage(k, out, `sent on to ${uri} by ysipchan, which answers with its code`);
        k.stats.answered(w.path, HANDED, performance.now() - t0);
        return answer;
      }
      // several targets, or another driver: yate-chat delivers
      return w.own(m, msg, out, d, budget ?? budgetFor(m, hctx), t0);
    }
    case 'fork':
      return w.own(m, msg, withPriority(out, msg), d, budget ?? budgetFor(m, hctx), t0);
    case 'keep':
    case 'webhook':
    case 'group':
      return w.own(m, msg, out, d, budget ?? budgetFor(m, hctx), t0);
  }
}

/** A refusal: counted, written as the path's, logged. The message is processed. */
export function refuseWith(m: Room, w: PathWriter, msg: Message, out: Outgoing, d: Refuse, t0: number): true {
  const k = m.kernel;
  k.stats.refused(d);
  w.refuse(msg, d);
  logMessage(k, out, `${d.code} ${d.reason}`);
  k.stats.answered(w.path, d.code, performance.now() - t0);
  return true;
}

/** yate-chat's own outcome for the sender: counted when it is a refusal, written as `code` and
 *  headers (ysipchan answers the sender from them), logged. The message is processed. */
export function writeOutcome(m: Room, msg: Message, out: Outgoing, r: Outcome): true {
  if (r.code >= 300) m.kernel.stats.reject(r.code);
  setAnswer(msg, r.code, r.headers);
  logMessage(m.kernel, out, `${r.code} ${r.detail}`);
  return true;
}
