// The offline room: messages kept for users who are not reachable now, delivered when they
// register (store-and-forward, like Kamailio's msilo). What it offers the composition root
// (module.ts): the queue (messaging keeps messages through it, the API faces read it) and what
// to do when a user registers here.
//
//   queue.ts    keeping, the delivery runs per user, the periodic retry
//   lease.ts    one node at a time delivers a user's messages (a shared store)
//   cluster.ts  several nodes, one store: what the others stored, who they saw register
import type { Target } from '../core/sip.js';
import { startOfflineCluster } from './cluster.js';
import { OfflineQueue, routeDevice, type DeviceRoute, type OfflineDeps } from './queue.js';

export type { DeviceRoute, Kept, OfflineDeps } from './queue.js';
export { OfflineQueue } from './queue.js';

export interface Offline {
  readonly queue: OfflineQueue;
  /** `user` registered on this node: `device` (the view holds it), or at `targets` (a route the
   *  view does not hold): deliver what waits for it. */
  registered(user: string, device: DeviceRoute | null, targets: readonly Target[]): void;
  close(): Promise<void>;
}

export function createOffline(deps: OfflineDeps & { readonly view: OfflineDeps['view'] & { know(user: string): void } }): Offline {
  const queue = new OfflineQueue(deps);
  const shared = deps.store.shared;
  const cluster = shared
    ? startOfflineCluster({
        kernel: deps.kernel, shared, view: deps.view,
        recipients: () => queue.store.recipients(),
        flush: (user) => void queue.flush(user),
      })
    : null;
  queue.start();
  return {
    queue,
    registered(user, device, targets) {
      cluster?.registered(user);
      queue.onRegister(user, device ? [device] : targets.map(routeDevice));
    },
    async close() {
      cluster?.close();
      await queue.close();
    },
  };
}
