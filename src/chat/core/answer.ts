// Writing the SIP answer into the message ysipchan dispatched for a request (a sip.message, a
// sip.publish, a sip.subscribe, a msg.execute): ysipchan answers the sender with the `code` param
// and copies every `osip_*` param into the answer as a header (Retry-After, SIP-ETag, Expires...).
import type { Message } from '../../engine/message.js';
import type { Refuse } from './admission.js';
import type { Kernel } from './kernel.js';

/** `code` and the answer's extra headers. */
export function setAnswer(msg: Message, code: number, headers?: Readonly<Record<string, string>>): void {
  msg.set('code', code);
  if (headers) for (const h in headers) msg.set(`osip_${h}`, headers[h]!);
}

/** A refusal: counted (per code, and apart when rate limited), then written (writeRefusal). */
export function setRefusal(k: Pick<Kernel, 'stats'>, msg: Message, r: Pick<Refuse, 'code' | 'reason' | 'headers' | 'rateLimited'>): void {
  k.stats.refused(r);
  writeRefusal(msg, r);
}

/** A refusal as ysipchan reads it from a processed request: `code`, `reason`, headers. */
export function writeRefusal(msg: Message, r: Pick<Refuse, 'code' | 'reason' | 'headers'>): void {
  msg.set('code', r.code);
  msg.set('reason', r.reason);
  if (r.headers) for (const h in r.headers) msg.set(`osip_${h}`, r.headers[h]!);
}
