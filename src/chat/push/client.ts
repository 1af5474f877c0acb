// The push client: one wake-up request to the push gateway the rules name (`push.url`), signed
// like a webhook request (core/signed-post.ts, keyed with push.secret), retried a bounded number
// of times:
//
//   POST <push.url>
//   X-Yate-Chat-Signature: sha256=<hex HMAC-SHA256 of the body with push.secret>
//   {"provider": "fcm", "prid": "<token>", "param": "<pn-param>", "sender": "123",
//    "recipient": "234", "device": "urn:uuid:...", "messageId": "42", "type": "text/plain",
//    "date": "2026-...Z"}
//
// provider, prid and param are the device's RFC 8599 Contact parameters as it registered them;
// the gateway turns them into an APNs, FCM or WebPush request (docs/devices.md, "A gateway behind
// push.url"). Any 2xx is taken; a 429, a 5xx, no answer or no connection is tried again (1, 2,
// 4... s later, push.retries times); any other answer is final.
import { toText } from '../../protocol/bytes.js';
import { postSigned } from '../core/signed-post.js';
import type { PushParams } from '../core/devices.js';

export interface PushPayload {
  readonly provider: string;
  readonly prid: string;
  readonly param: string;
  readonly sender: string;
  readonly recipient: string;
  /** The device's name (its +sip.instance, else its Contact URI). */
  readonly device: string;
  /** The stored copy's id: the message the woken app will get when it registers. */
  readonly messageId: string;
  readonly type: string;
  /** When the sender sent it (ISO 8601, UTC). */
  readonly date: string;
}

export interface Wake {
  readonly push: PushParams;
  /** Byte strings (protocol/bytes.ts), as the pipeline keeps them. */
  readonly sender: string;
  readonly recipient: string;
  readonly device: string;
  readonly messageId: number;
  readonly type: string;
  readonly sentAt: number;
}

/** The JSON a wake-up is sent as (byte strings become text). */
export function payloadOf(w: Wake): PushPayload {
  return {
    provider: w.push.provider, prid: w.push.prid, param: w.push.param,
    sender: toText(w.sender), recipient: toText(w.recipient), device: toText(w.device),
    messageId: String(w.messageId), type: toText(w.type), date: new Date(w.sentAt).toISOString(),
  };
}

export interface PushTarget {
  readonly url: string;
  readonly secret: string;
  readonly timeoutMs: number;
  readonly retries: number;
}

/** What became of a wake-up: the gateway's final status, or why it never answered. */
export type PushOutcome =
  | { readonly kind: 'answered'; readonly status: number; readonly attempts: number }
  | { readonly kind: 'failed'; readonly reason: string; readonly attempts: number };

/** Is this answer worth another try? (The gateway is overloaded or broken, not refusing.) */
const transient = (status: number): boolean => status === 429 || status >= 500;

/** POST `payload` to the gateway; retries as the rules say. Never rejects. `sleep` waits between
 *  attempts (tests pass one that does not wait). */
export async function sendPush(to: PushTarget, payload: PushPayload, sleep: (ms: number) => Promise<void> = wait): Promise<PushOutcome> {
  const body = JSON.stringify(payload);
  let reason = '';
  for (let attempt = 1; ; attempt++) {
    const o = await postSigned(to.url, to.secret, body, to.timeoutMs);
    if (o.kind === 'answered') {
      await o.res.body?.cancel().catch(() => undefined);
      if (!transient(o.res.status) || attempt > to.retries) return { kind: 'answered', status: o.res.status, attempts: attempt };
      reason = `answered ${o.res.status}`;
    } else {
      reason = o.kind === 'timeout' ? `no answer within ${to.timeoutMs} ms` : `unreachable (${o.reason})`;
      if (attempt > to.retries) return { kind: 'failed', reason, attempts: attempt };
    }
    await sleep(1000 * 2 ** (attempt - 1));
  }
}

const wait = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms).unref());
