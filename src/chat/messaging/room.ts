// What the messaging room works with, and what it needs from outside it (the composition root,
// module.ts, hands it over): the kernel, the registration view, and the offline queue's keeping
// of a message, as narrow interfaces. Read-only: nothing here is filled in or replaced later.
import type { Kernel } from '../core/kernel.js';
import type { Held, Outgoing } from '../core/outgoing.js';
import type { Target } from '../core/sip.js';
import type { World } from './decide.js';

/** The offline queue, as messaging uses it (offline/queue.ts implements it). */
export interface Keeper {
  /** Keep `out` for `recipient`: the code for the sender (202 kept, 480 quota, 503 full, 413, 500). */
  keep(out: Outgoing, recipient: string): Promise<number>;
  /** Keep `out` while a delivery of it is under way, before the sender hears 202. */
  hold(out: Outgoing, recipient: string): Promise<Held>;
  /** Would messages for `user` be kept? (offline.knownUsers) */
  isKnown(user: string, routerError: string | null): boolean;
}

/** The registration view, as messaging uses it (core/registrations.ts). */
export interface View {
  /** Live contacts of `user` ([] when not held). */
  targets(user: string): Target[];
  /** The domain `user` last registered in ('' when none). */
  domainOf(user: string): string;
}

export interface MessagingDeps {
  readonly kernel: Kernel;
  readonly view: View;
  /** null when the offline store is off. */
  readonly keeper: Keeper | null;
}

/** The room's own context: its dependencies and the decision's view of the world. */
export interface Room extends MessagingDeps {
  readonly world: World;
}

export function roomOf(deps: MessagingDeps): Room {
  const { kernel, view, keeper } = deps;
  return {
    ...deps,
    world: {
      get config() { return kernel.config; },
      contacts: (user) => view.targets(user),
      known: (user, routerError) => keeper?.isKnown(user, routerError) ?? false,
      rate: (key) => kernel.rate(key),
    },
  };
}
