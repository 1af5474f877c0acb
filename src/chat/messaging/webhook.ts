// The webhook client: a MESSAGE to a webhook address (rules `webhooks`, decided in decide.ts)
// is POSTed as JSON to the webhook's URL, signed, within a time limit, and the answer read:
//
//   POST <url>
//   Content-Type: application/json
//   X-Yate-Chat-Signature: sha256=<hex HMAC-SHA256 of the exact body, keyed with webhookSecret>
//   {"from": "123", "to": "bot", "body": "hi", "contentType": "text/plain", "date": "2026-...Z"}
//
// What the sender then hears (and the reply) is slow-path.ts's business; here only what happened.
// A receiver checks the signature over the raw body before parsing it, in constant time, and
// may refuse an old `date` (it is signed too) to stop replays.
import { createHmac } from 'node:crypto';
import { z } from 'zod';
import { toText } from '../../protocol/bytes.js';
import { VERSION } from '../../version.js';
import { BODY_HEADERS, type Outgoing } from '../core/outgoing.js';

export const SIGNATURE_HEADER = 'X-Yate-Chat-Signature';

/** Most of a webhook's answer read (the reply must also fit maxBodyBytes to be sent). */
export const MAX_ANSWER_BYTES = 64 * 1024;

export interface WebhookPayload {
  readonly from: string;
  readonly to: string;
  /** The body as text (UTF-8); for a body Yate gave encoded (binary), as encoded. */
  readonly body: string;
  readonly contentType: string;
  /** `base64`, `hex`: how `body` is encoded; absent for text. */
  readonly bodyEncoding?: string;
  /** The headers that describe the body (Content-Encoding, Content-Language,
   *  Content-Disposition) as the sender wrote them; absent when none. */
  readonly headers?: Readonly<Record<string, string>>;
  /** When the sender sent it (ISO 8601, UTC). */
  readonly date: string;
}

export type WebhookOutcome =
  /** The webhook answered `status`; `reply` is its {"reply": "..."} text (null: none), `problem`
   *  why an answer that had one could not be read. */
  | { readonly kind: 'answered'; readonly status: number; readonly reply: string | null; readonly problem?: string }
  | { readonly kind: 'timeout' }
  /** Refused connection, unknown host, TLS failure... */
  | { readonly kind: 'unreachable'; readonly reason: string };

/** The JSON a webhook is sent for `out` (byte strings become text). */
export function payloadOf(out: Outgoing, to: string, now = Date.now()): WebhookPayload {
  return {
    from: toText(out.sender),
    to: toText(to),
    body: out.encoding ? out.body : toText(out.body),
    contentType: toText(out.type),
    ...(out.encoding ? { bodyEncoding: out.encoding } : {}),
    ...headersOf(out),
    date: new Date(out.sentAt ?? now).toISOString(),
  };
}

function headersOf(out: Outgoing): { headers?: Record<string, string> } {
  const given = out.headers ?? {};
  const headers = Object.fromEntries(BODY_HEADERS.filter((h) => Object.hasOwn(given, h)).map((h) => [h, toText(given[h]!)]));
  return Object.keys(headers).length ? { headers } : {};
}

/** `sha256=<hex>`: HMAC-SHA256 of `body` (its UTF-8 bytes) with `secret`. */
export function sign(secret: string, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
}

const Answer = z.object({ reply: z.string().optional() });

/** POST `payload` to `url`; never rejects. Gives up after `timeoutMs` (whole exchange). */
export async function callWebhook(url: string, secret: string, payload: WebhookPayload, timeoutMs: number): Promise<WebhookOutcome> {
  const body = JSON.stringify(payload);
  let res: Response;
  try {
    res = await fetch(url, {
      method: 'POST',
      body,
      headers: { 'content-type': 'application/json', 'user-agent': `yate-chat/${VERSION}`, [SIGNATURE_HEADER]: sign(secret, body) },
      redirect: 'manual',
      signal: AbortSignal.timeout(Math.max(1, timeoutMs)),
    });
  } catch (err) {
    return failure(err);
  }
  if (res.status < 200 || res.status > 299) {
    await res.body?.cancel().catch(() => undefined);
    return { kind: 'answered', status: res.status, reply: null };
  }
  let text: string | null;
  try {
    text = await readCapped(res, MAX_ANSWER_BYTES);
  } catch (err) {
    return failure(err);
  }
  if (text === null) return { kind: 'answered', status: res.status, reply: null, problem: `answer longer than ${MAX_ANSWER_BYTES} bytes` };
  if (!/\bjson\b/i.test(res.headers.get('content-type') ?? '') || text.trim() === '') return { kind: 'answered', status: res.status, reply: null };
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return { kind: 'answered', status: res.status, reply: null, problem: 'answer is not valid JSON' };
  }
  const parsed = Answer.safeParse(json);
  if (!parsed.success) return { kind: 'answered', status: res.status, reply: null, problem: 'expected {"reply": "text"}, the reply is not a string' };
  return { kind: 'answered', status: res.status, reply: parsed.data.reply || null };
}

function failure(err: unknown): WebhookOutcome {
  const e = err as Error & { cause?: { code?: string; message?: string } };
  if (e?.name === 'TimeoutError' || e?.name === 'AbortError') return { kind: 'timeout' };
  return { kind: 'unreachable', reason: e?.cause?.code ?? e?.cause?.message ?? e?.message ?? String(err) };
}

/** The body as text, or null when it is longer than `max` bytes (reading stops there). */
async function readCapped(res: Response, max: number): Promise<string | null> {
  if (!res.body) return '';
  const chunks: Uint8Array[] = [];
  let size = 0;
  for await (const chunk of res.body) {
    size += chunk.byteLength;
    if (size > max) return null; // leaving the loop cancels the stream
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}
