// The building blocks of the rules file's schema (schema.ts, sections.ts): every leaf check
// produces one message of the form "expected <what>, got <value>", and every object refuses
// unknown fields one by one (with a "did you mean" when a known field is close), so a typo
// never passes silently. zod's own messages ("invalid input") never reach the admin.

import { z } from 'zod';
import { compilePattern, type Compiled } from './pattern.js';
import type { Pattern } from './types.js';
import type { RegexVerdicts } from './verdicts.js';

/** A value as it appears in a message: JSON, shortened; `nothing` for a missing value. */
export function show(value: unknown): string {
  if (value === undefined) return 'nothing';
  let text: string;
  try {
    text = JSON.stringify(value) ?? String(value);
  } catch {
    text = String(value);
  }
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

export const isPlainObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** A leaf accepted when `test` says so; otherwise "expected <expected>, got <value>". */
export function leaf<T>(expected: string, test: (v: unknown) => boolean) {
  return z.custom<T>(test, { error: (iss) => `expected ${expected}, got ${show(iss.input)}` });
}

/** A leaf turned into another value by `compile`, whose failure says what was expected. */
export function converted<T>(compile: (v: unknown) => Compiled<T>) {
  return z.unknown().transform((v, ctx): T => {
    const r = compile(v);
    if (r.ok) return r.value;
    ctx.addIssue({ code: 'custom', message: `expected ${r.expected}, got ${show(v)}`, input: v });
    return z.NEVER;
  });
}

function levenshtein(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1]!.toLowerCase() === b[j - 1]!.toLowerCase() ? 0 : 1;
      cur[j] = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + cost);
    }
    prev = cur;
  }
  return prev[b.length]!;
}

function unknownField(key: unknown, known: readonly string[]): string {
  const name = String(key);
  const close = known
    .map((k) => ({ k, d: levenshtein(name, k) }))
    .filter(({ k, d }) => d <= Math.max(1, Math.floor(k.length / 3)))
    .sort((x, y) => x.d - y.d)[0];
  const hint = close ? `did you mean "${close.k}"? ` : '';
  const list = known.map((k) => `"${k}"`).join(', ');
  return `unknown field (${hint}expected one of ${list}; comment fields start with "//")`;
}

/**
 * An object whose every field is optional and whose unknown fields are each an error at
 * their own path. (z.strictObject reports them all as one issue on the parent.)
 */
export function strict<S extends z.core.$ZodShape>(shape: S, expected: string) {
  const known = Object.keys(shape);
  const unknown = z.custom<never>(() => false, { error: (iss) => unknownField(iss.path?.at(-1), known) });
  return z
    .object(shape, { error: (iss) => `expected ${expected}, got ${show(iss.input)}` })
    .catchall(unknown) as unknown as z.ZodObject<S>;
}

/**
 * A value of several shapes (`false` or an object, a word or an object): `pick` chooses the
 * schema from the value, and that schema's own messages come through unchanged. (z.union
 * reports only "invalid input" on the parent when every option fails.)
 */
export function variant<T>(expected: string, pick: (v: unknown) => z.ZodType<T> | undefined) {
  return z.unknown().transform((v, ctx): T => {
    const schema = pick(v);
    if (!schema) {
      ctx.addIssue({ code: 'custom', message: `expected ${expected}, got ${show(v)}`, input: v });
      return z.NEVER;
    }
    const r = schema.safeParse(v);
    if (r.success) return r.data;
    for (const issue of r.error.issues) ctx.addIssue({ code: 'custom', message: issue.message, path: issue.path, input: v });
    return z.NEVER;
  });
}

export const isInt = (min: number, max: number) => (v: unknown) => Number.isInteger(v) && (v as number) >= min && (v as number) <= max;

/** A whole number >= 1 (and <= max). */
export const positiveInt = (max = Number.MAX_SAFE_INTEGER) =>
  leaf<number>(max === Number.MAX_SAFE_INTEGER ? 'a positive integer' : `a positive integer up to ${max}`, isInt(1, max));

/** A number > 0 (and <= max), fractions allowed. */
export const positiveNumber = (max: number) =>
  leaf<number>(`a number greater than 0 and up to ${max}`, (v) => typeof v === 'number' && Number.isFinite(v) && v > 0 && v <= max);

/** One of the given words: `"a", "b" or "c"`. */
export const word = <T extends string>(...words: T[]) => {
  const quoted = words.map((w) => JSON.stringify(w));
  const expected = quoted.length > 1 ? `${quoted.slice(0, -1).join(', ')} or ${quoted.at(-1)}` : (quoted[0] ?? '');
  return leaf<T>(expected, (v) => (words as unknown[]).includes(v));
};

/** A local user name as Yate's `called`/`caller` carry it: no spaces, no "@", no ":". */
export const USER = /^[^\s@:<>"]+$/;
export const localUser = leaf<string>('a user name (no spaces, "@" or ":")', (v) => typeof v === 'string' && USER.test(v));

/** A list of deny patterns; their regexes take their verdicts from `verdicts` when given. */
export const patternList = (verdicts?: RegexVerdicts) => z
  .array(
    converted<Pattern>((v) => (typeof v === 'string' ? compilePattern(v, verdicts) : { ok: false, expected: 'an exact string or "/regex/flags"' })),
    { error: (iss) => `expected an array of patterns (exact strings or "/regex/flags"), got ${show(iss.input)}` },
  )
  .default([]);

export const userList = z
  .array(localUser, { error: (iss) => `expected an array of user names, got ${show(iss.input)}` })
  .transform((users) => [...new Set(users)]);

/** http.token: an RFC 6750 bearer token (letters, digits, - . _ ~ + /, then any '='), 16..256 characters. */
export const TOKEN = { pattern: /^(?=.{16,256}$)[A-Za-z0-9._~+/-]+=*$/, expected: '16 to 256 characters of A-Z a-z 0-9 - . _ ~ + / (then any "=")' };
/** webhookSecret: 16..256 visible ASCII characters. */
export const SECRET = { pattern: /^[\x21-\x7e]{16,256}$/, expected: '16 to 256 visible ASCII characters (no spaces)' };
/** A token or secret; a bad one is described, never shown (the message goes to Yate's log). */
export const secretLeaf = (rule: typeof TOKEN) =>
  z.custom<string>((v) => typeof v === 'string' && rule.pattern.test(v), {
    error: (iss) => `expected ${rule.expected}, got ${typeof iss.input === 'string' ? `${iss.input.length} characters that are not (not shown: a secret)` : show(iss.input)}`,
  });
export const tokenText = secretLeaf(TOKEN);
export const secretText = secretLeaf(SECRET);

