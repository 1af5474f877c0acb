// The checks a MESSAGE passes before we route it, shared by the generic path (sip.message)
// and the native path (call.route from ysipchan). Each refusal is a SIP code and a reason.
import { acceptsContentType, isDenied } from '../config/index.js';
import type { ChatContext } from './context.js';

export interface Incoming {
  /** The sender as routed: the authenticated user when there is one, else the claimed caller. */
  readonly sender: string;
  readonly called: string;
  readonly type: string | undefined;
  readonly body: string;
  readonly antiloop: number;
}

export interface Refusal {
  readonly code: number;
  readonly reason: string;
  /** Extra SIP headers for the answer (e.g. Retry-After). */
  readonly headers?: Readonly<Record<string, string>>;
}

export function admit(ctx: ChatContext, m: Incoming): Refusal | null {
  const { config } = ctx;
  if (!m.type) return { code: 415, reason: 'no Content-Type' };
  if (!acceptsContentType(config, m.type)) return { code: 415, reason: `content type ${m.type} not accepted` };
  if (m.body.length > config.maxBodyBytes) return { code: 413, reason: `body of ${m.body.length} bytes exceeds ${config.maxBodyBytes}` };
  if (!m.called) return { code: 404, reason: 'no recipient' };
  if (!m.sender) return { code: 403, reason: 'no sender' };
  if (m.antiloop <= 0) return { code: 483, reason: 'loop detected (antiloop exhausted)' };
  const denied = isDenied(config, { caller: m.sender, called: m.called });
  if (denied) return { code: 403, reason: `${denied} denied by the rules` };
  const rate = ctx.limiter.take(m.sender);
  if (!rate.ok) {
    ctx.stats.rateLimited++;
    const code = config.rateLimit ? config.rateLimit.code : 503;
    return {
      code,
      reason: `sender ${m.sender} over the rate limit`,
      ...(code === 503 ? { headers: { 'Retry-After': String(rate.retryAfterSeconds) } } : {}),
    };
  }
  return null;
}

/** Yate's antiloop param (ysipchan sets it from Max-Forwards); absent means plenty. */
export function antiloopOf(value: string | undefined): number {
  const n = Number.parseInt(value ?? '', 10);
  return Number.isFinite(n) ? n : 20;
}
