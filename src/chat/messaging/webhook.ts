// The webhook client: a MESSAGE to a webhook address (rules `webhooks`, decided in decide.ts)
// is POSTed as JSON to the webhook's URL, signed with webhookSecret (core/signed-post.ts), within
// a time limit, and the answer read:
//
//   {"from": "123", "to": "bot", "body": "hi", "contentType": "text/plain", "date": "2026-...Z"}
//
// What the sender then hears (and the reply) is slow-path.ts's business; here only what happened.
import { z } from 'zod';
import { toText } from '../../protocol/bytes.js';
import { BODY_HEADERS, type Outgoing } from '../core/outgoing.js';
import { failure, postSigned } from '../core/signed-post.js';

export { SIGNATURE_HEADER, sign } from '../core/signed-post.js';

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

const Answer = z.object({ reply: z.string().optional() });

/** POST `payload` to `url`; never rejects. Gives up after `timeoutMs` (whole exchange). */
export async function callWebhook(url: string, secret: string, payload: WebhookPayload, timeoutMs: number): Promise<WebhookOutcome> {
  const sent = await postSigned(url, secret, JSON.stringify(payload), timeoutMs);
  if (sent.kind !== 'answered') return sent;
  const { res } = sent;
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
