// The push room: waking a device that may sleep (RFC 8599: its Contact carries pn-provider,
// pn-prid, pn-param) when a copy of a message waits for it, through the gateway the rules name
// (`push`, client.ts). What it offers the composition root (module.ts): `owed`, which the fork
// calls when it keeps a copy for a device, and `registered`, for each REGISTER of a device.
//
// Rules (Flexisip's): no push for is-composing (never kept anyway), delivery and display receipts
// (message/imdn+xml) or a MESSAGE marked `Priority: non-urgent`; at most one push per waiting
// batch: once a device was woken, the copies kept for it after that wake it no more until it
// registers (it then gets them all). A node knows the pushes it sent itself: with several nodes
// on one store, each may wake a device once for the copies it kept.
//
//   client.ts   the signed POST to the gateway, retries bounded
import { baseMimeType } from '../../config/index.js';
import { toText } from '../../protocol/bytes.js';
import type { Kernel } from '../core/kernel.js';
import type { Outgoing } from '../core/outgoing.js';
import type { Device } from '../core/registrations.js';
import { Semaphore } from '../core/semaphore.js';
import { IMDN_TYPE, ISCOMPOSING_TYPE } from '../core/vocabulary.js';
import { payloadOf, sendPush } from './client.js';

export { payloadOf, sendPush, type PushPayload, type PushOutcome, type PushTarget } from './client.js';

export interface Pushes {
  /** A copy of stored message `id` waits for `device` of `user`: wake it when it may sleep and
   *  the message is worth it (never rejects, never waits for the gateway). */
  owed(user: string, device: Device, out: Outgoing, id: number): void;
  /** `device` of `user` registered: its batch is going out, the next copy kept wakes it again. */
  registered(user: string, device: string): void;
  /** Pushes still running are left to finish (or time out) on their own. */
  close(): void;
}

/** Pushes at once; more wait, up to a bound past which they are dropped (and counted failed). */
const IN_FLIGHT = 8;
const WAITING = 1000;
/** Devices remembered as woken at most (the oldest woken is forgotten first: woken again). */
const REMEMBERED = 100_000;

/** Why `out` does not wake a device: '' when it does. */
export function noPushReason(out: Pick<Outgoing, 'type' | 'priority'>): string {
  const type = baseMimeType(out.type);
  if (type === ISCOMPOSING_TYPE) return 'an is-composing indication';
  if (type === IMDN_TYPE) return 'a receipt';
  if (out.priority?.trim().toLowerCase() === 'non-urgent') return 'Priority: non-urgent';
  return '';
}

export function createPushes(k: Kernel): Pushes {
  const woken = new Set<string>();
  const slots = new Semaphore(IN_FLIGHT, WAITING);
  const name = (user: string, device: string) => `${user}\n${device}`;

  async function wake(user: string, device: Device, out: Outgoing, id: number): Promise<void> {
    const push = k.config.push;
    if (!push || !device.push) return;
    const who = `${toText(user)} (${device.push.provider} device ${toText(device.key)}, message ${id})`;
    try {
      const o = await slots.run(() => sendPush(push, payloadOf({ push: device.push!, sender: out.sender, recipient: user, device: device.key, messageId: id, type: out.type, sentAt: out.sentAt ?? Date.now() })));
      if (o.kind === 'answered' && o.status >= 200 && o.status < 300) {
        k.stats.pushes.sent++;
        k.log.info(`push: woke ${who}: gateway answered ${o.status}`);
      } else if (o.kind === 'answered') {
        k.stats.pushes.refused++;
        k.log.warn(`push: gateway refused to wake ${who}: ${o.status}`);
      } else {
        k.stats.pushes.failed++;
        k.log.warn(`push: could not wake ${who} after ${o.attempts} attempt(s): ${o.reason}`);
      }
    } catch (err) {
      k.stats.pushes.failed++;
      k.log.warn(`push: could not wake ${who}: ${(err as Error).message}`);
    }
  }

  return {
    owed(user, device, out, id) {
      if (!device.push || !k.config.push) return;
      if (noPushReason(out)) {
        k.stats.pushes.skipped++;
        return;
      }
      const key = name(user, device.key);
      if (woken.has(key)) return; // this batch has its push already
      woken.add(key);
      if (woken.size > REMEMBERED) woken.delete(woken.values().next().value!);
      void wake(user, device, out, id);
    },
    registered(user, device) {
      woken.delete(name(user, device));
    },
    close() {
      woken.clear();
    },
  };
}
