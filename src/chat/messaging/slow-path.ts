// Carrying out a decision (decide.ts) when yate-chat itself has to act: the slow paths.
//
//   lookup   ask Yate's routers (call.route, route_type=msg), then decide again (afterLookup)
//   keep     commit it to the offline store: 202 (480 quota full, 500 store broken)
//   deliver  send to every target ourselves (xsip.generate wait=true, msg.execute for other
//            drivers); the best final code. None within delivery.waitMs: the message is kept
//            first and then answered 202 (a later 2xx deletes the kept copy, a failure leaves it
//            for later); when it cannot be kept (store off, full, over quota, failing) 504, for
//            its fate is unknown (issue 21: it was 202 and lost). A final code in
//            offline.storeCodes is kept (202)
//   fork     a copy to each device of the user, each device's copy kept when it did not take
//            it (fork.ts)
//   webhook  POST it to the webhook (webhook.ts), within webhookTimeoutMs and the budget:
//            2xx 200 (its {"reply"} goes back to the sender as a MESSAGE from the webhook
//            address, after the sender's answer), another status or no connection 503, no
//            answer in time 504. Never kept: a webhook is not a user who comes back.
//   group    a copy to each member, by the groups room (room.ts GroupPost): what it says
// carry() is carryOut() for a message a sender wrote (not a group's copy): what went somewhere
// is told to the history (room.ts Recorder) with the code its sender gets.
// The fast path (one SIP target, handed to ysipchan in place) is fast-path.ts; answer.ts
// chooses. Each run holds one budget: the sender's answer cannot wait past it (Yate would time
// us out), and once the deadline answered a message nothing more is sent or kept for it.
import { fromText, toText } from '../../protocol/bytes.js';
import { logMessage } from '../core/logline.js';
import type { Outgoing } from '../core/outgoing.js';
import { sendToAll } from '../core/deliver.js';
import { lookupRoute } from '../core/router.js';
import { PATH } from '../core/stats.js';
import { afterLookup, route, type Decision } from './decide.js';
import { fork } from './fork.js';
import { budgetFor, remaining, type Budget, type Outcome } from './budget.js';
import type { Room } from './room.js';
import { callWebhook, payloadOf } from './webhook.js';

const BUSY: Outcome = { code: 503, detail: 'too many deliveries already waiting for a turn', headers: { 'Retry-After': '5' }, routed: false };

const ABANDONED: Outcome = { code: 500, detail: 'abandoned: the answer was already given at the deadline', routed: false };

/** Ask Yate's routers where `recipient` is, and decide again. A router that does not answer
 *  within the budget (Yate's workers are busy) is a 503, not a guess. */
export async function lookup(m: Room, out: Outgoing, recipient: string, budget: Budget): Promise<Decision> {
  try {
    return afterLookup(recipient, await lookupRoute(m.kernel, recipient, out, remaining(budget)), m.world);
  } catch (err) {
    m.kernel.log.warn(`call.route for ${recipient} failed: ${(err as Error).message}`);
    return { kind: 'refuse', code: 503, reason: 'routing unavailable', headers: { 'Retry-After': '5' } };
  }
}

/** carryOut() for a message its sender wrote, told to the history when it went somewhere. */
export async function carry(m: Room, out: Outgoing, d: Decision, budget: Budget): Promise<Outcome> {
  const r = await carryOut(m, out, d, budget);
  if (m.recorder && d.kind !== 'refuse' && r.routed !== false) m.recorder.record(out, d.recipient, d.kind === 'group', r.code);
  return r;
}

/** Carry out `d` for `out` and resolve with the code for the sender. Never rejects. */
export async function carryOut(m: Room, out: Outgoing, d: Decision, budget: Budget): Promise<Outcome> {
  switch (d.kind) {
    case 'refuse': return { code: d.code, detail: d.reason, routed: false };
    case 'lookup': return carryOut(m, out, await lookup(m, out, d.recipient, budget), budget);
    case 'keep': return keep(m, { ...out, called: d.recipient }, d.why, budget);
    case 'deliver': return deliver(m, { ...out, called: d.recipient }, d, budget);
    case 'fork': {
      if (budget.answered()) return ABANDONED;
      if (m.kernel.slots.full) return BUSY;
      return fork(m, { ...out, called: d.recipient }, d, budget);
    }
    case 'webhook': return webhook(m, out, d, budget);
    case 'group': return m.groups ? m.groups.post(out, d.recipient, budget.until) : { code: 404, detail: `no group ${d.recipient}`, routed: false };
  }
}

async function webhook(m: Room, out: Outgoing, d: Extract<Decision, { kind: 'webhook' }>, budget: Budget): Promise<Outcome> {
  if (budget.answered()) return ABANDONED;
  const { stats, config } = m.kernel;
  const timeoutMs = Math.min(config.webhookTimeoutMs, remaining(budget));
  const o = await callWebhook(d.url, config.webhookSecret ?? '', payloadOf(out, d.recipient), timeoutMs);
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
  if (o.problem) m.kernel.log.warn(`webhook of ${toText(d.recipient)} (${d.url}): no reply sent: ${o.problem}`);
  // After the sender's answer has gone out (this resolves first), not before it.
  if (o.reply !== null) setImmediate(() => void reply(m, d.recipient, out, o.reply!));
  return { code: 200, detail: `webhook of ${toText(d.recipient)} answered ${o.status}${o.reply !== null ? ', reply follows' : ''}` };
}

/** A webhook's reply: a MESSAGE from the webhook address back to the sender, routed like any
 *  (registered: delivered; offline: kept), not through the sender's checks (it is ours). Issue
 *  21: replies between webhook addresses went on for ever (each a fresh antiloop, no rate
 *  limit), so a reply is never routed to a webhook address, goes one hop further than the
 *  message it answers (antiloop - 1), and takes a token from the webhook address's own bucket. */
async function reply(m: Room, from: string, to: Outgoing, text: string): Promise<void> {
  const k = m.kernel;
  const body = fromText(text);
  const type = 'text/plain;charset=utf-8';
  const out: Outgoing = { sender: from, domain: to.domain, called: to.sender, type, body, encoding: '', antiloop: to.antiloop - 1 };
  const log = (outcome: string) => logMessage(k, out, outcome);
  if (body.length > k.config.maxBodyBytes) return log(`not sent: the webhook's reply of ${body.length} bytes exceeds maxBodyBytes ${k.config.maxBodyBytes}`);
  const d = route(to.sender, m.world);
  if (d.kind === 'webhook') return log(`not sent: ${toText(d.recipient)} is a webhook address (a reply never goes to a webhook: they would answer each other for ever)`);
  if (out.antiloop <= 0) return log('not sent: loop detected (antiloop exhausted)');
  if (!k.rate(`webhook ${from}`).ok) {
    k.stats.rateLimited++;
    return log(`not sent: the replies of webhook ${toText(from)} are over the rate limit`);
  }
  const t0 = performance.now();
  const r = await carry(m, out, d, budgetFor(m));
  k.stats.answered(PATH.webhook, r.code, performance.now() - t0);
  log(`${r.code} webhook reply: ${r.detail}`);
}

/** No final answer within the sender's budget. The sender can only be told 202 (accepted) if the
 *  message is kept first: kept, a failure later leaves it for the next registration or retry and
 *  a 2xx deletes it. It cannot be kept: 504, its fate unknown (it may still arrive). */
async function stillGoing(m: Room, out: Outgoing, sending: Promise<number>): Promise<Outcome> {
  const k = m.kernel;
  const held = m.keeper ? await m.keeper.hold(out, out.called) : { code: 0 };
  void sending.then((code) => {
    const ok = code >= 200 && code < 300;
    if (ok) k.stats.delivered++;
    held.settle?.(ok);
    const then = held.settle ? (ok ? 'the kept copy is deleted' : 'kept for later') : 'the sender was answered 504';
    k.log.info(`message from ${toText(out.sender)} to ${toText(out.called)} ended with ${code} after the sender's answer: ${then}`);
  });
  if (held.settle) return { code: 202, detail: `accepted and kept, delivery to ${out.called} still in progress` };
  const why = m.keeper ? `the store answered ${held.code}` : 'the offline store is off';
  return { code: 504, detail: `no final answer from ${out.called} in time, and it could not be kept (${why}): it may still arrive` };
}

async function keep(m: Room, out: Outgoing, why: string, budget: Budget): Promise<Outcome> {
  if (budget.answered()) return ABANDONED;
  const code = m.keeper ? await m.keeper.keep(out, out.called) : 480;
  return code === 202 ? { code, detail: `stored for ${out.called} (${why})` } : { code, detail: `not stored (${why})`, routed: false };
}

async function deliver(m: Room, out: Outgoing, d: Extract<Decision, { kind: 'deliver' }>, budget: Budget): Promise<Outcome> {
  if (budget.answered()) return ABANDONED;
  // The waiting line is full: refuse now (not kept: keeping it is what would fill memory or disk).
  const k = m.kernel;
  if (k.slots.full) return BUSY;
  const sending = sendToAll(k, d.targets, out);
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<null>((resolve) => (timer = setTimeout(() => resolve(null), remaining(budget))));
  const first = await Promise.race([sending, expired]);
  clearTimeout(timer);
  if (first === null) return stillGoing(m, out, sending);
  if (first >= 200 && first < 300) {
    k.stats.delivered++;
    return { code: 200, detail: `delivered to ${d.targets.map((t) => t.callto).join(', ')}` };
  }
  if (m.keeper && k.config.offline.storeCodes.includes(first)) return keep(m, out, `recipient answered ${first}`, budget);
  return { code: first, detail: `recipient answered ${first}` };
}
