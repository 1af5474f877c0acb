// What the groups room needs from outside it (the composition root, module.ts, hands it over)
// and what it answers: read-only, nothing filled in later.
import type { GroupStore, SharedState } from '../../store/index.js';
import type { Kernel } from '../core/kernel.js';
import type { Outgoing } from '../core/outgoing.js';

/** What became of a copy, or of a message to a group: the SIP code and why. `routed` false: it
 *  went to nobody (no such group, a command, a receipt): the history does not keep it. */
export interface Posted {
  readonly code: number;
  readonly detail: string;
  readonly routed?: false;
}

/** Route and deliver one copy (`copy.called`: the member) the usual way: messaging's routeCopy.
 *  `until`: when the group's writer is answered (ms since the epoch). Never rejects. */
export type Send = (copy: Outgoing, until: number) => Promise<Posted>;

export interface GroupsDeps {
  readonly kernel: Kernel;
  /** Where run-time groups are kept; null when no store could be opened for them. */
  readonly store: GroupStore | null;
  readonly send: Send;
  /** Is `name` a user of this server (seen registering)? Such a name cannot become a group. */
  readonly isUser: (name: string) => boolean;
  /** The store several nodes share, when they do: another node's group changes are heard there. */
  readonly shared: Pick<SharedState, 'subscribe'> | null;
}
