// A device as a REGISTER names it: what ysipchan's user.register carries (measured on Yate 6.4.1,
// docs/devices.md, "What Yate tells"):
//
//   data         `sip/` + the Contact URI with its URI parameters, where RFC 8599's push
//                parameters live: sip/sip:234@10.0.0.7:5062;pn-provider=fcm;pn-prid=TOKEN;pn-param=P
//                (the host and port rewritten to the source address when ysipchan sees NAT)
//   sip_contact  the whole Contact header, with its own parameters after the `>`, where RFC 5626's
//                `+sip.instance="<urn:uuid:...>"` lives
//   device       the User-Agent header        sip_callid   the REGISTER's Call-ID
//
// A device is named by its `+sip.instance` when its Contact has one (it stays the same across
// restarts and address changes), else by its Contact URI. Pure functions: string in, value out.

/** RFC 8599 push parameters of a device that may sleep (its Contact URI's pn-* parameters). */
export interface PushParams {
  /** `pn-provider`: apns, fcm, webpush... */
  readonly provider: string;
  /** `pn-prid`: the device's token at that provider. */
  readonly prid: string;
  /** `pn-param`: what else the provider needs (APNs: team and topic); '' when none. */
  readonly param: string;
}

/** Longest instance id or push parameter taken (anything longer names no device, is no push). */
const MAX_PARAM = 1024;
/** Printable ASCII only: these values go into keys, logs and JSON. */
const PRINTABLE = /^[\x21-\x7e]+$/;

/** `+sip.instance` of a Contact header value (`<sip:..>;+sip.instance="<urn:uuid:X>"`), as
 *  `urn:uuid:X`; '' when there is none or it is not a plain printable value. */
export function instanceOf(contact: string | undefined): string {
  if (!contact) return '';
  // The header's own parameters follow the URI: after its `>`, or (no brackets) its first `;`.
  const open = contact.indexOf('<');
  const semi = contact.indexOf(';');
  const close = contact.indexOf('>', open);
  const bracketed = open >= 0 && (semi < 0 || open < semi);
  const params = bracketed ? (close < 0 ? '' : contact.slice(close + 1)) : semi < 0 ? '' : contact.slice(semi);
  const m = /;\s*\+sip\.instance\s*=\s*("?)<?([^>";]*)>?\1/i.exec(params);
  const id = m?.[2]?.trim() ?? '';
  return id.length <= MAX_PARAM && PRINTABLE.test(id) ? id : '';
}

/** The URI parameters of a SIP URI (`sip:u@h:p;a=1;b?hdr=x` -> a=1, b=''), names lower-cased. */
export function uriParams(uri: string): Map<string, string> {
  const out = new Map<string, string>();
  const at = uri.indexOf('@');
  const q = uri.indexOf('?');
  const end = q < 0 ? uri.length : q;
  const start = uri.indexOf(';', at < 0 ? 0 : at);
  if (start < 0 || start > end) return out;
  for (const p of uri.slice(start + 1, end).split(';')) {
    const eq = p.indexOf('=');
    const name = (eq < 0 ? p : p.slice(0, eq)).trim().toLowerCase();
    if (name && !out.has(name)) out.set(name, eq < 0 ? '' : p.slice(eq + 1).trim());
  }
  return out;
}

/** `%XX` escapes undone (a URI parameter's value); a malformed escape leaves the value as it is. */
function unescape(value: string): string {
  if (!value.includes('%')) return value;
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}

/** The RFC 8599 push parameters of a Contact URI, or null when it has no pn-provider and pn-prid
 *  (or one that is not a plain printable value). */
export function pushOf(contactUri: string): PushParams | null {
  if (!/;pn-/i.test(contactUri)) return null;
  const p = uriParams(contactUri);
  const provider = unescape(p.get('pn-provider') ?? '');
  const prid = unescape(p.get('pn-prid') ?? '');
  const param = unescape(p.get('pn-param') ?? '');
  const ok = (v: string) => v.length <= MAX_PARAM && PRINTABLE.test(v);
  if (!ok(provider) || !ok(prid) || (param !== '' && !ok(param))) return null;
  return { provider, prid, param };
}

/** The name of the device that registered `contactUri` with Contact header `contact`: its
 *  instance id, else the Contact URI itself. */
export function deviceKey(contactUri: string, contact: string | undefined): string {
  return instanceOf(contact) || contactUri;
}
