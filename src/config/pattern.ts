// Deny patterns and MIME ranges as written in the rules file, turned into values the rules
// can use. Pure: no config, no I/O.

import { backtrackingProblem } from './redos.js';
import type { Pattern } from './types.js';
import type { RegexVerdicts } from './verdicts.js';

export type Compiled<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly expected: string };

/**
 * A pattern is either an exact string or `/regex/flags`. A regex searches (use ^ and $ to
 * anchor it). Flags g and y are refused: they make RegExp.test remember where it stopped,
 * so the same caller would match and then not match. A regex that can backtrack
 * catastrophically (exponential or polynomial time on some input) is refused (redos.ts); with
 * `verdicts`, a regex checked before takes its verdict from there.
 */
export function compilePattern(text: string, verdicts?: RegexVerdicts): Compiled<Pattern> {
  if (text.length === 0) return { ok: false, expected: 'a non-empty exact string or /regex/flags' };
  if (!text.startsWith('/')) return { ok: true, value: { kind: 'exact', text } };
  const end = text.lastIndexOf('/');
  if (end === 0) return { ok: false, expected: 'a closing "/" (a pattern starting with "/" is a /regex/flags)' };
  const source = text.slice(1, end);
  const flags = text.slice(end + 1);
  if (source.length === 0) return { ok: false, expected: 'a non-empty regex between the slashes' };
  if (/[gy]/.test(flags)) return { ok: false, expected: 'regex flags without g or y (they make matching stateful)' };
  let regex: RegExp;
  try {
    regex = new RegExp(source, flags);
  } catch (err) {
    const why = err instanceof Error ? err.message : String(err);
    return { ok: false, expected: `a valid regex (${why})` };
  }
  // Run on what senders choose, for every message: it must not backtrack catastrophically.
  const problem = verdicts ? verdicts.verdict(source, flags) : backtrackingProblem(source, flags);
  if (problem) return { ok: false, expected: `a regex that runs in linear time, but ${problem}` };
  return { ok: true, value: { kind: 'regex', text, regex } };
}

const TOKEN = "[a-z0-9!#$&^_.+-]+";
const MIME_RANGE = new RegExp(`^(?:\\*/\\*|${TOKEN}/\\*|${TOKEN}/${TOKEN})$`);

/** `type/subtype`, `type/*` or `*\/*` as configured; stored lower-case. */
export function compileMimeRange(text: string): Compiled<string> {
  const lower = text.trim().toLowerCase();
  if (!MIME_RANGE.test(lower)) return { ok: false, expected: 'a MIME type like "text/plain", "text/*" or "*/*" without parameters' };
  return { ok: true, value: lower };
}

/**
 * The base type of a Content-Type as received: parameters dropped, trimmed, lower-case.
 * Null when there is none or it is not `type/subtype`.
 */
export function baseMimeType(contentType: string | null | undefined): string | null {
  if (!contentType) return null;
  // One pass, no split or regex: this runs for every MESSAGE (its type, read three times).
  const semi = contentType.indexOf(';');
  let a = 0;
  let b = semi < 0 ? contentType.length : semi;
  while (a < b && isSpace(contentType.charCodeAt(a))) a++;
  while (b > a && isSpace(contentType.charCodeAt(b - 1))) b--;
  let slash = -1;
  let upper = false;
  for (let i = a; i < b; i++) {
    const c = contentType.charCodeAt(i);
    if (c === 0x2f) {
      if (slash >= 0) return null;
      slash = i;
    } else if (isSpace(c)) return null;
    else if (c >= 0x41 && c <= 0x5a) upper = true;
    else if (c > 0x7f) upper = true; // let toLowerCase decide for anything beyond ASCII
  }
  if (slash <= a || slash === b - 1) return null;
  const base = a === 0 && b === contentType.length ? contentType : contentType.slice(a, b);
  return upper ? base.toLowerCase() : base;
}

/** What String.prototype.trim and /\s/ take for white space (ECMAScript WhiteSpace and
 *  LineTerminator). */
function isSpace(c: number): boolean {
  if (c <= 0x20) return c === 0x20 || (c >= 0x09 && c <= 0x0d);
  if (c < 0xa0) return false;
  return c === 0xa0 || c === 0x1680 || (c >= 0x2000 && c <= 0x200a) || c === 0x2028 || c === 0x2029 || c === 0x202f || c === 0x205f || c === 0x3000 || c === 0xfeff;
}

/**
 * Is `s` a host a SIP URI may carry, as Yate's `domain` param holds it: a host name (letters,
 * digits and '-' in dot-separated labels of 1..63, 253 at most), an IPv4 address, or an IPv6
 * reference in brackets; optionally `:port`. A domain goes into the From and To yate-chat
 * writes, so anything else (a '>', ';', blank or control byte could add header parts) is not
 * one. A loop over the characters: linear, no regex.
 */
export function isHost(s: string): boolean {
  let end = s.length;
  const colon = s.lastIndexOf(':');
  // host:port; for an [IPv6] reference the port's ':' comes right after the ']'.
  if (colon > 0 && (s.charCodeAt(0) !== 0x5b || s.charCodeAt(colon - 1) === 0x5d)) {
    const port = s.slice(colon + 1);
    if (port.length < 1 || port.length > 5) return false;
    for (let i = 0; i < port.length; i++) if (!isDigit(port.charCodeAt(i))) return false;
    end = colon;
  }
  if (end === 0 || end > 253) return false;
  if (s.charCodeAt(0) === 0x5b) {
    // [IPv6]: hex digits, ':' and '.' (an embedded IPv4), at least one ':'.
    if (s.charCodeAt(end - 1) !== 0x5d || end < 4) return false;
    let colons = 0;
    for (let i = 1; i < end - 1; i++) {
      const c = s.charCodeAt(i);
      if (c === 0x3a) colons++;
      else if (!(isDigit(c) || (c >= 0x61 && c <= 0x66) || (c >= 0x41 && c <= 0x46) || c === 0x2e)) return false;
    }
    return colons >= 2;
  }
  let label = 0;
  for (let i = 0; i < end; i++) {
    const c = s.charCodeAt(i);
    if (c === 0x2e) {
      if (label === 0 || s.charCodeAt(i - 1) === 0x2d) return false;
      label = 0;
      continue;
    }
    if (!(isDigit(c) || (c >= 0x61 && c <= 0x7a) || (c >= 0x41 && c <= 0x5a) || (c === 0x2d && label > 0))) return false;
    if (++label > 63) return false;
  }
  return label > 0 && s.charCodeAt(end - 1) !== 0x2d;
}

const isDigit = (c: number): boolean => c >= 0x30 && c <= 0x39;
