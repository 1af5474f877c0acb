// The time a MESSAGE handler has for the sender's answer (the rules' delivery.waitMs, within
// Yate's deadline for the module), and what yate-chat's own delivery came to: shared by the slow
// paths (slow-path.ts) and the fork (fork.ts).
import type { HandlerContext } from '../../engine/handlers.js';
import type { Room } from './room.js';

export interface Budget {
  readonly until: number;
  /** True once the message was answered without us (its deadline passed). */
  answered(): boolean;
}

const NEVER_ANSWERED = (): boolean => false;

/** The budget of a handler starting now: the rules' waitMs, within the handler deadline. */
export function budgetFor(m: Room, hctx?: HandlerContext): Budget {
  const k = m.kernel;
  return {
    until: Date.now() + Math.max(50, Math.min(k.config.delivery.waitMs, k.conn.deadlineMs - 500)),
    answered: hctx ? () => hctx.aborted : NEVER_ANSWERED,
  };
}

export function remaining(b: Budget): number {
  return Math.max(1, b.until - Date.now());
}

/** What yate-chat's own handling of a MESSAGE came to, for the sender. */
export interface Outcome {
  readonly code: number;
  /** For the log line: where it went or why not. */
  readonly detail: string;
  /** Extra SIP headers for the sender's answer (Retry-After). */
  readonly headers?: Readonly<Record<string, string>>;
  /** false: it went nowhere (refused here, not kept, a group's command answered): the history
   *  does not keep it. */
  readonly routed?: false;
}

