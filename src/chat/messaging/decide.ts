// THE routing decision for a MESSAGE, whichever face it came by (sip.message, ysipchan's native
// call.route, the HTTP API, `chat send`): the checks, the rules, where it goes. Pure: what it
// needs to know about the world (registrations, known users, the sender's rate) comes in as
// functions, and the answer is a value the path-specific code carries out.
//
//   sender not authenticated by ysipchan   403 (unless the rules say allowUnauthenticated)
//   no Content-Type / type not accepted    415      body over maxBodyBytes         413
//   no recipient                           404      no sender                      403
//   antiloop exhausted                     483      sender/recipient denied        403
//   sender over the rate limit             503 + Retry-After (or 403)
//   alias to a sip:/sips: URI              deliver there
//   alias to a user                        route that user instead
//   a webhook address (rules `webhooks`)   POST it to the webhook, answer from its answer
//   a group (rules `groups`, the store)    a copy to each member (groups/): 403 when its writer
//                                          may not write to it (members only by default)
//   registered: one device, no push        deliver to it           <- the fast path
//   registered: several devices, or one that may sleep (RFC 8599)
//                                          a copy to each device (fork.ts), late copies kept
//   otherwise                              ask Yate's routers (call.route), then afterLookup():
//     a route                              deliver to it (several: to each)
//     none, the user is known              keep it for later (202)
//     none, unknown                        480 when the router says the user is offline, else 404
import { acceptsContentType, resolveAlias, type Config, type RateDecision } from '../../config/index.js';
import { admit as admitRequest, refuse, type Refuse } from '../core/admission.js';
import type { Device } from '../core/registrations.js';
import type { Target } from '../core/sip.js';

export type { Refuse } from '../core/admission.js';

export interface Ask {
  /** The sender as routed: the authenticated user (the claimed caller only when unauthenticated
   *  senders are allowed). */
  readonly sender: string;
  /** Did ysipchan authenticate the sender (`username`)? */
  readonly authenticated: boolean;
  /** Whose bucket the rate limit takes from (core/admission.ts rateKey). */
  readonly rateKey: string;
  readonly called: string;
  /** Content type; undefined when the request had none. */
  readonly type: string | undefined;
  readonly bodyLength: number;
  readonly antiloop: number;
}

export interface World {
  readonly config: Config;
  /** Live devices of a user as the registration view holds them ([] = not held). */
  devices(user: string): readonly Device[];
  /** Would the offline store keep messages for this user? (false when the store is off) */
  known(user: string, routerError: string | null): boolean;
  /** Take one message's token from the sender's bucket. */
  rate(sender: string): RateDecision;
  /** The group called `name` now, or null. */
  group(name: string): GroupView | null;
}

/** A group, as the decision sees it. */
export interface GroupView {
  readonly writers: 'members' | 'anyone';
  has(user: string): boolean;
}

export type Decision =
  | Refuse
  /** Send to these targets (one: the fast path when it is SIP). `recipient`: the user after aliases. */
  | { readonly kind: 'deliver'; readonly recipient: string; readonly targets: readonly Target[] }
  /** `recipient` has several live devices, or one that may sleep: a copy to each (fork.ts). */
  | { readonly kind: 'fork'; readonly recipient: string; readonly devices: readonly Device[] }
  /** The view does not know the recipient: ask Yate's routers, then call afterLookup(). */
  | { readonly kind: 'lookup'; readonly recipient: string }
  /** Keep it in the offline store and answer 202. */
  | { readonly kind: 'keep'; readonly recipient: string; readonly why: string }
  /** `recipient` is a webhook address: POST the message to `url` (webhook.ts). */
  | { readonly kind: 'webhook'; readonly recipient: string; readonly url: string }
  /** `recipient` is a group: a copy to each of its members (groups/). */
  | { readonly kind: 'group'; readonly recipient: string };

/** The checks every MESSAGE passes first (core/admission.ts, with a MESSAGE's own between
 *  identity and the deny lists); null when it may go on. */
export function admit(ask: Ask, world: Pick<World, 'config' | 'rate'>): Refuse | null {
  const { config } = world;
  return admitRequest({ user: ask.sender, authenticated: ask.authenticated, rateKey: ask.rateKey }, world, () => {
    if (!ask.type) return refuse(415, 'no Content-Type');
    if (!acceptsContentType(config, ask.type)) return refuse(415, `content type ${ask.type} not accepted`);
    if (ask.bodyLength > config.maxBodyBytes) return refuse(413, `body of ${ask.bodyLength} bytes exceeds ${config.maxBodyBytes}`);
    if (!ask.called) return refuse(404, 'no recipient');
    if (!ask.sender) return refuse(403, 'no sender');
    if (ask.antiloop <= 0) return refuse(483, 'loop detected (antiloop exhausted)');
    return null;
  }, { caller: ask.sender, called: ask.called });
}

/** The user a message for `called` is for, after the aliases (null: an alias to an outside
 *  URI, returned as `uri`). One rule for every path: the decision, the native router, a
 *  message ysipchan could not send. */
export function recipientOf(config: Pick<Config, 'aliases'>, called: string): { readonly user: string; readonly uri: null } | { readonly user: null; readonly uri: string } {
  const alias = resolveAlias(config, called);
  if (alias?.kind === 'uri') return { user: null, uri: alias.uri };
  return { user: alias ? alias.user : called, uri: null };
}

/** The webhook URL of `recipient` when it is a webhook address (rules `webhooks`), else null. */
export function webhookOf(config: Pick<Config, 'webhooks'>, recipient: string): string | null {
  return Object.hasOwn(config.webhooks, recipient) ? config.webhooks[recipient]! : null;
}

/** Where a message for `called` goes: aliases, webhooks, groups, then the registration view, else
 *  ask Yate. */
export function route(called: string, world: Pick<World, 'config' | 'devices'> & Partial<Pick<World, 'group'>>): Decision {
  const { config } = world;
  const to = recipientOf(config, called);
  // To an outside URI: the To header keeps the name the sender wrote.
  if (to.uri !== null) return { kind: 'deliver', recipient: called, targets: [{ callto: `sip/${to.uri}`, params: {} }] };
  const recipient = to.user;
  const url = webhookOf(config, recipient);
  if (url !== null) return { kind: 'webhook', recipient, url };
  if (world.group?.(recipient)) return { kind: 'group', recipient };
  return toDevices(recipient, world);
}

/** Where a message for user `recipient` goes by the registration view: one device without push
 *  parameters takes the fast path as ever; several devices, or one that may sleep, a fork (at
 *  most delivery.maxTargets, the latest registered); none, a lookup. */
export function toDevices(recipient: string, world: Pick<World, 'config' | 'devices'>): Decision {
  const devices = world.devices(recipient);
  if (devices.length === 1 && devices[0]!.push === null) return { kind: 'deliver', recipient, targets: [devices[0]!.target] };
  if (devices.length) return { kind: 'fork', recipient, devices: devices.slice(-world.config.delivery.maxTargets) };
  return { kind: 'lookup', recipient };
}

export function decide(ask: Ask, world: World): Decision {
  const d = admit(ask, world) ?? route(ask.called, world);
  return d.kind === 'group' ? mayWrite(ask.sender, d, world) : d;
}

/** A group takes messages from its members only, unless it says anyone may write (groupPolicy). */
function mayWrite(sender: string, d: Extract<Decision, { kind: 'group' }>, world: Pick<World, 'group'>): Decision {
  const g = world.group(d.recipient);
  if (!g || g.writers === 'anyone' || g.has(sender)) return d;
  return refuse(403, `${sender} is not a member of group ${d.recipient}`);
}

/** What Yate's routers answered for `recipient`: its routes, or the router's `error` when none. */
export interface Lookup {
  readonly targets: readonly Target[];
  readonly error: string | null;
}

export function afterLookup(recipient: string, found: Lookup, world: Pick<World, 'config' | 'known'>): Decision {
  if (found.targets.length) return { kind: 'deliver', recipient, targets: found.targets.slice(0, world.config.delivery.maxTargets) };
  if (world.known(recipient, found.error)) return { kind: 'keep', recipient, why: found.error ?? 'not registered' };
  const offline = found.error === 'offline';
  return refuse(offline ? 480 : 404, `no route to ${recipient}${found.error ? ` (${found.error})` : ''}`);
}
