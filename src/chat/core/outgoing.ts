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
}
