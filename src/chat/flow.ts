// The confirmed-mode flow for one MESSAGE: rules, route, deliver, and the code the sender gets.
//
//   alias to a URI      -> deliver there
//   route found         -> deliver to every target; best final code
//   no route            -> known user and offline store on: keep it, 202; else 480 when the
//                          router says the user is offline, 404 when nobody knows them
//   final code in offline.storeCodes (408, 480, 503, 504 by default) -> keep it, 202
//   no final code before delivery.waitMs (the sender's answer cannot wait for ysipchan's 32 s
//   timer: Yate would time us out) -> 202 now; a later failure is kept for later
import { resolveAlias } from '../config/index.js';
import type { ChatContext } from './context.js';
import { lookupRoute, sendToAll, type Outgoing } from './deliver.js';
import { type Target } from './sip.js';

/** How long the sender's answer may still wait, and the signal that says it was answered
 *  already (the handler's deadline passed): then nothing more may be sent or kept for it. */
export interface Budget {
  readonly until: number;
  readonly signal?: AbortSignal;
}

/** The budget of a handler starting now: the rules' waitMs, within the handler deadline. */
export function budgetFor(ctx: ChatContext, signal?: AbortSignal): Budget {
  return { until: Date.now() + Math.max(50, Math.min(ctx.config.delivery.waitMs, ctx.conn.deadlineMs - 500)), ...(signal ? { signal } : {}) };
}

export function remaining(b: Budget): number {
  return Math.max(1, b.until - Date.now());
}

const ABANDONED: FlowResult = { code: 500, detail: 'abandoned: the answer was already given at the deadline' };

export interface FlowResult {
  readonly code: number;
  /** For the log line: where it went or why not. */
  readonly detail: string;
}

/** Deliver `out` and resolve with the code for the sender, within the budget. Never rejects. */
export async function routeAndDeliver(ctx: ChatContext, out: Outgoing, budget: Budget): Promise<FlowResult> {
  const alias = resolveAlias(ctx.config, out.called);
  let recipient = out.called;
  let targets: Target[];
  let routerError: string | null = null;
  if (alias?.kind === 'uri') {
    targets = [{ callto: `sip/${alias.uri}`, params: {} }];
  } else {
    if (alias) recipient = alias.user;
    try {
      const found = await lookupRoute(ctx, recipient, out, remaining(budget));
      targets = found.targets;
      routerError = found.error;
    } catch (err) {
      ctx.conn.log.warn(`call.route for ${recipient} failed: ${(err as Error).message}`);
      return { code: 503, detail: 'routing unavailable' };
    }
  }
  return deliverOrKeep(ctx, { ...out, called: recipient }, targets, routerError, budget);
}

/** Deliver to resolved targets (or keep the message when there are none and the user is known). */
export async function deliverOrKeep(
  ctx: ChatContext, out: Outgoing, targets: readonly Target[], routerError: string | null, budget: Budget,
): Promise<FlowResult> {
  if (budget.signal?.aborted) return ABANDONED;
  const offline = ctx.offline;
  const recipient = out.called;
  let accepted = false;
  const keep = async (why: string): Promise<FlowResult> => {
    if (budget.signal?.aborted && !accepted) return ABANDONED;
    const code = offline ? await offline.keep(out, recipient) : 480;
    return { code, detail: code === 202 ? `stored for ${recipient} (${why})` : `not stored (${why})` };
  };

  if (!targets.length) {
    if (offline && offline.isKnown(recipient, routerError)) return keep(routerError ?? 'not registered');
    // Same codes as the native path (call-route.ts): 480 for a user the router knows is offline.
    return { code: routerError === 'offline' ? 480 : 404, detail: `no route to ${recipient}${routerError ? ` (${routerError})` : ''}` };
  }

  const sending = sendToAll(ctx, targets, out);
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<null>((resolve) => (timer = setTimeout(() => resolve(null), remaining(budget))));
  const first = await Promise.race([sending, expired]);
  clearTimeout(timer);
  const storeCodes = ctx.config.offline.storeCodes;
  if (first === null) {
    // Too slow for the sender's answer: accepted now; the outcome decides what happens next.
    accepted = true;
    void sending.then(async (code) => {
      if (code >= 200 && code < 300) ctx.stats.delivered++;
      // The sender was told 202: it can no longer hear of a failure, so every failure is kept
      // (not only storeCodes, which decide between keeping and telling the sender).
      else if (offline) {
        const kept = await keep(`${code} after 202`);
        if (kept.code !== 202) ctx.conn.log.error(`message from ${out.sender} to ${recipient} failed with ${code} after it was accepted and could not be kept: ${kept.detail}`);
      }
      else ctx.conn.log.warn(`message from ${out.sender} to ${recipient} failed with ${code} after it was accepted`);
    });
    return { code: 202, detail: `accepted, delivery to ${recipient} still in progress` };
  }
  if (first >= 200 && first < 300) {
    ctx.stats.delivered++;
    return { code: 200, detail: `delivered to ${targets.map((t) => t.callto).join(', ')}` };
  }
  if (offline && storeCodes.includes(first)) return keep(`recipient answered ${first}`);
  return { code: first, detail: `recipient answered ${first}` };
}
