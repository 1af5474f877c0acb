// sip.publish — presence on the generic path (ysipchan `[methods] publish=yes`).
// Admitted like every request (core/admission.ts: the authenticated sender only, the deny lists,
// the sender's rate limit), with a PUBLISH's own checks between (415 unless PIDF, 413 over
// maxBodyBytes), then like the seed: log the basic status, 200. Beyond it (RFC 3903): the
// latest state per user is kept with an entity tag and expiry, answered with SIP-ETag and
// Expires, and a body-less PUBLISH carrying SIP-If-Match refreshes it (or removes it with
// Expires: 0), one with a body modifies it; each device publishes under its own tag; an
// unknown tag gets 412. A new publication (no SIP-If-Match) replaces the earlier one of the same
// device (deviceOf: baresip publishes `unknown`, then `open`, both without SIP-If-Match; a phone
// restarted has lost its tag). Every change is told to the user's watchers (watchers.ts).
import { baseMimeType } from '../../config/index.js';
import type { Handler } from '../../engine/handlers.js';
import type { Message } from '../../engine/message.js';
import { toText } from '../../protocol/bytes.js';
import { admit, rateKey, refuse } from '../core/admission.js';
import { setRefusal } from '../core/answer.js';
import { whoSent } from '../core/inbound.js';
import type { Kernel } from '../core/kernel.js';
import { PIDF_TYPE } from '../core/vocabulary.js';
import { DEFAULT_PUBLISH_EXPIRES, PresenceBook, type Presence } from './book.js';

export interface PublishDeps {
  readonly kernel: Kernel;
  readonly book: PresenceBook;
  /** Tell `user`'s watchers their state may have changed (after this answer is written). */
  changed(user: string): void;
}

function answer(d: PublishDeps, msg: Message, user: string, p: Presence | null, what: string): boolean {
  const k = d.kernel;
  k.stats.publishes++;
  msg.set('code', 200);
  if (p) {
    msg.set('osip_SIP-ETag', p.etag);
    msg.set('osip_Expires', Math.max(0, Math.round(((p.expiresAt ?? Date.now()) - Date.now()) / 1000)));
  } else {
    msg.set('osip_Expires', 0);
  }
  const note = p?.note && k.config.logBodies ? ` ${JSON.stringify(p.note)}` : '';
  k.log.info(`PUBLISH ${toText(user)} ${what}${p ? ` presence ${p.basic}` : ' presence removed'}${note} => 200`);
  // Watchers hear of it after this answer is written (watchers.ts defers the work).
  d.changed(user);
  return true;
}

function unknownTag(d: PublishDeps, msg: Message, user: string, what: string): true {
  setRefusal(d.kernel, msg, { code: 412, reason: 'unknown entity tag' });
  d.kernel.log.info(`PUBLISH ${toText(user)} ${what} of unknown tag => 412`);
  return true;
}

/** The Expires granted (RFC 3903 section 6: the server may shorten it): what was asked, at most
 *  `max`; `max` too when none was asked or it is no number. 0 removes. (Issue 21: an Expires of
 *  4294967295 was kept as asked, and its date broke GET /v1/presence.) */
export function grantedExpires(asked: string | undefined, max: number): number {
  const text = asked?.trim() ?? '';
  if (!/^\d+$/.test(text)) return Math.min(DEFAULT_PUBLISH_EXPIRES, max);
  return Math.min(Number(text), max);
}

/**
 * What names the device a PUBLISH came from: the `+sip.instance` of its Contact (RFC 5626), else
 * that Contact's URI, else (no Contact, the usual PUBLISH: Linphone and baresip send none) where
 * it came from, transport, address and port: a phone sends from the port it listens on, and two
 * devices never share one source address at once.
 */
export function deviceOf(msg: Message): string {
  const contact = msg.get('sip_contact')?.trim();
  if (contact) {
    const instance = /[;\s]\+sip\.instance\s*=\s*"?<?([^">;\s]+)/i.exec(contact)?.[1];
    if (instance) return `instance ${instance}`;
    return `contact ${(/<([^>]*)>/.exec(contact)?.[1] ?? contact.split(';')[0]!).trim()}`;
  }
  const transport = (msg.get('ip_transport') ?? 'UDP').toUpperCase();
  const conn = transport === 'UDP' ? '' : ` ${msg.get('connection_id') ?? ''}`;
  return `source ${transport} ${msg.get('ip_host') ?? ''}:${msg.get('ip_port') ?? ''}${conn}`;
}

export function onSipPublish(d: PublishDeps): Handler {
  const k = d.kernel;
  return (msg) => {
    // The presence owner is the authenticated user, as for a MESSAGE.
    const who = whoSent(msg);
    const user = who.user;
    const type = msg.get('xsip_type');
    const body = msg.get('xsip_body') ?? '';
    const ifMatch = msg.get('sip_sip-if-match')?.trim();
    const expires = grantedExpires(msg.get('sip_expires'), k.config.presence.maxPublishExpires);
    const refresh = !!ifMatch && !type && !body;
    const refused = admit({ user, authenticated: who.authenticated, rateKey: rateKey(who) }, k, () => {
      if (!user) return refuse(403, 'no publisher');
      if (refresh) return null; // a body-less refresh or removal: no type, no body
      if (!type || baseMimeType(type) !== PIDF_TYPE) return refuse(415, `presence must be ${PIDF_TYPE}`);
      if (body.length > k.config.maxBodyBytes) return refuse(413, `body of ${body.length} bytes exceeds ${k.config.maxBodyBytes}`);
      return null;
    }, { caller: user });
    if (refused) {
      setRefusal(k, msg, refused);
      k.log.info(`PUBLISH ${toText(user) || '?'} [${type ? toText(type) : 'no type'}, ${body.length} B] => ${refused.code} ${refused.reason}`);
      return true;
    }
    if (refresh) {
      const p = d.book.refresh(user, ifMatch!, expires);
      return p === 'nomatch' ? unknownTag(d, msg, user, 'refresh') : answer(d, msg, user, p, 'refreshed');
    }
    const device = deviceOf(msg);
    const again = !ifMatch && d.book.all(user).some((p) => p.id === PresenceBook.deviceId(device));
    const p = d.book.publish(user, body, expires, Date.now(), ifMatch || undefined, device);
    return p === 'nomatch' ? unknownTag(d, msg, user, 'modification') : answer(d, msg, user, p, ifMatch ? 'modified' : again ? 'published again by the same device' : 'published');
  };
}
