// Pure questions the chat pipeline asks the configuration. No I/O, no state.

import { baseMimeType } from './pattern.js';
import type { Config, Pattern } from './types.js';

/** Most alias-to-alias substitutions followed for one called number. */
export const MAX_ALIAS_HOPS = 5;

/** Exact patterns compare the whole string (case matters); regex patterns search it. */
export function matchesPattern(pattern: Pattern, value: string): boolean {
  return pattern.kind === 'exact' ? pattern.text === value : pattern.regex.test(value);
}

/**
 * Which deny list refuses this message: 'caller' when the sender matches `deny.callers`,
 * else 'callee' when the recipient matches `deny.callees`, else null. A missing value
 * matches no pattern.
 */
export function isDenied(
  config: Pick<Config, 'deny'>,
  message: { readonly caller?: string | null; readonly called?: string | null },
): 'caller' | 'callee' | null {
  const { caller, called } = message;
  if (caller != null && config.deny.callers.some((p) => matchesPattern(p, caller))) return 'caller';
  if (called != null && config.deny.callees.some((p) => matchesPattern(p, called))) return 'callee';
  return null;
}

export type AliasTarget = { readonly kind: 'user'; readonly user: string } | { readonly kind: 'uri'; readonly uri: string };

export type AliasTrace =
  | { readonly ok: true; readonly target: AliasTarget | null; readonly chain: readonly string[] }
  | { readonly ok: false; readonly reason: 'loop' | 'too-long'; readonly chain: readonly string[] };

const isUri = (s: string): boolean => /^sips?:/i.test(s);

/**
 * Follows `called` through the aliases. `chain` lists the names visited, `called` first.
 * ok with target null: `called` is no alias. loop: a name came back. too-long: more than
 * MAX_ALIAS_HOPS substitutions.
 */
export function traceAlias(aliases: Readonly<Record<string, string>>, called: string): AliasTrace {
  const chain = [called];
  let current = called;
  for (let hops = 0; ; hops++) {
    if (!Object.hasOwn(aliases, current)) {
      return { ok: true, target: hops === 0 ? null : { kind: 'user', user: current }, chain };
    }
    if (hops === MAX_ALIAS_HOPS) return { ok: false, reason: 'too-long', chain };
    const next = aliases[current] as string;
    if (isUri(next)) return { ok: true, target: { kind: 'uri', uri: next }, chain: [...chain, next] };
    if (chain.includes(next)) return { ok: false, reason: 'loop', chain: [...chain, next] };
    chain.push(next);
    current = next;
  }
}

/**
 * Where an aliased called number goes: a local user (route it again through call.route) or
 * a sip:/sips: URI (deliver there). null when `called` is no alias, or its chain loops or
 * needs more than MAX_ALIAS_HOPS hops (loadConfig refuses such files; this guards a
 * hand-built Config).
 */
export function resolveAlias(config: Pick<Config, 'aliases'>, called: string): AliasTarget | null {
  const trace = traceAlias(config.aliases, called);
  return trace.ok ? trace.target : null;
}

/**
 * Whether a MESSAGE with this Content-Type is accepted: its base type (parameters dropped,
 * any case) equals a configured type, or falls under "type/*" or "*\/*". A missing or
 * malformed type is never accepted (answer 415).
 */
export function acceptsContentType(config: Pick<Config, 'contentTypes'>, contentType: string | null | undefined): boolean {
  const base = baseMimeType(contentType);
  if (base === null) return false;
  const major = base.slice(0, base.indexOf('/'));
  return config.contentTypes.some((range) => range === '*/*' || range === base || range === `${major}/*`);
}
