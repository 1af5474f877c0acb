// What the messaging room works with, and what it needs from outside it (the composition root,
// module.ts, hands it over): the kernel, the registration view, the offline queue's keeping of a
// message, the groups and the history's recording, as narrow interfaces. Read-only: nothing here
// is filled in or replaced later.
import type { Kernel } from '../core/kernel.js';
import type { Held, Outgoing } from '../core/outgoing.js';
import type { Device } from '../core/registrations.js';
import type { GroupView, World } from './decide.js';

/** The offline queue, as messaging uses it (offline/queue.ts implements it). */
export interface Keeper {
  /** Keep `out` for `recipient`: the code for the sender (202 kept, 480 quota, 503 full, 413, 500). */
  keep(out: Outgoing, recipient: string): Promise<number>;
  /** Keep `out` while a delivery of it is under way, before the sender hears 202. */
  hold(out: Outgoing, recipient: string): Promise<Held>;
  /** Would messages for `user` be kept? (offline.knownUsers) */
  isKnown(user: string, routerError: string | null): boolean;
  /** Keep a fork's copies of `out` for the devices of `recipient` owed one, noting those that
   *  took it and those that refused it for good; those `inFlight` (still to answer) are not sent
   *  again until settled: the code as keep() gives it, the id once kept. */
  keepCopies(out: Outgoing, recipient: string, copies: { readonly owedBy: readonly string[]; readonly tookBy: readonly string[]; readonly refusedBy: readonly string[] }, inFlight?: readonly string[]): Promise<{ readonly code: number; readonly id: number | null }>;
  /** A device answered late a copy kept with keepCopies: took it (true), refused it for good
   *  (false), failed for now (null: it stays owed). */
  settled(id: number, device: string, took: boolean | null): void;
}

/** The push room, as messaging uses it (push/index.ts implements it). */
export interface Waker {
  /** A copy of stored message `id` waits for `device` of `user`: wake it if it may sleep. */
  owed(user: string, device: Device, out: Outgoing, id: number): void;
}

/** The groups, as messaging uses them (groups/index.ts implements it). */
export interface GroupPost {
  /** The group called `name` now (the rules' or the store's), or null. */
  find(name: string): GroupView | null;
  /** Carry `out`, written to group `group`, to its members (each copy routed like any message,
   *  through what module.ts gave the groups room): what its writer is told. `until`: the sender's
   *  answer cannot wait past it (ms since the epoch). Never rejects. */
  post(out: Outgoing, group: string, until: number): Promise<{ readonly code: number; readonly detail: string; readonly routed?: false }>;
}

/** The history, as messaging uses it (history/index.ts implements it): told of every MESSAGE
 *  that went somewhere, once, as the sender's answer is decided. Never blocks, never throws. */
export interface Recorder {
  /** `out` went to `recipient` (a group when `group`), and its sender was told `outcome` (0:
   *  handed to ysipchan, which answers with the far end's own code). */
  record(out: Outgoing, recipient: string, group: boolean, outcome: number): void;
}

/** The registration view, as messaging uses it (core/registrations.ts). */
export interface View {
  /** Live devices of `user` ([] when not held). */
  devices(user: string): readonly Device[];
  /** The domain `user` last registered in ('' when none). */
  domainOf(user: string): string;
}

export interface MessagingDeps {
  readonly kernel: Kernel;
  readonly view: View;
  /** null when the offline store is off. */
  readonly keeper: Keeper | null;
  /** null when no push gateway can be configured (tests). */
  readonly waker: Waker | null;
  /** null when there are no groups to post to (tests). */
  readonly groups: GroupPost | null;
  /** null when the history is off. */
  readonly recorder: Recorder | null;
}

/** The room's own context: its dependencies and the decision's view of the world. */
export interface Room extends MessagingDeps {
  readonly world: World;
}

export function roomOf(deps: MessagingDeps): Room {
  const { kernel, view, keeper, groups } = deps;
  return {
    ...deps,
    world: {
      get config() { return kernel.config; },
      devices: (user) => view.devices(user),
      known: (user, routerError) => keeper?.isKnown(user, routerError) ?? false,
      group: (name) => groups?.find(name) ?? null,
      rate: (key) => kernel.rate(key),
    },
  };
}
