// The pure rules the chat pipeline asks: deny patterns, aliases, content types.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import {
  acceptsContentType,
  baseMimeType,
  compilePattern,
  isDenied,
  loadConfig,
  matchesPattern,
  resolveAlias,
  traceAlias,
  type Config,
  type Pattern,
} from '../src/config/index.js';
import { ENV, load } from './config-fixtures.js';

const pattern = (text: string): Pattern => {
  const r = compilePattern(text);
  assert.ok(r.ok, `pattern ${text} should compile`);
  return r.value;
};

/** A Config built by hand, as the pipeline's own tests may do; loadConfig would refuse loops. */
const withAliases = (aliases: Record<string, string>): Config => ({ ...loadConfig(undefined, ENV), aliases });

test('an exact pattern matches only the whole string, case included', () => {
  const p = pattern('spam');
  assert.deepEqual(
    ['spam', 'Spam', 'spammer', 'xspam', ''].map((v) => matchesPattern(p, v)),
    [true, false, false, false, false],
  );
});

test('a regex pattern searches the string unless anchored, with its flags', () => {
  const search = pattern('/spam/');
  const anchored = pattern('/^spam$/i');
  assert.deepEqual(
    ['spam', 'spammer', 'SPAM', 'a-spam'].map((v) => [matchesPattern(search, v), matchesPattern(anchored, v)]),
    [
      [true, true],
      [true, false],
      [false, true],
      [true, false],
    ],
  );
});

test('a regex pattern gives the same answer every time it is asked', () => {
  const p = pattern('/^1\\d+$/');
  assert.deepEqual(
    [1, 2, 3].map(() => matchesPattern(p, '123')),
    [true, true, true],
  );
});

test('a pattern keeps the text it was written as', () => {
  assert.deepEqual(
    [pattern('alice').text, pattern('/a/i').text],
    ['alice', '/a/i'],
  );
});

test('a slash inside a regex is fine because the last slash ends it', () => {
  const p = pattern('/^sip:a/b$/');
  assert.equal(matchesPattern(p, 'sip:a/b'), true);
});

test('a bad regex does not compile and says why', () => {
  const r = compilePattern('/[/');
  assert.equal(r.ok, false);
  assert.match(r.ok ? '' : r.expected, /^a valid regex \(Invalid regular expression/);
});

test('isDenied names the caller list first, then the callee list, else null', () => {
  const config = load({ deny: { callers: ['mallory', '/^guest-/'], callees: ['/^(112|911)$/'] } });
  assert.deepEqual(
    [
      isDenied(config, { caller: 'mallory', called: 'alice' }),
      isDenied(config, { caller: 'guest-7', called: '911' }),
      isDenied(config, { caller: 'alice', called: '911' }),
      isDenied(config, { caller: 'alice', called: '9110' }),
      isDenied(config, { caller: 'alice', called: 'bob' }),
      isDenied(config, {}),
    ],
    ['caller', 'caller', 'callee', null, null, null],
  );
});

test('with no deny lists nothing is denied', () => {
  assert.equal(isDenied(loadConfig(undefined, ENV), { caller: 'anyone', called: 'anything' }), null);
});

test('an alias to a local user resolves to that user', () => {
  assert.deepEqual(resolveAlias(withAliases({ '100': 'alice' }), '100'), { kind: 'user', user: 'alice' });
});

test('an alias to a sip: or sips: URI resolves to the URI', () => {
  const config = withAliases({ support: 'sip:help@example.com', secure: 'sips:bob@example.com' });
  assert.deepEqual(
    [resolveAlias(config, 'support'), resolveAlias(config, 'secure')],
    [
      { kind: 'uri', uri: 'sip:help@example.com' },
      { kind: 'uri', uri: 'sips:bob@example.com' },
    ],
  );
});

test('a called name that is no alias resolves to null', () => {
  assert.equal(resolveAlias(withAliases({ '100': 'alice' }), 'bob'), null);
  assert.equal(resolveAlias(withAliases({}), 'toString'), null);
  assert.equal(resolveAlias(withAliases({}), '__proto__'), null);
});

test('alias chains are followed user to user, ending at a user or a URI', () => {
  const config = withAliases({ sales: '100', '100': 'alice', night: 'desk', desk: 'sip:desk@pbx.example.com' });
  assert.deepEqual(
    [resolveAlias(config, 'sales'), resolveAlias(config, 'night')],
    [
      { kind: 'user', user: 'alice' },
      { kind: 'uri', uri: 'sip:desk@pbx.example.com' },
    ],
  );
});

test('a chain of exactly 5 hops resolves and a chain of 6 does not', () => {
  const five = withAliases({ a: 'b', b: 'c', c: 'd', d: 'e', e: 'f' });
  const six = withAliases({ a: 'b', b: 'c', c: 'd', d: 'e', e: 'f', f: 'g' });
  assert.deepEqual(resolveAlias(five, 'a'), { kind: 'user', user: 'f' });
  assert.equal(resolveAlias(six, 'a'), null);
  assert.deepEqual(traceAlias(six.aliases, 'a'), { ok: false, reason: 'too-long', chain: ['a', 'b', 'c', 'd', 'e', 'f'] });
});

test('an alias loop resolves to null instead of spinning', () => {
  const config = withAliases({ a: 'b', b: 'c', c: 'a', self: 'self' });
  assert.deepEqual(
    [resolveAlias(config, 'a'), resolveAlias(config, 'self')],
    [null, null],
  );
  assert.deepEqual(traceAlias(config.aliases, 'a'), { ok: false, reason: 'loop', chain: ['a', 'b', 'c', 'a'] });
});

test('the default content types accept any present type and refuse a missing one', () => {
  const config = loadConfig(undefined, ENV);
  assert.deepEqual(
    ['text/plain', 'application/octet-stream', 'message/cpim', '', undefined, null, 'garbage'].map((t) => acceptsContentType(config, t)),
    [true, true, true, false, false, false, false],
  );
});

test('content types match the base type case-insensitively, ignoring parameters', () => {
  const config = load({ contentTypes: ['text/plain'] });
  assert.deepEqual(
    ['text/plain', 'TEXT/Plain', 'text/plain; charset=UTF-8', ' text/plain ;format=flowed', 'text/html', 'text/plain2', 'text'].map((t) =>
      acceptsContentType(config, t),
    ),
    [true, true, true, true, false, false, false],
  );
});

test('a type/* range accepts every subtype of that type only', () => {
  const config = load({ contentTypes: ['text/*', 'application/im-iscomposing+xml'] });
  assert.deepEqual(
    ['text/plain', 'text/html;charset=utf-8', 'Text/X-Anything', 'application/im-iscomposing+xml', 'application/json', 'textual/plain'].map((t) =>
      acceptsContentType(config, t),
    ),
    [true, true, true, true, false, false],
  );
});

test('the base type of a received Content-Type drops parameters and refuses malformed ones', () => {
  assert.deepEqual(
    ['Text/Plain;charset=utf-8', 'a/b/c', '/plain', 'text/', 'te xt/plain', ';x=y'].map(baseMimeType),
    ['text/plain', null, null, null, null, null],
  );
});

test('the base type is read as split, trim, lower-case and a check for white space would read it, for any text', () => {
  // The one-pass reader against the plain definition it replaced (this runs on every MESSAGE).
  const reference = (ct: string): string | null => {
    if (!ct) return null;
    const base = (ct.split(';', 1)[0] ?? '').trim().toLowerCase();
    const slash = base.indexOf('/');
    if (slash <= 0 || slash === base.length - 1 || base.indexOf('/', slash + 1) !== -1 || /\s/.test(base)) return null;
    return base;
  };
  const piece = fc.constantFrom('text', 'Plain', '/', ';', ' ', '\t', '\r\n', '\u00a0', '\u2028', '\ufeff', 'é', 'À', 'x=y', 'charset=utf-8', '*');
  fc.assert(fc.property(fc.array(piece, { maxLength: 8 }).map((a) => a.join('')), (ct) => baseMimeType(ct) === reference(ct)), { numRuns: 5000 });
  fc.assert(fc.property(fc.string({ unit: 'binary', maxLength: 24 }), (ct) => baseMimeType(ct) === reference(ct)), { numRuns: 5000 });
});
