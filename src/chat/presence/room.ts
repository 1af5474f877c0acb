// What the presence room needs from outside it (module.ts hands it over): the kernel, the
// registration view as presence reads it, and whether the store is shared by several nodes.
import type { Kernel } from '../core/kernel.js';
import type { Target } from '../core/sip.js';

/** The registration view, as presence reads it (core/registrations.ts). */
export interface PresenceView {
  /** Live contacts of `user` ([] when not held). */
  targets(user: string, now?: number): Target[];
  /** Has `user` registered since we started? */
  seen(user: string): boolean;
  /** When `user`'s next live registration expires (ms), Infinity when none does. */
  nextExpiry(user: string): number;
}

export interface PresenceDeps {
  readonly kernel: Kernel;
  readonly view: PresenceView;
  /** Several Yate nodes share the store: not registered here says nothing of the others. */
  readonly clustered: boolean;
}
