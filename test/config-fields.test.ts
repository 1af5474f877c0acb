// Every field of the rules file: what it accepts, and what a bad value says (the file, the
// field path, what was expected and what was found).

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { describeIssue, formatConfigError } from '../src/config/index.js';
import { issuesOf, load, refusal, writeRules } from './config-fixtures.js';

interface Case {
  readonly name: string;
  readonly rules: unknown;
  readonly field: string;
  /** The exact message; a RegExp where the text comes from V8 and may change between Node versions. */
  readonly message: string | RegExp;
}

const POSITIVE = 'a positive integer';
const cases: Case[] = [
  { name: 'an unknown mode is refused naming mode', rules: { mode: 'fast' }, field: 'mode', message: 'expected "confirmed" or "seed", got "fast"' },
  {
    name: 'a content type with parameters is refused naming its index',
    rules: { contentTypes: ['text/plain;charset=utf-8'] },
    field: 'contentTypes[0]',
    message: 'expected a MIME type like "text/plain", "text/*" or "*/*" without parameters, got "text/plain;charset=utf-8"',
  },
  {
    name: 'a content type without a subtype is refused',
    rules: { contentTypes: ['text/plain', 'text'] },
    field: 'contentTypes[1]',
    message: 'expected a MIME type like "text/plain", "text/*" or "*/*" without parameters, got "text"',
  },
  {
    name: 'an empty content type list is refused because it would refuse every message',
    rules: { contentTypes: [] },
    field: 'contentTypes',
    message: 'expected at least one MIME type (use "*/*" to accept any), got []',
  },
  { name: 'content types given as a string are refused', rules: { contentTypes: 'text/plain' }, field: 'contentTypes', message: 'expected an array of MIME types, got "text/plain"' },
  { name: 'a zero body size is refused naming maxBodyBytes', rules: { maxBodyBytes: 0 }, field: 'maxBodyBytes', message: `expected ${POSITIVE} up to 16384, got 0` },
  { name: 'a body size above one engine line is refused', rules: { maxBodyBytes: 65536 }, field: 'maxBodyBytes', message: `expected ${POSITIVE} up to 16384, got 65536` },
  { name: 'a fractional body size is refused', rules: { maxBodyBytes: 10.5 }, field: 'maxBodyBytes', message: `expected ${POSITIVE} up to 16384, got 10.5` },
  { name: 'a body size written as a string is refused', rules: { maxBodyBytes: '4096' }, field: 'maxBodyBytes', message: `expected ${POSITIVE} up to 16384, got "4096"` },
  {
    name: 'an alias to a tel: URI is refused naming the alias',
    rules: { aliases: { '100': 'tel:+15551234' } },
    field: 'aliases["100"]',
    message: 'expected a local user or a sip:/sips: URI (no other scheme is routed), got "tel:+15551234"',
  },
  {
    name: 'an alias to a sip: URI without a host is refused',
    rules: { aliases: { support: 'sip:' } },
    field: 'aliases.support',
    message: 'expected a sip:/sips: URI of the form sip:user@host[:port] or sip:host, got "sip:"',
  },
  {
    name: 'an alias to user@host without a scheme is refused',
    rules: { aliases: { support: 'help@example.com' } },
    field: 'aliases.support',
    message: 'expected a local user (like "alice") or a sip:/sips: URI (like "sip:alice@example.com"), got "help@example.com"',
  },
  { name: 'an alias with an empty called key is refused', rules: { aliases: { '': 'alice' } }, field: 'aliases[""]', message: 'expected a non-empty called number or name as the key, got ""' },
  { name: 'aliases given as an array are refused', rules: { aliases: ['a'] }, field: 'aliases', message: 'expected an object {"called": "user or sip:uri"}, got ["a"]' },
  { name: 'an alias loop is refused naming the alias and the chain', rules: { aliases: { a: 'b', b: 'a' } }, field: 'aliases.a', message: 'expected an alias chain that ends, got a loop: a -> b -> a' },
  {
    name: 'an alias chain longer than 5 hops is refused',
    rules: { aliases: { a: 'b', b: 'c', c: 'd', d: 'e', e: 'f', f: 'g' } },
    field: 'aliases.a',
    message: 'expected at most 5 alias hops, got a -> b -> c -> d -> e -> f -> ...',
  },
  {
    name: 'a bad regex in deny.callers is refused naming its index',
    rules: { deny: { callers: ['ok', '/(unclosed/'] } },
    field: 'deny.callers[1]',
    message: /^expected a valid regex \(Invalid regular expression: .*Unterminated group\), got "\/\(unclosed\/"$/,
  },
  {
    name: 'an unknown regex flag is refused',
    rules: { deny: { callees: ['/x/q'] } },
    field: 'deny.callees[0]',
    message: /^expected a valid regex \(.*flags.*\), got "\/x\/q"$/,
  },
  {
    name: 'the stateful g flag is refused in a deny pattern',
    rules: { deny: { callees: ['/^1/g'] } },
    field: 'deny.callees[0]',
    message: 'expected regex flags without g or y (they make matching stateful), got "/^1/g"',
  },
  {
    name: 'a pattern starting with a slash but not closed is refused as a likely broken regex',
    rules: { deny: { callers: ['/spam'] } },
    field: 'deny.callers[0]',
    message: 'expected a closing "/" (a pattern starting with "/" is a /regex/flags), got "/spam"',
  },
  {
    name: 'a deny regex with exponential backtracking (nested quantifiers) is refused with the reason and an attack',
    rules: { deny: { callers: ['/(a+)+$/'] } },
    field: 'deny.callers[0]',
    message: /^expected a regex that runs in linear time, but it backtracks in exponential time, e\.g\. on 'a' \+ 'a'\.repeat\(\d+\).*, got "\/\(a\+\)\+\$\/"$/,
  },
  {
    name: 'a deny regex with overlapping alternatives under a star is refused (a star-height check would pass it)',
    rules: { deny: { callees: ['/^(a|b|ab)*c$/'] } },
    field: 'deny.callees[0]',
    message: /^expected a regex that runs in linear time, but it backtracks in exponential time/,
  },
  {
    name: 'a deny regex with polynomial backtracking is refused with its degree',
    rules: { deny: { callers: ['/\\d+\\d+$/'] } },
    field: 'deny.callers[0]',
    message: /^expected a regex that runs in linear time, but it backtracks in polynomial \(degree 3\) time/,
  },
  { name: 'an empty regex is refused', rules: { deny: { callers: ['//i'] } }, field: 'deny.callers[0]', message: 'expected a non-empty regex between the slashes, got "//i"' },
  { name: 'an empty exact pattern is refused', rules: { deny: { callers: [''] } }, field: 'deny.callers[0]', message: 'expected a non-empty exact string or /regex/flags, got ""' },
  { name: 'a number as a pattern is refused', rules: { deny: { callers: [42] } }, field: 'deny.callers[0]', message: 'expected an exact string or "/regex/flags", got 42' },
  { name: 'an unknown field inside deny is refused', rules: { deny: { caller: [] } }, field: 'deny.caller', message: 'unknown field (did you mean "callers"? expected one of "callers", "callees"; comment fields start with "//")' },
  { name: 'a negative rate limit is refused naming rateLimit.messages', rules: { rateLimit: { messages: -3 } }, field: 'rateLimit.messages', message: `expected ${POSITIVE} up to 1000000, got -3` },
  {
    name: 'a zero rate limit interval is refused naming rateLimit.intervalSeconds',
    rules: { rateLimit: { intervalSeconds: 0 } },
    field: 'rateLimit.intervalSeconds',
    message: 'expected a number greater than 0 and up to 86400, got 0',
  },
  { name: 'a rate limit code other than 403 or 503 is refused', rules: { rateLimit: { code: 429 } }, field: 'rateLimit.code', message: 'expected 403 or 503, got 429' },
  { name: 'rateLimit true is refused (only false turns it off)', rules: { rateLimit: true }, field: 'rateLimit', message: 'expected an object {"messages", "intervalSeconds", "code"} or false, got true' },
  { name: 'an unknown log level is refused naming log', rules: { log: 'trace' }, field: 'log', message: 'expected "error", "warn", "info" or "debug", got "trace"' },
  { name: 'a negative delivery wait is refused naming delivery.waitMs', rules: { delivery: { waitMs: -1 } }, field: 'delivery.waitMs', message: 'expected a whole number of milliseconds 0..60000, got -1' },
  { name: 'a delivery send timeout under a second is refused naming delivery.sendTimeoutMs', rules: { delivery: { sendTimeoutMs: 10 } }, field: 'delivery.sendTimeoutMs', message: 'expected a whole number of milliseconds 1000..600000, got 10' },
  { name: 'a store without room is refused naming offline.maxMessages', rules: { offline: { maxMessages: 0 } }, field: 'offline.maxMessages', message: `expected ${POSITIVE} up to 100000000, got 0` },
  { name: 'zero delivery targets are refused naming delivery.maxTargets', rules: { delivery: { maxTargets: 0 } }, field: 'delivery.maxTargets', message: `expected ${POSITIVE} up to 64, got 0` },
  { name: 'offline.enabled written as a string is refused', rules: { offline: { enabled: 'yes' } }, field: 'offline.enabled', message: 'expected true or false, got "yes"' },
  { name: 'an unknown store kind is refused naming offline.store.kind', rules: { offline: { store: { kind: 'redis' } } }, field: 'offline.store.kind', message: 'expected "sqlite", "memory" or "postgres", got "redis"' },
  {
    name: 'a memory store with a path is refused naming offline.store.path',
    rules: { offline: { store: { kind: 'memory', path: 'x.db' } } },
    field: 'offline.store.path',
    message: 'expected no "path" with "kind": "memory" (use "kind": "sqlite" to keep a file), got "x.db"',
  },
  { name: 'an empty store path is refused', rules: { offline: { store: { path: ' ' } } }, field: 'offline.store.path', message: 'expected a file path, got " "' },
  { name: 'a store given as a string is refused', rules: { offline: { store: 'memory' } }, field: 'offline.store', message: 'expected an object {"kind": "sqlite", "path"}, {"kind": "memory"} or {"kind": "postgres", "url"}, got "memory"' },
  { name: 'a zero expiry is refused naming offline.expirySeconds', rules: { offline: { expirySeconds: 0 } }, field: 'offline.expirySeconds', message: `expected ${POSITIVE} up to 315360000, got 0` },
  // Issue 21, finding 12: past ~8.6e12 s the expiry is no date, and GET /v1/queue/USER answered 500.
  { name: 'an expiry past ten years (1e15 s) is refused naming offline.expirySeconds', rules: { offline: { expirySeconds: 1e15 } }, field: 'offline.expirySeconds', message: `expected ${POSITIVE} up to 315360000, got 1000000000000000` },
  { name: 'a zero quota is refused naming offline.quotaPerRecipient', rules: { offline: { quotaPerRecipient: 0 } }, field: 'offline.quotaPerRecipient', message: `expected ${POSITIVE} up to 1000000, got 0` },
  { name: 'a too large stored body is refused naming offline.maxBodyBytes', rules: { offline: { maxBodyBytes: 20000 } }, field: 'offline.maxBodyBytes', message: `expected ${POSITIVE} up to 16384, got 20000` },
  {
    name: 'a fractional retry interval is refused naming offline.retryIntervalSeconds',
    rules: { offline: { retryIntervalSeconds: 1.5 } },
    field: 'offline.retryIntervalSeconds',
    message: `expected ${POSITIVE} up to 86400, got 1.5`,
  },
  {
    name: 'a success code among the store codes is refused naming its index',
    rules: { offline: { storeCodes: [480, 200] } },
    field: 'offline.storeCodes[1]',
    message: 'expected a SIP failure code (a whole number 300..699), got 200',
  },
  {
    name: 'an unknown knownUsers word is refused naming offline.knownUsers',
    rules: { offline: { knownUsers: 'everyone' } },
    field: 'offline.knownUsers',
    message: 'expected "registered", "anyone" or {"list": [user names]}, got "everyone"',
  },
  {
    name: 'a knownUsers list with a bad name is refused naming its index',
    rules: { offline: { knownUsers: { list: ['alice', 'bob smith'] } } },
    field: 'offline.knownUsers.list[1]',
    message: 'expected a user name (no spaces, "@" or ":"), got "bob smith"',
  },
  {
    name: 'a knownUsers object without its list is refused',
    rules: { offline: { knownUsers: {} } },
    field: 'offline.knownUsers.list',
    message: 'expected an array of user names, got nothing',
  },
  { name: 'a user with an @ is refused naming users and its index', rules: { users: ['alice', 'bob@example.com'] }, field: 'users[1]', message: 'expected a user name (no spaces, "@" or ":"), got "bob@example.com"' },
  { name: 'users given as a string are refused', rules: { users: 'alice' }, field: 'users', message: 'expected an array of user names, got "alice"' },
];

for (const c of cases) {
  test(c.name, () => {
    const file = writeRules(c.rules);
    const err = refusal(file);
    const [first, ...rest] = err.issues;
    assert.equal(first?.field, c.field);
    if (typeof c.message === 'string') assert.equal(first?.message, c.message);
    else assert.match(first?.message ?? '', c.message);
    // Only an alias loop repeats, once for each alias on it.
    assert.deepEqual(
      rest.map((i) => i.field),
      typeof c.message === 'string' && c.message.includes('loop') ? ['aliases.b'] : [],
    );
    // The human text names the file, the field and the expectation.
    const text = formatConfigError(err);
    assert.ok(text.startsWith(`Rules file ${file} is invalid (`), text);
    assert.ok(text.includes(`\n  - ${c.field}: expected `) || text.includes(`\n  - ${c.field}: unknown field`), text);
  });
}

test('an alias loop is reported for each alias on it, with its own chain', () => {
  assert.deepEqual(issuesOf({ aliases: { a: 'b', b: 'a', c: 'a' } }), [
    { field: 'aliases.a', message: 'expected an alias chain that ends, got a loop: a -> b -> a' },
    { field: 'aliases.b', message: 'expected an alias chain that ends, got a loop: b -> a -> b' },
    { field: 'aliases.c', message: 'expected an alias chain that ends, got a loop: c -> a -> b -> a' },
  ]);
});

test('an alias loop is reported together with problems in other fields', () => {
  assert.deepEqual(
    issuesOf({ aliases: { a: 'a' }, log: 'loud' }).map((i) => i.field),
    ['log', 'aliases.a'],
  );
});

test('long values are shortened in messages', () => {
  const [issue] = issuesOf({ mode: 'x'.repeat(200) });
  assert.equal(issue?.message, `expected "confirmed" or "seed", got "${'x'.repeat(56)}...`);
});

test('each field accepts its documented forms', () => {
  const config = load({
    mode: 'seed',
    contentTypes: ['Text/Plain', 'text/*', '*/*', 'text/plain'],
    maxBodyBytes: 16384,
    aliases: { '100': 'alice', tls: 'sips:bob@[2001:db8::1]:5061', host: 'sip:pbx.example.com', params: 'SIP:a@b.example;transport=tcp?subject=x' },
    deny: { callers: ['exact', '/^re$/iu'], callees: [] },
    rateLimit: false,
    log: 'debug',
    delivery: { inPlace: false, waitMs: 0, maxTargets: 64, sendTimeoutMs: 1000 },
    offline: {
      enabled: false,
      store: { kind: 'memory' },
      expirySeconds: 60,
      quotaPerRecipient: 1,
      maxMessages: 1,
      maxBodyBytes: 1,
      retryIntervalSeconds: 1,
      storeCodes: [504, 408, 408, 600],
      knownUsers: { list: ['alice', 'alice', 'bob'] },
    },
    users: ['+15551234', 'alice.smith', 'alice.smith'],
  });
  assert.equal(config.mode, 'seed');
  assert.deepEqual(config.contentTypes, ['text/plain', 'text/*', '*/*']);
  assert.equal(config.rateLimit, false);
  assert.deepEqual(config.delivery, { inPlace: false, waitMs: 0, maxTargets: 64, sendTimeoutMs: 1000 });
  assert.deepEqual(config.offline.storeCodes, [408, 504, 600]);
  assert.deepEqual(config.offline.knownUsers, { list: ['alice', 'bob'] });
  assert.deepEqual(config.users, ['+15551234', 'alice.smith']);
  assert.deepEqual(
    config.deny.callers.map((p) => p.kind),
    ['exact', 'regex'],
  );
  assert.equal(load({ offline: { knownUsers: 'anyone' } }).offline.knownUsers, 'anyone');
});

test('a partial rate limit takes the other values from the defaults', () => {
  assert.deepEqual(load({ rateLimit: { messages: 5 } }).rateLimit, { messages: 5, intervalSeconds: 60, code: 503 });
  assert.deepEqual(load({ rateLimit: { intervalSeconds: 0.5, code: 403 } }).rateLimit, { messages: 30, intervalSeconds: 0.5, code: 403 });
});

test('a partial offline section takes the other values from the defaults', () => {
  const config = load({ offline: { quotaPerRecipient: 7 } });
  assert.equal(config.offline.quotaPerRecipient, 7);
  assert.equal(config.offline.expirySeconds, 604800);
  assert.equal(config.offline.enabled, true);
  assert.equal(config.offline.store.kind, 'sqlite');
});

test('an issue with a position is described with its line and column', () => {
  assert.equal(describeIssue({ field: 'mode', message: 'duplicate field', line: 3, column: 5 }), 'mode (line 3, column 5): duplicate field');
  assert.equal(describeIssue({ field: '', message: 'bad', line: 1, column: 2 }), 'line 1, column 2: bad');
  assert.equal(describeIssue({ field: '', message: 'bad' }), 'bad');
});

test('formatConfigError prefixes every line when asked, for Yate\'s log', () => {
  const err = refusal(writeRules({ mode: 1, log: 2 }));
  const lines = formatConfigError(err, { prefix: 'yate-chat: ' }).split('\n');
  assert.equal(lines.length, 3);
  assert.ok(lines.every((l) => l.startsWith('yate-chat: ')));
});

test('formatConfigError describes errors that are not configuration errors too', () => {
  assert.equal(formatConfigError(new Error('boom')), 'boom');
  assert.equal(formatConfigError('plain'), 'plain');
});

test('presence.allow maps users to watcher patterns, checked like deny patterns; a bad key or pattern is refused at its path', () => {
  const config = load({ presence: { allow: { '234': ['555', '/^boss-/'] } } });
  assert.deepEqual(config.presence.allow['234']!.map((p) => p.text), ['555', '/^boss-/']);
  assert.equal(Object.getPrototypeOf(config.presence.allow), null);
  assert.deepEqual(load({}).presence.allow, Object.create(null));
  const issues = issuesOf({ presence: { allow: { 'a b': ['x'], '234': ['/(a+)+$/'], '555': 'x' } } });
  assert.deepEqual(issues.map((i) => i.field).sort(), ['presence.allow["234"][0]', 'presence.allow["555"]', 'presence.allow["a b"]']);
});
