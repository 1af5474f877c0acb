// Reading who sent a request and to which domain, from the message ysipchan dispatched for it:
// the same for a MESSAGE (either SIP path), a PUBLISH and a SUBSCRIBE.
import type { Message } from '../../engine/message.js';
import type { Kernel } from './kernel.js';
import { hostOf } from './sip.js';
import { DEFAULT_ANTILOOP } from './vocabulary.js';

/** Who sent a request. */
export interface Who {
  /** The user ysipchan authenticated (`username`); without one, the claimed caller. */
  readonly user: string;
  readonly authenticated: boolean;
  /** Where the request came from (its source address): the rate key of an unauthenticated sender. */
  readonly source: string;
}

export function whoSent(msg: Message): Who {
  const username = msg.get('username');
  return {
    user: username || msg.get('caller') || '',
    authenticated: !!username,
    source: username ? '' : msg.get('ip_host') || msg.get('address') || '',
  };
}

/**
 * The domain the request was addressed to here: the host of its To (the recipient's address of
 * record as the sender wrote it), else of its request URI, else Yate's `domain` param (the host
 * of the sender's From, which a sender may set to anything). Both From and To of what goes on
 * are built in it: the sender and the recipient are users of this domain. Each is taken only
 * when it is a host name or address (Kernel.checkedHost): none of them reaches a header
 * unchecked. The rules' `domain`, when set, wins.
 */
export function domainOf(msg: Message, k: Pick<Kernel, 'config' | 'checkedHost'>): string {
  return k.config.domain ?? (k.checkedHost(hostOf(msg.get('sip_to') ?? msg.get('sip_To'))) || k.checkedHost(hostOf(msg.get('sip_uri'))) || k.checkedHost(msg.get('domain')));
}

/** Yate's antiloop param (ysipchan sets it from Max-Forwards, less this hop); absent means plenty. */
export function antiloopOf(value: string | undefined): number {
  const n = Number.parseInt(value ?? '', 10);
  return Number.isFinite(n) ? n : DEFAULT_ANTILOOP;
}
