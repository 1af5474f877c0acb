// THE routing decision for a MESSAGE, whichever SIP path it came by (sip.message, or ysipchan's
// native call.route) and for `chat send`: the checks, the rules, where it goes. Pure: what it
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
//   registered (the view holds a contact)  deliver to it           <- the fast path
//   otherwise                              ask Yate's routers (call.route), then afterLookup():
//     a route                              deliver to it (several: to each)
//     none, the user is known              keep it for later (202)
//     none, unknown                        480 when the router says the user is offline, else 404
import { acceptsContentType, baseMimeType, isDenied, resolveAlias, type Config, type RateDecision } from '../config/index.js';
import type { Target } from './sip.js';

export interface Ask {
  /** The sender as routed: the authenticated user (the claimed caller only when unauthenticated
   *  senders are allowed). */
  readonly sender: string;
  /** Did ysipchan authenticate the sender (`username`)? */
  readonly authenticated: boolean;
  /** Whose bucket the rate limit takes from: the authenticated user, else the source address
   *  (a claimed caller costs nothing to change). */
  readonly rateKey: string;
  readonly called: string;
  /** Content type; undefined when the request had none. */
  readonly type: string | undefined;
  readonly bodyLength: number;
  readonly antiloop: number;
}

export interface World {
  readonly config: Config;
  /** Live contacts of a user as the registration view holds them ([] = not held). */
  contacts(user: string): readonly Target[];
  /** Would the offline store keep messages for this user? (false when the store is off) */
  known(user: string, routerError: string | null): boolean;
  /** Take one message's token from the sender's bucket. */
  rate(sender: string): RateDecision;
}

export interface Refuse {
  readonly kind: 'refuse';
  readonly code: number;
  readonly reason: string;
  /** Extra SIP headers for the answer (Retry-After). */
  readonly headers?: Readonly<Record<string, string>>;
  /** Refused by the sender's rate limit (counted apart in the status). */
  readonly rateLimited?: true;
}

export type Decision =
  | Refuse
  /** Send to these targets (one: the fast path when it is SIP). `recipient`: the user after aliases. */
  | { readonly kind: 'deliver'; readonly recipient: string; readonly targets: readonly Target[] }
  /** The view does not know the recipient: ask Yate's routers, then call afterLookup(). */
  | { readonly kind: 'lookup'; readonly recipient: string }
  /** Keep it in the offline store and answer 202. */
  | { readonly kind: 'keep'; readonly recipient: string; readonly why: string }
  /** `recipient` is a webhook address: POST the message to `url` (webhook.ts). */
  | { readonly kind: 'webhook'; readonly recipient: string; readonly url: string };

/** The checks every MESSAGE passes first; null when it may go on. */
export function admit(ask: Ask, world: Pick<World, 'config' | 'rate'>): Refuse | null {
  const { config } = world;
  if (!ask.authenticated && !config.allowUnauthenticated) return UNAUTHENTICATED;
  if (!ask.type) return refuse(415, 'no Content-Type');
  if (!acceptsContentType(config, ask.type)) return refuse(415, `content type ${ask.type} not accepted`);
  if (ask.bodyLength > config.maxBodyBytes) return refuse(413, `body of ${ask.bodyLength} bytes exceeds ${config.maxBodyBytes}`);
  if (!ask.called) return refuse(404, 'no recipient');
  if (!ask.sender) return refuse(403, 'no sender');
  if (ask.antiloop <= 0) return refuse(483, 'loop detected (antiloop exhausted)');
  const denied = isDenied(config, { caller: ask.sender, called: ask.called });
  if (denied) return refuse(403, `${denied} denied by the rules`);
  return rateLimit(ask, world);
}

/** What a PUBLISH (presence, sip.publish) is asked: who publishes, and what. */
export interface PublishAsk {
  /** The presence owner: the authenticated user (as for Ask.sender). */
  readonly sender: string;
  readonly authenticated: boolean;
  readonly rateKey: string;
  readonly type: string | undefined;
  readonly bodyLength: number;
  /** A body-less PUBLISH with SIP-If-Match (RFC 3903 refresh or removal): no type, no body. */
  readonly refresh: boolean;
}

export const PIDF_TYPE = 'application/pidf+xml';

/** The checks a PUBLISH passes, like a MESSAGE's: who (authenticated, denied), what (PIDF, the
 *  body size limit), how often (the sender's rate limit, the same bucket as its MESSAGEs). */
export function admitPublish(ask: PublishAsk, world: Pick<World, 'config' | 'rate'>): Refuse | null {
  const { config } = world;
  if (!ask.authenticated && !config.allowUnauthenticated) return UNAUTHENTICATED;
  if (!ask.sender) return refuse(403, 'no publisher');
  if (!ask.refresh) {
    if (!ask.type || baseMimeType(ask.type) !== PIDF_TYPE) return refuse(415, `presence must be ${PIDF_TYPE}`);
    if (ask.bodyLength > config.maxBodyBytes) return refuse(413, `body of ${ask.bodyLength} bytes exceeds ${config.maxBodyBytes}`);
  }
  if (isDenied(config, { caller: ask.sender })) return refuse(403, 'caller denied by the rules');
  return rateLimit(ask, world);
}

/** Take one token from the sender's bucket; the refusal when there is none. */
function rateLimit(ask: Pick<Ask, 'sender' | 'rateKey'>, world: Pick<World, 'config' | 'rate'>): Refuse | null {
  const rate = world.rate(ask.rateKey);
  if (rate.ok) return null;
  const code = world.config.rateLimit ? world.config.rateLimit.code : 503;
  return {
    kind: 'refuse', code, reason: `sender ${ask.sender} over the rate limit`, rateLimited: true,
    ...(code === 503 ? { headers: { 'Retry-After': String(rate.retryAfterSeconds) } } : {}),
  };
}

/** Where a message for `called` goes: aliases, webhooks, then the registration view, else ask Yate. */
export function route(called: string, world: Pick<World, 'config' | 'contacts'>): Decision {
  const { config } = world;
  const alias = resolveAlias(config, called);
  // To an outside URI: the To header keeps the name the sender wrote.
  if (alias?.kind === 'uri') return { kind: 'deliver', recipient: called, targets: [{ callto: `sip/${alias.uri}`, params: {} }] };
  const recipient = alias ? alias.user : called;
  if (Object.hasOwn(config.webhooks, recipient)) return { kind: 'webhook', recipient, url: config.webhooks[recipient]! };
  const contacts = world.contacts(recipient);
  if (contacts.length) return { kind: 'deliver', recipient, targets: contacts.slice(0, config.delivery.maxTargets) };
  return { kind: 'lookup', recipient };
}

export function decide(ask: Ask, world: World): Decision {
  return admit(ask, world) ?? route(ask.called, world);
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

const UNAUTHENTICATED: Refuse = Object.freeze({ kind: 'refuse', code: 403, reason: 'sender not authenticated (the rules do not allowUnauthenticated)' });

function refuse(code: number, reason: string): Refuse {
  return { kind: 'refuse', code, reason };
}
