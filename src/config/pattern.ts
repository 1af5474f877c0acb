// Deny patterns and MIME ranges as written in the rules file, turned into values the rules
// can use. Pure: no config, no I/O.

import { backtrackingProblem } from './redos.js';
import type { Pattern } from './types.js';

export type Compiled<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly expected: string };

/**
 * A pattern is either an exact string or `/regex/flags`. A regex searches (use ^ and $ to
 * anchor it). Flags g and y are refused: they make RegExp.test remember where it stopped,
 * so the same caller would match and then not match. A regex that can backtrack
 * catastrophically (exponential or polynomial time on some input) is refused (redos.ts).
 */
export function compilePattern(text: string): Compiled<Pattern> {
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
  const problem = backtrackingProblem(source, flags);
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
  const base = (contentType.split(';', 1)[0] ?? '').trim().toLowerCase();
  const slash = base.indexOf('/');
  if (slash <= 0 || slash === base.length - 1 || base.indexOf('/', slash + 1) !== -1 || /\s/.test(base)) return null;
  return base;
}
