// sip.publish — presence on the generic path (ysipchan `[methods] publish=yes`).
// Admitted like every request (core/admission.ts: the authenticated sender only, the deny lists,
// the sender's rate limit), with a PUBLISH's own checks between (415 unless PIDF, 413 over
// maxBodyBytes), then like the seed: log the basic status, 200. Beyond it (RFC 3903): the
// latest state per user is kept with an entity tag and expiry, answered with SIP-ETag and
// Expires, and a body-less PUBLISH carrying SIP-If-Match refreshes it (or removes it with
// Expires: 0), one with a body modifies it; each device publishes under its own tag; an
// unknown tag gets 412. Every change is told to the user's watchers (SUBSCRIBE, watchers.ts).
import { baseMimeType } from '../../config/index.js';
import type { Handler } from '../../engine/handlers.js';
import type { Message } from '../../engine/message.js';
import { toText } from '../../protocol/bytes.js';
import { admit, rateKey, refuse } from '../core/admission.js';
import { setRefusal } from '../core/answer.js';
import { whoSent } from '../core/inbound.js';
import type { Kernel } from '../core/kernel.js';
import { PIDF_TYPE } from '../core/vocabulary.js';
import { DEFAULT_PUBLISH_EXPIRES, type PresenceBook, type Presence } from './book.js';

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
    const p = d.book.publish(user, body, expires, Date.now(), ifMatch || undefined);
    return p === 'nomatch' ? unknownTag(d, msg, user, 'modification') : answer(d, msg, user, p, ifMatch ? 'modified' : 'published');
  };
}
