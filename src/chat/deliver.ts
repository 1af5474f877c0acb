// Sending a MESSAGE on: route lookup through Yate (call.route, route_type=msg, so regfile or any
// router answers) and delivery through ysipchan's xsip.generate with wait=true, whose `code`
// is the recipient's real final answer. Routes to other drivers go out as msg.execute.
import { isYateChatError } from '../errors.js';
import type { DispatchResult } from '../engine/connection.js';
import { Params } from '../engine/params.js';
import { MARK, type ChatContext } from './context.js';
import { bestCode, fromHeader, routeTargets, sipDate, sipUri, type Target } from './sip.js';

/** A MESSAGE on its way to a recipient. All strings are byte strings. */
export interface Outgoing {
  /** Sender user: the authenticated one (the claimed caller only when `unverified`). */
  readonly sender: string;
  /** Set when ysipchan did not authenticate the sender: `source` is where the request came from. */
  readonly unverified?: { readonly source: string };
  readonly senderName?: string;
  readonly domain: string;
  /** Recipient user as the sender addressed it (after aliases). */
  readonly called: string;
  readonly type: string;
  readonly body: string;
  /** `xsip_body_encoding` ('' for text bodies). */
  readonly encoding: string;
  readonly antiloop: number;
  /** Original send time in ms: delivered later, the message carries a Date header. */
  readonly sentAt?: number;
}

export interface RouteLookup {
  readonly targets: Target[];
  /** The router's `error` param when there was no route (regfile says e.g. `offline`). */
  readonly error: string | null;
}

async function timed(ctx: ChatContext, p: Promise<DispatchResult>): Promise<DispatchResult> {
  const t0 = performance.now();
  const r = await p;
  ctx.stats.roundTrip(performance.now() - t0);
  return r;
}

/** A route lookup Yate never answers is given up after this (ms) when no budget says sooner:
 *  every dispatch carries a timeout, so a lost answer cannot keep its entry forever. */
export const LOOKUP_TIMEOUT_MS = 10_000;

/** Ask Yate where `called` is (call.route with route_type=msg). */
export async function lookupRoute(
  ctx: ChatContext, called: string, out: Pick<Outgoing, 'sender' | 'domain'>, timeoutMs = LOOKUP_TIMEOUT_MS,
): Promise<RouteLookup> {
  const params = new Params([['called', called], ['caller', out.sender], ['domain', out.domain], ['route_type', 'msg'], [MARK, ctx.marker]]);
  const r = await timed(ctx, ctx.conn.dispatch('call.route', params, { timeoutMs: Math.max(1, timeoutMs) }));
  const targets = routeTargets(r).slice(0, ctx.config.delivery.maxTargets);
  return { targets, error: targets.length ? null : r.message.get('error') || null };
}

function messageParams(ctx: ChatContext, out: Outgoing): Params {
  const p = new Params();
  p.set('xsip_type', out.type).set('xsip_body', out.body);
  if (out.encoding) p.set('xsip_body_encoding', out.encoding);
  // ysipchan already counted this hop (antiloop = Max-Forwards - 1) and sends Max-Forwards = antiloop.
  p.set('antiloop', Math.max(0, out.antiloop));
  p.set(MARK, ctx.marker);
  return p;
}

/** xsip.generate for a SIP target (no Contact header: RFC 3428). */
function generateParams(ctx: ChatContext, uri: string, target: Target, out: Outgoing): Params {
  const p = new Params([['method', 'MESSAGE'], ['uri', uri]]);
  if (out.domain) {
    // From: the (authenticated) sender; To: the recipient's address of record, not the contact
    // in `uri` (ysipchan would otherwise write To: <uri>).
    p.set('sip_From', fromHeader(out.sender, out.domain, out.senderName));
    p.set('sip_To', fromHeader(out.called, out.domain));
  } else {
    // No domain known: let ysipchan build From from `user` with its own address.
    p.set('user', out.sender);
  }
  if (out.sentAt !== undefined) p.set('sip_Date', sipDate(out.sentAt));
  for (const [n, v] of messageParams(ctx, out)) p.set(n, v);
  // ysipchan picks the outgoing connection of a MESSAGE from connection_id (yate issue 19).
  if (target.params.oconnection_id) p.set('connection_id', target.params.oconnection_id);
  if (target.params.line) p.set('line', target.params.line);
  p.set('wait', 'true');
  return p;
}

let warnedGenerate = false;

/** ysipchan's error names (its dict_errors) for a request it refused to send. */
const ERROR_CODES: Record<string, number> = { looping: 483, noroute: 404, offline: 480, noconn: 503, notransport: 503, failure: 500 };

/** Deliver to one target; resolves with the SIP final code. Never rejects. */
export async function sendToTarget(ctx: ChatContext, target: Target, out: Outgoing): Promise<number> {
  try {
    const uri = sipUri(target.callto);
    if (uri) {
      const params = generateParams(ctx, uri, target, out);
      const r = await ctx.slots.run(() => timed(ctx, ctx.conn.dispatch('xsip.generate', params, { timeoutMs: ctx.config.delivery.sendTimeoutMs })));
      const code = Number.parseInt(r.message.get('code') ?? '', 10);
      if (Number.isInteger(code) && code >= 100) return code;
      // With wait=true ysipchan sets `code` from the final answer; processed without one means
      // the transaction ended with no answer at all: not a delivery.
      if (r.processed) return 500;
      const error = r.message.get('error');
      if (error) return ERROR_CODES[error] ?? 500;
      if (!warnedGenerate) {
        warnedGenerate = true;
        ctx.conn.log.error('xsip.generate was not handled: set generate=yes in the [general] section of ysipchan.conf');
      }
      return 500;
    }
    // Another driver (jabber/..., a gateway): hand it over the way Yate routes calls.
    const p = messageParams(ctx, out);
    p.set('callto', target.callto).set('caller', out.sender).set('called', out.called).set('domain', out.domain);
    for (const [n, v] of Object.entries(target.params)) p.set(n, v);
    const r = await ctx.slots.run(() => timed(ctx, ctx.conn.dispatch('msg.execute', p, { timeoutMs: ctx.config.delivery.sendTimeoutMs })));
    const code = Number.parseInt(r.message.get('code') ?? '', 10);
    return Number.isInteger(code) && code >= 100 ? code : r.processed ? 200 : 404;
  } catch (err) {
    if (isYateChatError(err, 'LINE_TOO_LONG')) return 413;
    if (isYateChatError(err, 'OVERLOADED')) return 503;
    ctx.conn.log.warn(`delivery to ${target.callto} failed: ${(err as Error).message}`);
    // Yate never answered (delivery.sendTimeoutMs): a request timeout, as ysipchan would say.
    return isYateChatError(err, 'ENGINE_TIMEOUT') ? 408 : 503;
  }
}

/** Deliver to every target (a user's devices) at once; resolves with the best code. */
export async function sendToAll(ctx: ChatContext, targets: readonly Target[], out: Outgoing): Promise<number> {
  if (!targets.length) return 404;
  const codes = await Promise.all(targets.map((t) => sendToTarget(ctx, t, out)));
  return bestCode(codes);
}
