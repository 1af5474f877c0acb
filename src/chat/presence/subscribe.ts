// sip.subscribe for `Event: presence` (RFC 3856 over RFC 6665), dispatched by ysipchan with
// `[methods] subscribe=yes` (YateSIPEndPoint::generic: the authenticated `username`, `called`
// from the request URI, every header as sip_<lower-case name>, `sip_callid`, `xsip_dlgtag`, the
// To tag our answer carries, the source address and connection). Any other event is left
// exactly as it came (not processed, nothing changed): sipfeatures (dialog, message-summary)
// or another module serves it, and sipfeatures answers 489 to events nobody serves.
//
// The answer (ysipchan copies `code` and every `osip_*` param into the SIP response):
//   200 + Expires (granted, within presence.minExpires..maxExpires) + Contact (an address that
//       reaches Yate from the watcher: contact.ts), then at once the
//       first NOTIFY (watchers.ts); a refresh (in-dialog) the same; Expires 0 ends it with a
//       final NOTIFY, terminated (outside a dialog: a fetch, one NOTIFY, nothing kept);
//   400 no Contact, no From tag, or a header we would have to send back that is not clean;
//   403 not authenticated, denied (presence.deny, presence.allow, presence.watchers "local"),
//       too many for the watcher, or a refresh by another user; the same 403 whether the
//       presentity exists or not (docs/security.md: a refusal says nothing of who exists); 404 no presentity; 406 Accept without PIDF;
//   423 + Min-Expires: shorter than presence.minExpires; 481 a refresh of no subscription;
//   500 the subscription store failed; 503 (+ Retry-After) over presence.maxSubscriptions or the
//   watcher's rate limit (new subscriptions and refreshes take from the MESSAGE rate bucket: a
//   refresh costs a commit and a NOTIFY too; issue 21 counted 1000 accepted against 30 MESSAGEs).
import { matchesPattern, type PresenceConfig } from '../../config/index.js';
import type { Handler } from '../../engine/handlers.js';
import type { Message } from '../../engine/message.js';
import { toText } from '../../protocol/bytes.js';
import type { StoredSubscription } from '../../store/index.js';
import { deny, rate } from '../core/admission.js';
import { setRefusal } from '../core/answer.js';
import { domainOf } from '../core/inbound.js';
import type { Kernel } from '../core/kernel.js';
import { fromHeader } from '../core/sip.js';
import { PIDF_TYPE } from '../core/vocabulary.js';
import type { ContactFinder } from './contact.js';
import type { Reservation, Watchers } from './watchers.js';

/** `presence` or `presence;id=...` (the event package, RFC 6665 section 8.2.1). */
const PRESENCE = /^\s*presence\s*(;.*)?$/;
/** Nothing that could end a header or a line: what we put back into headers must be clean. */
const CLEAN = /^[^\x00-\x1f\x7f]*$/;

export function isPresenceEvent(event: string | undefined): boolean {
  return event !== undefined && PRESENCE.test(event);
}

const tagOf = (value: string): string => /;\s*tag=([^;>\s]+)/i.exec(value)?.[1] ?? '';
const withoutTag = (value: string): string => value.replace(/;\s*tag=[^;>\s]+/i, '').trim();
/** The URI of a Contact value: `<sip:...>` or an addr-spec without header params. */
const uriOf = (value: string): string => (/<([^>]*)>/.exec(value)?.[1] ?? value.split(';')[0]!).trim();

function refuse(k: Kernel, msg: Message, who: string, r: { readonly code: number; readonly reason: string; readonly headers?: Readonly<Record<string, string>>; readonly rateLimited?: true }): true {
  setRefusal(k, msg, r);
  k.log.info(`SUBSCRIBE ${who} presence => ${r.code} ${r.reason}`);
  return true;
}

/** Expires asked for: the header, else the default; null when it is not a number. */
function askedExpires(msg: Message, fallback: number): number | null {
  const raw = msg.get('sip_expires');
  if (raw === undefined || raw.trim() === '') return fallback;
  const n = Number(raw.trim());
  return Number.isInteger(n) && n >= 0 ? n : null;
}

function acceptsPidf(accept: string | undefined): boolean {
  if (accept === undefined || accept.trim() === '') return true;
  return accept.split(',').some((t) => {
    const base = t.split(';')[0]!.trim().toLowerCase();
    return base === PIDF_TYPE || base === '*/*' || base === 'application/*';
  });
}

/** presence.allow: a presentity named there is watched only by the watchers its patterns match,
 *  and by itself; one not named, by whoever presence.watchers lets. */
export function mayWatch(rules: Pick<PresenceConfig, 'allow'>, watcher: string, presentity: string): boolean {
  if (watcher === presentity || !Object.hasOwn(rules.allow, presentity)) return true;
  return rules.allow[presentity]!.some((p) => matchesPattern(p, watcher));
}

export function onSipSubscribe(k: Kernel, watchers: Watchers, contacts: Pick<ContactFinder, 'contactFor'>): Handler {
  return async (msg) => {
    const event = msg.get('sip_event');
    if (!isPresenceEvent(event)) return false; // not ours: untouched, on to the next handler
    const rules = k.config.presence;
    const watcher = msg.get('username') ?? '';
    const from = msg.get('sip_from') ?? '';
    const to = msg.get('sip_to') ?? '';
    const callId = msg.get('sip_callid') ?? msg.get('sip_call-id') ?? '';
    const remoteTag = tagOf(from);
    const toTag = tagOf(to);
    const localTag = toTag || (msg.get('xsip_dlgtag') ?? '');
    const id = `${callId};${remoteTag};${localTag}`;
    const old = toTag ? watchers.get(id) : undefined;
    const presentity = old?.presentity ?? (msg.get('called') ?? '').trim();
    const who = `${toText(watcher) || '?'} -> ${toText(presentity) || '?'}`;
    const no = (code: number, reason: string, headers?: Record<string, string>) => refuse(k, msg, who, { code, reason, ...(headers ? { headers } : {}) });

    if (!watcher) return no(403, 'watcher not authenticated (ysipchan [methods] subscribe=yes authenticates)');
    if (toTag && !old) return no(481, 'no such subscription');
    if (old && old.watcher !== watcher) return no(403, 'the subscription is another watcher\'s');
    if (!presentity) return no(404, 'no presentity in the request URI');
    const contact = msg.get('sip_contact') ?? '';
    const target = uriOf(contact);
    const ours = msg.get('sip_uri') ?? '';
    if (!/^sips?:\S+$/i.test(target) || !CLEAN.test(target)) return no(400, 'no usable Contact');
    if (!remoteTag || !callId || !localTag) return no(400, 'no From tag or Call-ID');
    if (![from, callId, event!, ours].every((v) => CLEAN.test(v)) || !/^\S+$/.test(callId)) return no(400, 'a header holds control characters');
    if (!acceptsPidf(msg.get('sip_accept'))) return no(406, `Accept does not name ${PIDF_TYPE}`);
    const asked = askedExpires(msg, rules.defaultExpires);
    if (asked === null) return no(400, 'Expires is not a number');
    if (asked > 0 && asked < rules.minExpires) return no(423, `Expires ${asked} is below ${rules.minExpires}`, { 'Min-Expires': String(rules.minExpires) });
    if (rules.deny.watchers.some((p) => matchesPattern(p, watcher)) || deny({ caller: watcher }, k)) return no(403, 'watcher denied by the rules');
    if (rules.deny.presentities.some((p) => matchesPattern(p, presentity))) return no(403, 'presentity denied by the rules');
    if (!mayWatch(rules, watcher, presentity)) return no(403, `${toText(presentity)} does not let ${toText(watcher)} watch (presence.allow)`);

    const now = Date.now();
    const granted = Math.min(asked, rules.maxExpires);
    const domain = domainOf(msg, k);
    // New subscriptions and refreshes take from the watcher's bucket (its MESSAGEs' too); an
    // unsubscribe does not (it ends work).
    if (!old || granted > 0) {
      const limited = rate({ user: watcher, rateKey: watcher }, k, 'watcher');
      if (limited) return refuse(k, msg, who, limited);
    }
    let room: Reservation | undefined;
    if (!old) {
      if (rules.watchers === 'local' && !(await watchers.isLocal(presentity, domain))) return no(403, 'not a local user (presence.watchers "local")');
      if (granted > 0) {
        // Taken now, before anything is awaited: SUBSCRIBEs arriving together cannot all pass.
        const admitted = watchers.admit(watcher);
        if (!admitted.ok) return no(admitted.code, admitted.reason, admitted.code === 503 ? { 'Retry-After': '60' } : undefined);
        room = admitted;
      }
    }
    const sub: StoredSubscription = {
      id, watcher, presentity,
      event: event!.trim(),
      callId, localTag, remoteTag,
      localUri: old?.localUri ?? fromHeader(presentity, domain),
      remoteUri: withoutTag(from),
      target,
      // Asked again for a refresh: the 200 and the NOTIFYs after it correct what an older version kept.
      contact: await contacts.contactFor(msg, presentity, ours, domain),
      transport: transportOf(msg),
      cseq: old?.cseq ?? 0,
      createdAt: old?.createdAt ?? now,
      expiresAt: now + granted * 1000,
    };
    try {
      if (granted === 0) {
        if (old) await watchers.end(id, 'timeout');
        else watchers.fetch(sub);
      } else {
        await watchers.subscribe(sub, room);
      }
    } catch (err) {
      return no(500, `subscription store failed: ${(err as Error).message}`);
    } finally {
      room?.release();
    }
    msg.set('code', 200);
    msg.set('osip_Expires', granted);
    msg.set('osip_Contact', sub.contact);
    const what = granted === 0 ? (old ? 'unsubscribed' : 'fetched') : old ? 'refreshed' : 'subscribed';
    k.log.info(`SUBSCRIBE ${who} presence ${what} => 200 (Expires ${granted})`);
    return true;
  };
}

/** Where the watcher's requests came from: NOTIFYs go back there (sipfeatures does the same). */
function transportOf(msg: Message): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, name] of [['host', 'ip_host'], ['port', 'ip_port'], ['connection_id', 'connection_id']] as const) {
    const v = msg.get(name);
    if (v && CLEAN.test(v)) out[k] = v;
  }
  return out;
}
