// A chat message on its way to a recipient, whichever face it came by (a SIP path, the HTTP API,
// rmanager, a webhook's reply, the offline store): what every room that routes, keeps or
// delivers a message reads. All strings are byte strings (protocol/bytes.ts).

export interface Outgoing {
  /** Sender user: the authenticated one (the claimed caller only when `unverified`). */
  readonly sender: string;
  /** Set when ysipchan did not authenticate the sender: `source` is where the request came from. */
  readonly unverified?: { readonly source: string };
  readonly senderName?: string;
  readonly domain: string;
  /** Recipient user as the sender addressed it (after aliases). */
  readonly called: string;
  readonly type: string;
  readonly body: string;
  /** `xsip_body_encoding` ('' for text bodies). */
  readonly encoding: string;
  readonly antiloop: number;
  /** Original send time in ms: delivered later, the message carries a Date header. */
  readonly sentAt?: number;
  /** The sender's Priority header (RFC 3261 20.26: `non-urgent` never wakes a device); absent when none. */
  readonly priority?: string;
  /** The sender's headers that go with the message wherever it goes (CARRIED_HEADERS, names as
   *  written there): those describing the body, and the Call-ID. Absent or {} when none. */
  readonly headers?: Readonly<Record<string, string>>;
}

/**
 * The headers of a MESSAGE that travel with it to its recipient, as ysipchan's params carry them
 * (`sip_<lower-case name>`) and as we write them back (`sip_<Name>` becomes the header):
 *
 *   Content-Encoding, Content-Language, Content-Disposition   describe the body: a deflated IMDN
 *              receipt (Linphone) is unreadable without its Content-Encoding
 *   Call-ID    a receipt for a text/plain message names it by the Call-ID its recipient saw
 *              (Linphone's IMDN <message-id>): the sender's client knows only its own
 *
 * ysipchan gives the Call-ID as `sip_callid` (it never copies Call-ID as a header param). A
 * message we handed to ysipchan in place and it could not send comes back to us with the
 * params we wrote (`sip_Call-ID`, `sip_Content-Encoding`...): both spellings are read.
 */
export const CARRIED_HEADERS = ['Call-ID', 'Content-Encoding', 'Content-Language', 'Content-Disposition'] as const;

/** The carried headers that describe the body: what a sender through the API may give. */
export const BODY_HEADERS = ['Content-Encoding', 'Content-Language', 'Content-Disposition'] as const;

/** What may go back into a header: no byte that ends a line, at most a line's worth. */
const CLEAN = /^[^\x00-\x1f\x7f]{1,1024}$/;

/** The carried headers of the message whose params `get` reads ({} when none). A value that
 *  could break a header (a CR, LF or other control byte) is left out. */
export function carriedHeaders(get: (name: string) => string | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of CARRIED_HEADERS) {
    const raw = (name === 'Call-ID' ? get('sip_callid') : undefined) ?? get(`sip_${name.toLowerCase()}`) ?? get(`sip_${name}`);
    const value = raw?.trim();
    if (value && CLEAN.test(value)) out[name] = value;
  }
  return out;
}

/** `headers` with names of BODY_HEADERS in any case, as their canonical names; a string saying
 *  what is wrong with the first one that is not such a header or whose value is not clean. */
export function bodyHeaders(headers: Readonly<Record<string, string>>): Record<string, string> | string {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    const known = BODY_HEADERS.find((h) => h.toLowerCase() === name.toLowerCase());
    if (!known) return `${JSON.stringify(name)} is not a header that describes the body (${BODY_HEADERS.join(', ')})`;
    if (typeof value !== 'string' || !CLEAN.test(value.trim())) return `${known}: expected 1 to 1024 characters without line breaks or control characters`;
    out[known] = value.trim();
  }
  return out;
}

/** The params that make ysipchan's sendMethod write `headers` (only the carried ones, clean). */
export function carriedParams(headers: Readonly<Record<string, string>> | undefined): [string, string][] {
  if (!headers) return [];
  const out: [string, string][] = [];
  for (const name of CARRIED_HEADERS) {
    const value = Object.hasOwn(headers, name) ? headers[name]! : undefined;
    if (value && CLEAN.test(value)) out.push([`sip_${name}`, value]);
  }
  return out;
}

/** A message kept while its first delivery is still under way (messaging tells the sender 202
 *  only once it is kept; the offline queue keeps it). */
export interface Held {
  /** 202 once committed; otherwise why it could not be kept (480 quota, 503 full, 413, 500). */
  readonly code: number;
  /** When kept: the delivery ended, 2xx or not. Delivered, the kept copy goes; failed, it stays
   *  for the next registration or retry. Until then no delivery run sends it. */
  settle?(delivered: boolean): void;
}
