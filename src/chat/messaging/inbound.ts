// Reading the sender's MESSAGE from the message Yate offered: the same on every path (a
// sip.message, ysipchan's native call.route, the msg.execute it becomes).
import { baseMimeType } from '../../config/index.js';
import type { Message } from '../../engine/message.js';
import { rateKey } from '../core/admission.js';
import { antiloopOf, domainOf, whoSent } from '../core/inbound.js';
import type { Kernel } from '../core/kernel.js';
import { carriedHeaders, type Outgoing } from '../core/outgoing.js';
import type { Ask } from './decide.js';

/** The message fields every path reads the same way. The sender is the user ysipchan
 *  authenticated (`username`); without one, the claimed caller, marked unverified (admission
 *  refuses it unless the rules allow unauthenticated senders). */
export function outgoingOf(msg: Message, k: Pick<Kernel, 'config' | 'checkedHost'>): Outgoing {
  const name = msg.get('callername');
  const who = whoSent(msg);
  return {
    sender: who.user,
    ...(who.authenticated ? {} : { unverified: { source: who.source } }),
    ...(name ? { senderName: name } : {}),
    domain: domainOf(msg, k),
    called: (msg.get('called') ?? '').trim(),
    type: fullType(msg.get('xsip_type') || msg.get('type') || '', msg.get('sip_content-type')),
    body: msg.get('xsip_body') ?? msg.get('text') ?? '',
    encoding: msg.get('xsip_body_encoding') || msg.get('body_encoding') || '',
    antiloop: antiloopOf(msg.get('antiloop')),
    headers: carriedHeaders((n) => msg.get(n)),
  };
}

/** `out` with the sender's Priority header, read only where a message may be kept for a device
 *  that sleeps (a fork: push/index.ts never wakes one for `non-urgent`), not on the fast path. */
export function withPriority(out: Outgoing, msg: Message): Outgoing {
  const priority = msg.get('sip_priority');
  return priority ? { ...out, priority } : out;
}

/** What decide() is asked. `type` is what ysipchan reported (undefined: no Content-Type). */
export function askOf(out: Outgoing, type: string | undefined): Ask {
  const authenticated = !out.unverified;
  return {
    sender: out.sender, authenticated, rateKey: rateKey({ user: out.sender, authenticated, source: out.unverified?.source ?? '' }),
    called: out.called, type, bodyLength: out.body.length, antiloop: out.antiloop,
  };
}

/** ysipchan puts the bare type in xsip_type and builds the outgoing Content-Type from it; the
 *  charset is only in the original header (sip_content-type). Keep it, so text stays readable. */
function fullType(type: string, header: string | undefined): string {
  const base = baseMimeType(type);
  return base !== null && baseMimeType(header) === base ? header!.trim() : type;
}
