// THE admission of a request, whatever it is (a MESSAGE by either SIP path or the HTTP API, a
// PUBLISH, a SUBSCRIBE): who may send (the user ysipchan authenticated, a claimed one only when
// the rules allow unauthenticated senders), who is denied (the rules' deny lists), and how often
// (the sender's rate limit: one bucket per authenticated user, per source address otherwise).
// Each rule is written here once; a room adds the checks of its own request kind between them
// (content type, size, dialog state...) and composes the order it answers in. Pure: the rules
// and the rate limit come in as `Gate`.
import { isDenied, type Config, type RateDecision } from '../../config/index.js';
import type { Who } from './inbound.js';

export interface Refuse {
  readonly kind: 'refuse';
  readonly code: number;
  readonly reason: string;
  /** Extra SIP headers for the answer (Retry-After). */
  readonly headers?: Readonly<Record<string, string>>;
  /** Refused by the sender's rate limit (counted apart in the status). */
  readonly rateLimited?: true;
}

/** What admission reads: the rules in force and the rate limit (Kernel has both). */
export interface Gate {
  readonly config: Config;
  rate(key: string): RateDecision;
}

export function refuse(code: number, reason: string, headers?: Readonly<Record<string, string>>): Refuse {
  return headers ? { kind: 'refuse', code, reason, headers } : { kind: 'refuse', code, reason };
}

const UNAUTHENTICATED: Refuse = Object.freeze({ kind: 'refuse', code: 403, reason: 'sender not authenticated (the rules do not allowUnauthenticated)' });

/** An unauthenticated sender is refused unless the rules allow them (`allowUnauthenticated`). */
export function identity(authenticated: boolean, gate: Pick<Gate, 'config'>): Refuse | null {
  return authenticated || gate.config.allowUnauthenticated ? null : UNAUTHENTICATED;
}

/** Whose bucket the rate limit takes from: the authenticated user, else the source address
 *  (a claimed caller costs nothing to change). */
export function rateKey(who: Pick<Who, 'user' | 'authenticated' | 'source'>): string {
  return who.authenticated ? who.user : `unauthenticated from ${who.source}`;
}

/** The rules' deny lists: `caller` (the sender, publisher or watcher) and `called`. */
export function deny(subjects: { readonly caller: string; readonly called?: string }, gate: Pick<Gate, 'config'>): Refuse | null {
  const denied = isDenied(gate.config, subjects);
  return denied ? refuse(403, `${denied} denied by the rules`) : null;
}

/** Who a request is admitted as: the user, whether ysipchan authenticated them, and the
 *  rate-limit bucket it takes from (rateKey). */
export interface Sender {
  readonly user: string;
  readonly authenticated: boolean;
  readonly rateKey: string;
}

/** Take one token from the sender's bucket; the refusal when there is none: 503 with
 *  Retry-After, or the rules' rateLimit.code. `label` names the sender in the reason. */
export function rate(sender: Pick<Sender, 'user' | 'rateKey'>, gate: Gate, label = 'sender'): Refuse | null {
  const r = gate.rate(sender.rateKey);
  if (r.ok) return null;
  const code = gate.config.rateLimit ? gate.config.rateLimit.code : 503;
  return {
    kind: 'refuse', code, reason: `${label} ${sender.user} over the rate limit`, rateLimited: true,
    ...(code === 503 ? { headers: { 'Retry-After': String(r.retryAfterSeconds) } } : {}),
  };
}

/** The whole admission in its usual order: identity, the kind's own checks (content type,
 *  size...), the deny lists, the rate limit (a refused request takes no token). */
export function admit(sender: Sender, gate: Gate, own: () => Refuse | null, subjects: { readonly caller: string; readonly called?: string }): Refuse | null {
  return identity(sender.authenticated, gate) ?? own() ?? deny(subjects, gate) ?? rate(sender, gate);
}
