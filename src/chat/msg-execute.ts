// The messages yate-chat sees again after routing them (both installed with the ROUTED filter,
// so Yate offers them only what yate-chat marked; a voice call's msg.execute never comes here):
//
// msg.execute (110, after lateroute 75 and ysipchan's relay 100), native path:
//   callto yate-chat/offline/USER   keep it for USER (202)
//   callto yate-chat/deliver/USER   deliver to callto.1..N ourselves (several devices, other drivers)
//   callto yate-chat/webhook/ADDR   POST it to ADDR's webhook (the rules' URL as they are now)
//   callto sip/...                  ysipchan's relay could not send what we routed in place
// xsip.generate (120, after ysipchan's SipHandler 110), generic path:
//   ysipchan could not send the sip.message we renamed, or nothing handles xsip.generate
//   (ysipchan.conf [general] generate=no)
// A send ysipchan could not even start (error=offline, noconn, notransport...) is a final code
// like any other: in offline.storeCodes (480, 503 by default) it is kept (202).
import type { Handler, HandlerContext } from '../engine/handlers.js';
import type { Message } from '../engine/message.js';
import { resolveAlias } from '../config/index.js';
import type { ChatContext } from './context.js';
import type { Outgoing } from './deliver.js';
import { budgetFor, carryOut, type FlowResult } from './flow.js';
import { messageLine } from './logline.js';
import { outgoingOf } from './request.js';
import { targetsOf } from './sip.js';
import { PATH } from './stats.js';

export const OFFLINE_CALLTO = 'yate-chat/offline/';
export const DELIVER_CALLTO = 'yate-chat/deliver/';
export const WEBHOOK_CALLTO = 'yate-chat/webhook/';

/** ysipchan's error names (its dict_errors) for a request it could not send. */
const ERROR_CODES: Record<string, number> = { looping: 483, noroute: 404, offline: 480, noconn: 503, notransport: 503, failure: 500 };

export function onMsgExecute(ctx: ChatContext): Handler {
  return async (msg, hctx) => {
    const t0 = performance.now();
    const callto = (msg.get('callto') ?? '').trim();
    const out = outgoingOf(msg, ctx.config);
    let r: FlowResult;
    if (callto.startsWith(WEBHOOK_CALLTO)) {
      const recipient = callto.slice(WEBHOOK_CALLTO.length);
      const url = Object.hasOwn(ctx.config.webhooks, recipient) ? ctx.config.webhooks[recipient]! : null;
      r = url
        ? await carryOut(ctx, { ...out, type: out.type || 'text/plain' }, { kind: 'webhook', recipient, url }, budgetFor(ctx, hctx))
        : { code: 404, detail: `${recipient} is no longer a webhook address (rules reloaded)` };
    } else if (callto.startsWith(OFFLINE_CALLTO)) {
      const recipient = callto.slice(OFFLINE_CALLTO.length);
      r = await carryOut(ctx, { ...out, type: out.type || 'text/plain' }, { kind: 'keep', recipient, why: 'not registered' }, budgetFor(ctx, hctx));
    } else if (callto.startsWith(DELIVER_CALLTO)) {
      const recipient = callto.slice(DELIVER_CALLTO.length);
      const targets = targetsOf('fork', (n) => msg.get(n));
      r = await carryOut(ctx, { ...out, type: out.type || 'text/plain' }, { kind: 'deliver', recipient, targets }, budgetFor(ctx, hctx));
    } else {
      return answer(ctx, msg, out, await notSent(ctx, msg, out, hctx));
    }
    // Counted here, not at call.route: this is where the sender's answer is decided. (A MESSAGE
    // ysipchan could not send was counted when it was handed over.)
    ctx.stats.answered(PATH.native, r.code, performance.now() - t0);
    return answer(ctx, msg, out, r);
  };
}

export function onGenerateFallthrough(ctx: ChatContext): Handler {
  return async (msg, hctx) => {
    const out = outgoingOf(msg, ctx.config);
    return answer(ctx, msg, out, await notSent(ctx, msg, out, hctx));
  };
}

let warnedGenerate = false;

async function notSent(ctx: ChatContext, msg: Message, out: Outgoing, hctx: HandlerContext): Promise<FlowResult> {
  const error = msg.get('error') ?? '';
  if (!error && msg.name === 'xsip.generate' && !warnedGenerate) {
    warnedGenerate = true;
    ctx.conn.log.error('xsip.generate was not handled: set generate=yes in the [general] section of ysipchan.conf');
  }
  const code = ERROR_CODES[error] ?? 500;
  const alias = resolveAlias(ctx.config, out.called);
  const recipient = alias?.kind === 'user' ? alias.user : out.called;
  if (ctx.offline && ctx.config.offline.storeCodes.includes(code)) {
    return carryOut(ctx, { ...out, called: recipient }, { kind: 'keep', recipient, why: `ysipchan could not send it (${error || 'not handled'})` }, budgetFor(ctx, hctx));
  }
  return { code, detail: `ysipchan could not send it (${error || 'xsip.generate not handled'})` };
}

function answer(ctx: ChatContext, msg: Message, out: Outgoing, r: FlowResult): boolean {
  if (r.code >= 300) ctx.stats.reject(r.code);
  msg.set('code', r.code);
  for (const [h, v] of Object.entries(r.headers ?? {})) msg.set(`osip_${h}`, v);
  ctx.conn.log.info(messageLine('MESSAGE', out.sender, out.called, out.type || 'text/plain', out.encoding, out.body, `${r.code} ${r.detail}`, ctx.config.logBodies));
  // Processed either way: ysipchan answers the sender with our `code`.
  return true;
}
