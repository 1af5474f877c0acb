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
