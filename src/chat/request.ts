// Reading the sender's MESSAGE from the message Yate offered (the same on every path), and
// writing a refusal into the answer.
import { baseMimeType, isHost, type Config } from '../config/index.js';
import type { Message } from '../engine/message.js';
import type { ChatContext } from './context.js';
import type { Ask, Refuse } from './decide.js';
import type { Outgoing } from './deliver.js';
import { hostOf } from './sip.js';

/** The message fields every path reads the same way. The sender is the user ysipchan
 *  authenticated (`username`); without one, the claimed caller, marked unverified (admit()
 *  refuses it unless the rules allow unauthenticated senders). */
export function outgoingOf(msg: Message, config: Pick<Config, 'domain'>): Outgoing {
  const name = msg.get('callername');
  const username = msg.get('username');
  return {
    sender: username || msg.get('caller') || '',
    ...(username ? {} : { unverified: { source: msg.get('ip_host') || msg.get('address') || '' } }),
    ...(name ? { senderName: name } : {}),
    domain: config.domain ?? localDomain(msg),
    called: (msg.get('called') ?? '').trim(),
    type: fullType(msg.get('xsip_type') || msg.get('type') || '', msg.get('sip_content-type')),
    body: msg.get('xsip_body') ?? msg.get('text') ?? '',
    encoding: msg.get('xsip_body_encoding') || msg.get('body_encoding') || '',
    antiloop: antiloopOf(msg.get('antiloop')),
  };
}

/**
 * The domain the MESSAGE was addressed to here: the host of its To (the recipient's address of
 * record as the sender wrote it), else of its request URI, else Yate's `domain` param (the host
 * of the sender's From, which a sender may set to anything). Both From and To of what goes on
 * are built in it: the sender and the recipient are users of this domain. Each is taken only
 * when it is a host name or address (checkedHost): none of them reaches a header unchecked.
 */
function localDomain(msg: Message): string {
  return checkedHost(hostOf(msg.get('sip_to') ?? msg.get('sip_To'))) || checkedHost(hostOf(msg.get('sip_uri'))) || checkedHost(msg.get('domain'));
}

let lastHost = '';

/** `domain` when it is a host (it goes into From and To), else '' (ysipchan then builds From
 *  itself). The last good one is remembered: checked once per distinct value. */
export function checkedHost(domain: string | undefined): string {
  if (!domain) return '';
  if (domain === lastHost) return domain;
  if (!isHost(domain)) return '';
  lastHost = domain;
  return domain;
}

/** What decide() is asked. `type` is what ysipchan reported (undefined: no Content-Type). */
export function askOf(out: Outgoing, type: string | undefined): Ask {
  return {
    sender: out.sender,
    authenticated: !out.unverified,
    rateKey: out.unverified ? `unauthenticated from ${out.unverified.source}` : out.sender,
    called: out.called, type, bodyLength: out.body.length, antiloop: out.antiloop,
  };
}

/** ysipchan puts the bare type in xsip_type and builds the outgoing Content-Type from it; the
 *  charset is only in the original header (sip_content-type). Keep it, so text stays readable. */
function fullType(type: string, header: string | undefined): string {
  const base = baseMimeType(type);
  return base !== null && baseMimeType(header) === base ? header!.trim() : type;
}

/** A refusal as ysipchan reads it from a processed sip.message (or msg.execute): `code`, and
 *  osip_* params, which it copies into the SIP answer as headers (Retry-After). */
export function setRefusal(ctx: ChatContext, msg: Message, r: Pick<Refuse, 'code' | 'reason' | 'headers' | 'rateLimited'>): void {
  ctx.stats.refused(r);
  msg.set('code', r.code);
  msg.set('reason', r.reason);
  for (const [h, v] of Object.entries(r.headers ?? {})) msg.set(`osip_${h}`, v);
}

/** Yate's antiloop param (ysipchan sets it from Max-Forwards, less this hop); absent means plenty. */
export function antiloopOf(value: string | undefined): number {
  const n = Number.parseInt(value ?? '', 10);
  return Number.isFinite(n) ? n : 20;
}
