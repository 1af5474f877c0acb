// A MESSAGE for a user with several live devices, or one that may sleep (RFC 8599): a copy to
// each (at most delivery.maxTargets, decide.ts), what Flexisip does. yate-chat sends every copy
// itself (xsip.generate with wait=true, in its delivery slots) and waits, within the sender's
// budget (delivery.waitMs), for:
//
//   a device takes it (2xx)        200 at once; when every device has answered, the copies the
//                                  others did not take are kept for them (and a late-window
//                                  record for devices to come, offline.lateWindowSeconds)
//   every device answered, none took it
//                                  devices that answered a store code (offline.storeCodes: 408,
//                                  480, 503, 504), or that ysipchan could not reach, are owed a
//                                  copy: 202 once it is kept; none owed (every device refused for
//                                  good, with a code of its own): the best refusal
//   the budget ran out             the copies of the devices still silent (and of those that
//                                  answered a store code) are kept, then 202 (504 when they
//                                  cannot be); each late answer settles its copy (taken, refused
//                                  for good, or still owed), and no run sends it meanwhile
//
// A device that may sleep and is owed a copy is woken through the push room (Waker), which
// decides whether the message is worth it. is-composing is never kept nor pushed. Without the
// offline store nothing is kept: the sender hears the best answer, or 504 when the budget ran
// out. When every device answered and the copies owed cannot be kept (quota, store full or
// broken) the sender hears the store's code (480, 503, 500).
import { baseMimeType } from '../../config/index.js';
import { attempt, type Attempt } from '../core/deliver.js';
import { bestCode } from '../core/sip.js';
import type { Outgoing } from '../core/outgoing.js';
import type { Device } from '../core/registrations.js';
import { ISCOMPOSING_TYPE } from '../core/vocabulary.js';
import type { Decision } from './decide.js';
import type { Room } from './room.js';
import { remaining, type Budget, type Outcome } from './budget.js';

type Fork = Extract<Decision, { kind: 'fork' }>;

/** One device's copy: its answer once it came (null meanwhile). */
interface Copy {
  readonly device: Device;
  answer: Attempt | null;
  readonly sent: Promise<Attempt>;
}

const ok = (a: Attempt | null): boolean => a !== null && a.code >= 200 && a.code < 300;

export async function fork(room: Room, out: Outgoing, d: Fork, budget: Budget): Promise<Outcome> {
  // is-composing means nothing later: never kept (nor pushed), whatever the devices answer.
  const m: Room = baseMimeType(out.type) === ISCOMPOSING_TYPE ? { ...room, keeper: null } : room;
  const k = m.kernel;
  k.stats.forks++;
  const copies: Copy[] = d.devices.map((device) => {
    const copy: Copy = { device, answer: null, sent: attempt(k, device.target, out) };
    void copy.sent.then((a) => (copy.answer = a));
    return copy;
  });
  const all = Promise.all(copies.map((c) => c.sent));
  await firstOf(copies, all, remaining(budget));
  const took = copies.filter((c) => ok(c.answer));
  const silent = copies.filter((c) => c.answer === null);
  const names = (list: readonly Copy[]) => list.map((c) => c.device.key).join(', ');

  if (took.length) {
    k.stats.delivered++;
    void all.then(() => keepFor(m, out, d.recipient, copies, true));
    return { code: 200, detail: `delivered to ${names(took)}${silent.length ? ` (${silent.length} more device(s) still to answer)` : ''}` };
  }
  if (!silent.length) {
    const owed = copies.filter((c) => owes(m, c.answer));
    const best = bestCode(copies.map((c) => c.answer!.code));
    if (!owed.length || !m.keeper) return { code: best, detail: `no device took it (${copies.map((c) => `${c.device.key} ${c.answer!.code}`).join(', ')})` };
    const kept = await keepFor(m, out, d.recipient, copies, false);
    return kept.code === 202
      ? { code: 202, detail: `kept for ${names(owed)} (answered ${owed.map((c) => c.answer!.code).join(', ')})` }
      : { code: kept.code, detail: `no device took it, and the copies could not be kept (${kept.code})`, routed: false };
  }
  // The sender's budget is over: the silent devices' copies are kept now (202 only once they
  // are: issue 21), settled as they answer. Not kept: 504, for their fate is unknown.
  const kept = m.keeper ? await keepFor(m, out, d.recipient, copies, false, silent) : { code: 0, id: null };
  if (kept.code !== 202 || kept.id === null) {
    for (const c of silent) void c.sent.then((a) => ok(a) && k.stats.delivered++);
    const why = m.keeper ? `the store answered ${kept.code}` : 'the offline store is off';
    return { code: 504, detail: `no device took it in time (${names(silent)} still to answer), and the copies could not be kept (${why}): it may still arrive` };
  }
  for (const c of silent) {
    void c.sent.then((a) => {
      if (ok(a)) k.stats.delivered++;
      m.keeper?.settled(kept.id!, c.device.key, ok(a) ? true : refused(m, a) ? false : null);
    });
  }
  return { code: 202, detail: `kept for ${names(silent)}, still to answer` };
}

/** Resolves at the first 2xx, once every copy has its answer, or after `ms`. */
function firstOf(copies: readonly Copy[], all: Promise<unknown>, ms: number): Promise<void> {
  return new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, ms);
    const done = () => {
      clearTimeout(timer);
      resolve();
    };
    for (const c of copies) void c.sent.then((a) => ok(a) && done());
    void all.then(done);
  });
}

/** A device that did not take it is owed a copy: still silent, a store code (offline.storeCodes),
 *  or a code yate-chat or ysipchan stood in with (nothing reached it, no answer at all). */
function owes(m: Room, a: Attempt | null): boolean {
  return a === null || !a.farEnd || m.kernel.config.offline.storeCodes.includes(a.code);
}

/** A final refusal, in the device's own words: no copy, and it never gets the message again. */
function refused(m: Room, a: Attempt): boolean {
  return !ok(a) && !owes(m, a);
}

/**
 * Keep the copies as the answers stand (a device still to answer is owed one for now). Nothing
 * is kept when no device is owed one and no late window is asked for (or every device refused).
 * Wakes the devices owed a copy that may sleep. Resolves with the keeper's answer (202 and the
 * id when kept; {code: 200, id: null} when nothing needed keeping). `after`: the sender was
 * answered already, so a copy that cannot be kept is only said in the log.
 */
async function keepFor(m: Room, out: Outgoing, recipient: string, copies: readonly Copy[], after: boolean, silent: readonly Copy[] = []): Promise<{ code: number; id: number | null }> {
  const k = m.kernel;
  if (!m.keeper) return { code: 200, id: null };
  const tookBy = copies.filter((c) => ok(c.answer)).map((c) => c.device.key);
  const owed = copies.filter((c) => !ok(c.answer) && owes(m, c.answer));
  const refusedBy = copies.filter((c) => c.answer !== null && refused(m, c.answer)).map((c) => c.device.key);
  const late = tookBy.length > 0 && k.config.offline.lateWindowSeconds > 0;
  if (!owed.length && !late) return { code: 200, id: null };
  const kept = await m.keeper.keepCopies(out, recipient, { owedBy: owed.map((c) => c.device.key), tookBy, refusedBy }, silent.map((c) => c.device.key));
  if (kept.code !== 202 || kept.id === null) {
    if (after && owed.length) k.log.warn(`copies of a message from ${out.sender} to ${recipient} for ${owed.map((c) => c.device.key).join(', ')} could not be kept (${kept.code})`);
    return kept;
  }
  for (const c of owed) if (c.device.push) m.waker?.owed(recipient, c.device, out, kept.id);
  return kept;
}
