// Small SIP helpers: routes as Yate writes them, From headers, content types, best codes.
import type { DispatchResult } from '../../engine/connection.js';

/** One place a message can go: a Yate route (`sip/sip:234@host:port`, `jabber/...`) and its params. */
export interface Target {
  readonly callto: string;
  /** Route params that must follow the message (e.g. `oconnection_id`). */
  readonly params: Readonly<Record<string, string>>;
}

const ROUTE_PARAMS = ['oconnection_id', 'line', 'osip_transport'];

/** Targets from a call.route answer or a msg.execute: one route, or `fork` with callto.1..N. */
export function targetsOf(retvalOrCallto: string, params: (name: string) => string | undefined): Target[] {
  const route = retvalOrCallto.trim();
  if (!route || route === '-' || route === 'error') return [];
  if (route !== 'fork') return [{ callto: route, params: pick(params, '') }];
  const out: Target[] = [];
  for (let i = 1; i < 1000; i++) {
    const callto = params(`callto.${i}`);
    if (callto === undefined) break;
    if (callto && callto !== '|' && callto !== '-') out.push({ callto, params: pick(params, `callto.${i}.`) });
  }
  return out;
}

function pick(params: (name: string) => string | undefined, prefix: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const n of ROUTE_PARAMS) {
    const v = params(prefix + n) ?? (prefix ? params(n) : undefined);
    if (v) out[n] = v;
  }
  return out;
}

export function routeTargets(r: DispatchResult): Target[] {
  return r.processed ? targetsOf(r.message.retval, (n) => r.message.get(n)) : [];
}

/** `sip/sip:234@h:p` -> `sip:234@h:p`; `sip/234@h` -> `sip:234@h`; null for other drivers. */
export function sipUri(callto: string): string | null {
  const m = /^sip\/(.+)$/.exec(callto);
  if (!m) return null;
  const uri = m[1]!.trim();
  return /^sips?:/i.test(uri) ? uri : `sip:${uri}`;
}

/** A From header value: `"Display" <sip:user@domain>`. */
export function fromHeader(user: string, domain: string, display?: string): string {
  const uri = `sip:${escapeUser(user)}${domain ? '@' + domain : ''}`;
  if (!display) return `<${uri}>`;
  // A display name is quoted; control characters (a CR/LF would start a header) become blanks.
  return `"${display.replace(/[\x00-\x1f]/g, ' ').replace(/["\\]/g, (c) => '\\' + c)}" <${uri}>`;
}

/** RFC 3261 user part: unreserved and user-unreserved characters stay, others are %XX. */
export function escapeUser(user: string): string {
  return user.replace(/[^A-Za-z0-9\-_.!~*'()&=+$,;?/]/g, (c) => '%' + c.charCodeAt(0).toString(16).toUpperCase().padStart(2, '0'));
}

/** The host of a SIP URI, or of the URI in a header value (`"x" <sip:u@host:port>;tag=..`); ''. */
export function hostOf(value: string | undefined): string {
  if (!value) return '';
  const uri = value.includes('<') ? value.slice(value.indexOf('<') + 1) : value;
  return /^\s*sips?:(?:[^@;>]*@)?(\[[^\]]+\]|[^:;>\s]+)/i.exec(uri)?.[1] ?? '';
}

/** The user part of a SIP URI or a bare user. */
export function userOf(uriOrUser: string): string {
  const m = /^(?:sips?:)?([^@;>]+)@/i.exec(uriOrUser.replace(/^.*</, ''));
  return m ? m[1]! : uriOrUser;
}

/**
 * The answer for several targets: any 2xx wins; else a 6xx (definitive refusal); else the
 * lowest 4xx (most specific about the user); else 5xx; else 408.
 */
export function bestCode(codes: readonly number[]): number {
  const by = (lo: number) => codes.filter((c) => c >= lo && c < lo + 100).sort((a, b) => a - b);
  return by(200)[0] ?? by(600)[0] ?? by(400)[0] ?? by(500)[0] ?? by(300)[0] ?? 408;
}

/** RFC 1123 date, as the SIP Date header wants it. */
export function sipDate(ms: number): string {
  return new Date(ms).toUTCString();
}
