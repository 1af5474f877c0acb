// Carrying out a decision (decide.ts) when yate-chat itself has to act: the slow paths.
//
//   lookup   ask Yate's routers (call.route, route_type=msg), then decide again (afterLookup)
//   keep     commit it to the offline store: 202 (480 quota full, 500 store broken)
//   deliver  send to every target ourselves (xsip.generate wait=true, msg.execute for other
//            drivers); the best final code, or 202 when none came within delivery.waitMs and
//            any later failure is kept; a final code in offline.storeCodes is kept (202)
//   webhook  POST it to the webhook (webhook.ts), within webhookTimeoutMs and the budget:
//            2xx 200 (its {"reply"} goes back to the sender as a MESSAGE from the webhook
//            address, after the sender's answer), another status or no connection 503, no
//            answer in time 504. Never kept: a webhook is not a user who comes back.
// The fast path (one SIP target, handed to ysipchan in place) is inplace.ts; the handlers
// choose. Each run holds one budget: the sender's answer cannot wait past it (Yate would time
// us out), and once the deadline answered a message nothing more is sent or kept for it.
import type { HandlerContext } from '../engine/handlers.js';
import type { ChatContext } from './context.js';
import { fromText, toText } from '../protocol/bytes.js';
import { afterLookup, route, type Decision } from './decide.js';
import { lookupRoute, sendToAll, type Outgoing } from './deliver.js';
import { messageLine } from './logline.js';
import { PATH } from './stats.js';
import { callWebhook, payloadOf } from './webhook.js';

export interface Budget {
  readonly until: number;
  /** True once the message was answered without us (its deadline passed). */
  answered(): boolean;
}

const NEVER_ANSWERED = (): boolean => false;

/** The budget of a handler starting now: the rules' waitMs, within the handler deadline. */
export function budgetFor(ctx: ChatContext, hctx?: HandlerContext): Budget {
  return {
    until: Date.now() + Math.max(50, Math.min(ctx.config.delivery.waitMs, ctx.conn.deadlineMs - 500)),
    answered: hctx ? () => hctx.aborted : NEVER_ANSWERED,
  };
}

export function remaining(b: Budget): number {
  return Math.max(1, b.until - Date.now());
}

export interface FlowResult {
  readonly code: number;
  /** For the log line: where it went or why not. */
  readonly detail: string;
  /** Extra SIP headers for the sender's answer (Retry-After). */
  readonly headers?: Readonly<Record<string, string>>;
}

const BUSY: FlowResult = { code: 503, detail: 'too many deliveries already waiting for a turn', headers: { 'Retry-After': '5' } };

const ABANDONED: FlowResult = { code: 500, detail: 'abandoned: the answer was already given at the deadline' };

/** Ask Yate's routers where `recipient` is, and decide again. A router that does not answer
 *  within the budget (Yate's workers are busy) is a 503, not a guess. */
export async function lookup(ctx: ChatContext, out: Outgoing, recipient: string, budget: Budget): Promise<Decision> {
  try {
    return afterLookup(recipient, await lookupRoute(ctx, recipient, out, remaining(budget)), ctx.world);
  } catch (err) {
    ctx.conn.log.warn(`call.route for ${recipient} failed: ${(err as Error).message}`);
    return { kind: 'refuse', code: 503, reason: 'routing unavailable', headers: { 'Retry-After': '5' } };
  }
}

/** Carry out `d` for `out` and resolve with the code for the sender. Never rejects. */
export async function carryOut(ctx: ChatContext, out: Outgoing, d: Decision, budget: Budget): Promise<FlowResult> {
  switch (d.kind) {
    case 'refuse': return { code: d.code, detail: d.reason };
    case 'lookup': return carryOut(ctx, out, await lookup(ctx, out, d.recipient, budget), budget);
    case 'keep': return keep(ctx, { ...out, called: d.recipient }, d.why, budget, false);
    case 'deliver': return deliver(ctx, { ...out, called: d.recipient }, d, budget);
    case 'webhook': return webhook(ctx, out, d, budget);
  }
}

async function webhook(ctx: ChatContext, out: Outgoing, d: Extract<Decision, { kind: 'webhook' }>, budget: Budget): Promise<FlowResult> {
  if (budget.answered()) return ABANDONED;
  const { stats } = ctx;
  const timeoutMs = Math.min(ctx.config.webhookTimeoutMs, remaining(budget));
  const o = await callWebhook(d.url, ctx.config.webhookSecret ?? '', payloadOf(out, d.recipient), timeoutMs);
  if (o.kind === 'timeout') {
    stats.webhooks.timeout++;
    return { code: 504, detail: `webhook of ${toText(d.recipient)} gave no answer within ${timeoutMs} ms` };
  }
  if (o.kind === 'unreachable') {
    stats.webhooks.failed++;
    return { code: 503, detail: `webhook of ${toText(d.recipient)} unreachable (${o.reason})` };
  }
  if (o.status < 200 || o.status > 299) {
    stats.webhooks.refused++;
    return { code: 503, detail: `webhook of ${toText(d.recipient)} answered ${o.status}` };
  }
  stats.webhooks.ok++;
  if (o.problem) ctx.conn.log.warn(`webhook of ${toText(d.recipient)} (${d.url}): no reply sent: ${o.problem}`);
  // After the sender's answer has gone out (this resolves first), not before it.
  if (o.reply !== null) setImmediate(() => void reply(ctx, d.recipient, out, o.reply!));
  return { code: 200, detail: `webhook of ${toText(d.recipient)} answered ${o.status}${o.reply !== null ? ', reply follows' : ''}` };
}

/** A webhook's reply: a MESSAGE from the webhook address back to the sender, routed like any
 *  (registered: delivered; offline: kept), not through the sender's checks (it is ours). */
async function reply(ctx: ChatContext, from: string, to: Outgoing, text: string): Promise<void> {
  const body = fromText(text);
  const type = 'text/plain;charset=utf-8';
  const log = (outcome: string) => ctx.conn.log.info(messageLine('MESSAGE', from, to.sender, type, '', body, outcome, ctx.config.logBodies));
  if (body.length > ctx.config.maxBodyBytes) return log(`not sent: the webhook's reply of ${body.length} bytes exceeds maxBodyBytes ${ctx.config.maxBodyBytes}`);
  const out: Outgoing = { sender: from, domain: to.domain, called: to.sender, type, body, encoding: '', antiloop: 20 };
  const t0 = performance.now();
  const r = await carryOut(ctx, out, route(to.sender, ctx.world), budgetFor(ctx));
  ctx.stats.answered(PATH.webhook, r.code, performance.now() - t0);
  log(`${r.code} webhook reply: ${r.detail}`);
}

async function keep(ctx: ChatContext, out: Outgoing, why: string, budget: Budget, accepted: boolean): Promise<FlowResult> {
  if (budget.answered() && !accepted) return ABANDONED;
  const code = ctx.offline ? await ctx.offline.keep(out, out.called) : 480;
  return { code, detail: code === 202 ? `stored for ${out.called} (${why})` : `not stored (${why})` };
}

async function deliver(ctx: ChatContext, out: Outgoing, d: Extract<Decision, { kind: 'deliver' }>, budget: Budget): Promise<FlowResult> {
  if (budget.answered()) return ABANDONED;
  // The waiting line is full: refuse now (not kept: keeping it is what would fill memory or disk).
  if (ctx.slots.full) return BUSY;
  const sending = sendToAll(ctx, d.targets, out);
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<null>((resolve) => (timer = setTimeout(() => resolve(null), remaining(budget))));
  const first = await Promise.race([sending, expired]);
  clearTimeout(timer);
  if (first === null) {
    // Too slow for the sender's answer: accepted now; the outcome decides what happens next.
    void sending.then(async (code) => {
      if (code >= 200 && code < 300) ctx.stats.delivered++;
      // The sender was told 202: it can no longer hear of a failure, so every failure is kept
      // (not only storeCodes, which decide between keeping and telling the sender).
      else if (ctx.offline) {
        const kept = await keep(ctx, out, `${code} after 202`, budget, true);
        if (kept.code !== 202) ctx.conn.log.error(`message from ${out.sender} to ${out.called} failed with ${code} after it was accepted and could not be kept: ${kept.detail}`);
      } else ctx.conn.log.warn(`message from ${out.sender} to ${out.called} failed with ${code} after it was accepted`);
    });
    return { code: 202, detail: `accepted, delivery to ${out.called} still in progress` };
  }
  if (first >= 200 && first < 300) {
    ctx.stats.delivered++;
    return { code: 200, detail: `delivered to ${d.targets.map((t) => t.callto).join(', ')}` };
  }
  if (ctx.offline && ctx.config.offline.storeCodes.includes(first)) return keep(ctx, out, `recipient answered ${first}`, budget, false);
  return { code: first, detail: `recipient answered ${first}` };
}
