// What yate-chat asks of Yate itself: where a user is (call.route with route_type=msg, so that
// regfile or any router answers) and to send a SIP request (ysipchan's xsip.generate with
// wait=true, whose `code` is the far end's real final answer). Every dispatch is timed into the
// round-trip counters and carries a timeout, so a lost answer cannot keep its entry forever.
import type { DispatchResult } from '../../engine/connection.js';
import { Params, type ParamInit } from '../../engine/params.js';
import type { Kernel } from './kernel.js';
import type { Semaphore } from './semaphore.js';
import { routeTargets, type Target } from './sip.js';
import { MARK } from './vocabulary.js';

export interface RouteLookup {
  readonly targets: Target[];
  /** The router's `error` param when there was no route (regfile says e.g. `offline`). */
  readonly error: string | null;
}

/** A route lookup Yate never answers is given up after this (ms) when no budget says sooner. */
export const LOOKUP_TIMEOUT_MS = 10_000;

/** A dispatch of ours, its round trip counted. */
export async function dispatch(k: Kernel, name: string, params: ParamInit, timeoutMs: number): Promise<DispatchResult> {
  const t0 = performance.now();
  const r = await k.conn.dispatch(name, params, { timeoutMs: Math.max(1, timeoutMs) });
  k.stats.roundTrip(performance.now() - t0);
  return r;
}

/** Ask Yate where `called` is (call.route with route_type=msg), at most delivery.maxTargets routes. */
export async function lookupRoute(k: Kernel, called: string, from: { readonly sender: string; readonly domain: string }, timeoutMs = LOOKUP_TIMEOUT_MS): Promise<RouteLookup> {
  const params = new Params([['called', called], ['caller', from.sender], ['domain', from.domain], ['route_type', 'msg'], [MARK, k.marker]]);
  const r = await dispatch(k, 'call.route', params, timeoutMs);
  const targets = routeTargets(r).slice(0, k.config.delivery.maxTargets);
  return { targets, error: targets.length ? null : r.message.get('error') || null };
}

/** What became of an xsip.generate with wait=true, as ysipchan tells it. */
export type GenerateOutcome =
  /** The far end's final code. */
  | { readonly code: number }
  /** Processed without a code: the transaction ended with no final answer at all (ysipchan clears `code`). */
  | { readonly noAnswer: true }
  /** ysipchan could not send it: its error name (noconn, offline, notransport, ...). */
  | { readonly error: string }
  /** Nothing handled xsip.generate (ysipchan.conf [general] generate=no): said once in Yate's log. */
  | { readonly unhandled: true };

/** Send one request through ysipchan in one of `pool`'s slots (the kernel's delivery slots
 *  unless told: NOTIFYs have their own). Rejects like Connection.dispatch (ENGINE_TIMEOUT after
 *  delivery.sendTimeoutMs, OVERLOADED when the pool's waiting line is full, LINE_TOO_LONG,
 *  NOT_CONNECTED). */
export async function generate(k: Kernel, params: Params, pool: Semaphore = k.slots): Promise<GenerateOutcome> {
  const r = await pool.run(() => dispatch(k, 'xsip.generate', params, k.config.delivery.sendTimeoutMs));
  const code = Number.parseInt(r.message.get('code') ?? '', 10);
  if (Number.isInteger(code) && code >= 100) return { code };
  if (r.processed) return { noAnswer: true };
  const error = r.message.get('error');
  if (error) return { error };
  k.warnOnce('generate', 'xsip.generate was not handled: set generate=yes in the [general] section of ysipchan.conf');
  return { unhandled: true };
}
