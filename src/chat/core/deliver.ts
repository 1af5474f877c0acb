// Delivering a MESSAGE ourselves (messaging's slow paths and the offline queue; the fast path
// hands the sender's own message to ysipchan instead, messaging/fast-path.ts): through ysipchan's
// xsip.generate with wait=true, whose `code` is the recipient's real final answer (router.ts);
// routes to other drivers go out as msg.execute.
import { isYateChatError } from '../../errors.js';
import { Params } from '../../engine/params.js';
import type { Kernel } from './kernel.js';
import { carriedParams, type Outgoing } from './outgoing.js';
import { dispatch, generate } from './router.js';
import { bestCode, fromHeader, sipDate, sipUri, type Target } from './sip.js';
import { MARK, YSIPCHAN_ERROR_CODES } from './vocabulary.js';

function messageParams(k: Kernel, out: Outgoing): Params {
  const p = new Params();
  p.set('xsip_type', out.type).set('xsip_body', out.body);
  if (out.encoding) p.set('xsip_body_encoding', out.encoding);
  // Call-ID and the headers describing the body, as the sender wrote them (outgoing.ts).
  for (const [n, v] of carriedParams(out.headers)) p.set(n, v);
  // ysipchan already counted this hop (antiloop = Max-Forwards - 1) and sends Max-Forwards = antiloop.
  p.set('antiloop', Math.max(0, out.antiloop));
  p.set(MARK, k.marker);
  return p;
}

/** xsip.generate for a SIP target (no Contact header: RFC 3428). */
function generateParams(k: Kernel, uri: string, target: Target, out: Outgoing): Params {
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
  for (const [n, v] of messageParams(k, out)) p.set(n, v);
  // ysipchan picks the outgoing connection of a MESSAGE from connection_id (yate issue 19).
  if (target.params.oconnection_id) p.set('connection_id', target.params.oconnection_id);
  if (target.params.line) p.set('line', target.params.line);
  p.set('wait', 'true');
  return p;
}

/** What one delivery came to: the SIP final code, and whether the far end said it (a code of
 *  its own) or it stands for what happened here (ysipchan could not send, no answer at all,
 *  Yate too slow, no slot): only the far end can refuse a message for good. */
export interface Attempt {
  readonly code: number;
  readonly farEnd: boolean;
}

const here = (code: number): Attempt => ({ code, farEnd: false });

/** Deliver to one target. Never rejects. */
export async function attempt(k: Kernel, target: Target, out: Outgoing): Promise<Attempt> {
  try {
    const uri = sipUri(target.callto);
    if (uri) {
      const o = await generate(k, generateParams(k, uri, target, out));
      if ('code' in o) return { code: o.code, farEnd: true };
      // The transaction ended with no answer at all: not a delivery.
      if ('noAnswer' in o) return here(500);
      if ('error' in o) return here(YSIPCHAN_ERROR_CODES[o.error] ?? 500);
      return here(500);
    }
    // Another driver (jabber/..., a gateway): hand it over the way Yate routes calls.
    const p = messageParams(k, out);
    p.set('callto', target.callto).set('caller', out.sender).set('called', out.called).set('domain', out.domain);
    for (const [n, v] of Object.entries(target.params)) p.set(n, v);
    const r = await k.slots.run(() => dispatch(k, 'msg.execute', p, k.config.delivery.sendTimeoutMs));
    const code = Number.parseInt(r.message.get('code') ?? '', 10);
    return Number.isInteger(code) && code >= 100 ? { code, farEnd: true } : here(r.processed ? 200 : 404);
  } catch (err) {
    if (isYateChatError(err, 'LINE_TOO_LONG')) return here(413);
    if (isYateChatError(err, 'OVERLOADED')) return here(503);
    k.log.warn(`delivery to ${target.callto} failed: ${(err as Error).message}`);
    // Yate never answered (delivery.sendTimeoutMs): a request timeout, as ysipchan would say.
    return here(isYateChatError(err, 'ENGINE_TIMEOUT') ? 408 : 503);
  }
}

/** Deliver to every target (a user's devices) at once; resolves with the best code. */
export async function sendToAll(k: Kernel, targets: readonly Target[], out: Outgoing): Promise<number> {
  return (await attemptAll(k, targets, out)).code;
}

/** Deliver to every target at once: the best code, said by the far end when a far end said it. */
export async function attemptAll(k: Kernel, targets: readonly Target[], out: Outgoing): Promise<Attempt> {
  if (!targets.length) return here(404);
  const all = await Promise.all(targets.map((t) => attempt(k, t, out)));
  const code = bestCode(all.map((a) => a.code));
  return { code, farEnd: all.some((a) => a.farEnd && a.code === code) };
}
