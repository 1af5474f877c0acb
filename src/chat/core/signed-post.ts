// A signed JSON POST to a receiver the rules name: what the webhook client (messaging/webhook.ts)
// and the push client (push/client.ts) send, one way for both:
//
//   POST <url>
//   Content-Type: application/json
//   User-Agent: yate-chat/<version>
//   X-Yate-Chat-Signature: sha256=<hex HMAC-SHA256 of the exact body, keyed with the secret>
//
// A receiver checks the signature over the raw body before parsing it, in constant time, and may
// refuse an old `date` (it is signed too) to stop replays.
// Redirects are not followed (a signed request goes where the rules said, or nowhere).
import { createHmac } from 'node:crypto';
import { VERSION } from '../../version.js';

export const SIGNATURE_HEADER = 'X-Yate-Chat-Signature';

/** `sha256=<hex>`: HMAC-SHA256 of `body` (its UTF-8 bytes) with `secret`. */
export function sign(secret: string, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
}

export type PostOutcome =
  /** The receiver answered; its body is not read yet (read it, or cancel it). */
  | { readonly kind: 'answered'; readonly res: Response }
  /** No answer within the time given (connection and answer headers). */
  | { readonly kind: 'timeout' }
  /** Refused connection, unknown host, TLS failure... */
  | { readonly kind: 'unreachable'; readonly reason: string };

/** POST `body` (JSON text) to `url`, signed with `secret`; never rejects. Gives up after
 *  `timeoutMs` without the answer's headers. */
export async function postSigned(url: string, secret: string, body: string, timeoutMs: number): Promise<PostOutcome> {
  try {
    const res = await fetch(url, {
      method: 'POST',
      body,
      headers: { 'content-type': 'application/json', 'user-agent': `yate-chat/${VERSION}`, [SIGNATURE_HEADER]: sign(secret, body) },
      redirect: 'manual',
      signal: AbortSignal.timeout(Math.max(1, timeoutMs)),
    });
    return { kind: 'answered', res };
  } catch (err) {
    return failure(err);
  }
}

/** What a failed fetch (or body read) was: a timeout, or why the receiver was unreachable. */
export function failure(err: unknown): Exclude<PostOutcome, { kind: 'answered' }> {
  const e = err as Error & { cause?: { code?: string; message?: string } };
  if (e?.name === 'TimeoutError' || e?.name === 'AbortError') return { kind: 'timeout' };
  return { kind: 'unreachable', reason: e?.cause?.code ?? e?.cause?.message ?? e?.message ?? String(err) };
}
