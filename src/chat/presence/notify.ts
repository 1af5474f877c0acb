// One NOTIFY inside a subscription's dialog (RFC 6665 section 4.2.2), sent through ysipchan's
// xsip.generate the way sipfeatures sends its own (modules/server/sipfeatures.cpp): the dialog's
// From (our tag), To (the watcher's tag), Call-ID and a rising CSeq as sip_* headers, the
// watcher's Contact as the request URI, its source address as host/port (NAT: ysipchan sends
// there instead of the URI's host) and connection_id for a TCP/TLS watcher. wait=true: the
// answer's code comes back (481 or a timeout ends the subscription; watchers.ts decides).
// Simplification: the route set (Record-Route) is not kept; Yate is the watcher's proxy here.
import { isYateChatError } from '../../errors.js';
import { Params } from '../../engine/params.js';
import { fromText } from '../../protocol/bytes.js';
import type { StoredSubscription } from '../../store/index.js';
import type { Kernel } from '../core/kernel.js';
import { generate } from '../core/router.js';
import { MARK, PIDF_TYPE } from '../core/vocabulary.js';

/** What became of a NOTIFY: the watcher's final code, or why it could not be sent. */
export type NotifyOutcome = { readonly code: number } | { readonly error: string };

/** `active;expires=N` or `terminated;reason=R`. */
export type SubscriptionState = { readonly active: number } | { readonly terminated: string };

export function notifyParams(k: Kernel, sub: StoredSubscription, cseq: number, state: SubscriptionState, pidf: string): Params {
  const p = new Params([['method', 'NOTIFY'], ['uri', sub.target]]);
  p.set('sip_From', `${sub.localUri};tag=${sub.localTag}`);
  p.set('sip_To', `${sub.remoteUri};tag=${sub.remoteTag}`);
  p.set('sip_Call-ID', sub.callId);
  p.set('sip_CSeq', `${cseq} NOTIFY`);
  p.set('sip_Contact', sub.contact);
  p.set('sip_Event', sub.event);
  p.set('sip_Subscription-State', 'active' in state ? `active;expires=${state.active}` : `terminated;reason=${state.terminated}`);
  p.set('xsip_type', PIDF_TYPE);
  p.set('xsip_body', fromText(pidf));
  const t = sub.transport;
  if (t.host) p.set('host', t.host);
  if (t.port) p.set('port', t.port);
  if (t.connection_id) p.set('connection_id', t.connection_id);
  p.set('wait', 'true');
  p.set(MARK, k.marker);
  return p;
}

/** Send it, in the NOTIFYs' own pool of Yate's workers (never the deliveries'); never rejects. */
export async function sendNotify(k: Kernel, params: Params): Promise<NotifyOutcome> {
  try {
    const o = await generate(k, params, k.notifySlots);
    if ('code' in o) return o;
    // The transaction ended with no answer at all: as a timeout of the NOTIFY.
    if ('noAnswer' in o) return { code: 408 };
    if ('error' in o) return o;
    return { error: 'xsip.generate not handled (ysipchan [general] generate=yes?)' };
  } catch (err) {
    // Yate never answered within delivery.sendTimeoutMs: as a timeout of the NOTIFY.
    if (isYateChatError(err, 'ENGINE_TIMEOUT')) return { code: 408 };
    return { error: (err as Error).message };
  }
}

/** RFC 6665 4.2.2: a NOTIFY answered 481, or timing out, ends the subscription. */
export function endsSubscription(o: NotifyOutcome): boolean {
  return 'code' in o && (o.code === 481 || o.code === 408);
}
