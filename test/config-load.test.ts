// loadConfig as a whole: the file, its JSON, comments, unknown fields, paths, the environment.

import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { ConfigError, defaultStorePath, formatConfigError, isDenied, loadConfig, resolveAlias } from '../src/config/index.js';
import { isYateChatError } from '../src/errors.js';
import { ENV, load, refusal, tempDir, writeRules } from './config-fixtures.js';

// dist*/test/ -> the repository root.
const SAMPLE = fileURLToPath(new URL('../../yate-conf/yate-chat.json', import.meta.url));

test('without a file the defaults are returned and they work', () => {
  const config = loadConfig(undefined, ENV);
  assert.deepEqual(
    { ...config, deny: { ...config.deny }, aliases: { ...config.aliases }, webhooks: { ...config.webhooks }, groups: { ...config.groups }, presence: { ...config.presence, deny: { ...config.presence.deny }, allow: { ...config.presence.allow } } },
    {
      file: null,
      mode: 'confirmed',
      contentTypes: ['*/*'],
      maxBodyBytes: 4096,
      aliases: {},
      deny: { callers: [], callees: [] },
      rateLimit: { messages: 30, intervalSeconds: 60, code: 503 },
      log: 'info',
      logBodies: false,
      allowUnauthenticated: false,
      delivery: { inPlace: true, waitMs: 8000, maxTargets: 8, sendTimeoutMs: 40000 },
      offline: {
        enabled: true,
        store: { kind: 'sqlite', path: path.join(ENV.env!['YATE_CHAT_DATA']!, 'yate-chat.db') },
        expirySeconds: 604800,
        quotaPerRecipient: 100,
        maxMessages: 100000,
        maxBodyBytes: 4096,
        retryIntervalSeconds: 60,
        lateWindowSeconds: 3600,
        maxAttempts: 30,
        storeCodes: [408, 480, 503, 504],
        knownUsers: 'registered',
      },
      users: [],
      presence: {
        subscribe: true,
        watchers: 'local',
        deny: { watchers: [], presentities: [] },
        allow: {},
        minExpires: 60,
        maxExpires: 3600,
        defaultExpires: 3600,
        maxPerWatcher: 50,
        maxSubscriptions: 10000,
        maxPublishExpires: 3600,
      },
      webhooks: {},
      webhookTimeoutMs: 3000,
      groups: {},
      groupPolicy: { maxMembers: 100, maxGroups: 1000, writers: 'members', prefix: true },
      history: { enabled: false, retentionDays: 30 },
      warnings: [],
    },
  );
});

test('an empty path is the same as no file', () => {
  assert.equal(loadConfig('', ENV).file, null);
});

test('an empty rules file object gives the same values as no file', () => {
  const fromFile = load({});
  const { file, ...rest } = fromFile;
  const { file: none, ...defaults } = loadConfig(undefined, ENV);
  assert.equal(none, null);
  assert.ok(file?.endsWith('rules.json'));
  assert.deepEqual(rest, defaults);
});

test('the returned configuration is deeply frozen', () => {
  const config = load({ deny: { callers: ['x'] }, aliases: { a: 'b' } });
  assert.ok(Object.isFrozen(config));
  assert.ok(Object.isFrozen(config.offline.store));
  assert.ok(Object.isFrozen(config.deny.callers));
  assert.ok(Object.isFrozen(config.deny.callers[0]));
  assert.ok(Object.isFrozen(config.aliases));
  assert.throws(() => {
    (config as { mode: string }).mode = 'seed';
  }, TypeError);
});

test('the sample rules file in yate-conf loads and uses every field', () => {
  const config = loadConfig(SAMPLE, ENV);
  assert.equal(config.file, SAMPLE);
  assert.deepEqual(config.warnings, []);
  assert.equal(config.mode, 'confirmed');
  assert.deepEqual(config.contentTypes, ['text/plain', 'text/*', 'message/cpim', 'application/im-iscomposing+xml']);
  assert.deepEqual(resolveAlias(config, 'sales'), { kind: 'user', user: 'alice' });
  assert.deepEqual(resolveAlias(config, 'helpdesk'), { kind: 'uri', uri: 'sip:support@helpdesk.example.com:5061;transport=tls' });
  assert.equal(isDenied(config, { caller: 'Anonymous', called: 'alice' }), 'caller');
  assert.equal(isDenied(config, { caller: 'alice', called: '112' }), 'callee');
  assert.deepEqual(config.offline.store, { kind: 'sqlite', path: '/var/lib/yate-chat/yate-chat.db' });
  assert.deepEqual(config.users, ['alice', 'bob', 'carol']);
  assert.equal(config.presence.watchers, 'local');
  assert.deepEqual(config.presence.deny.watchers.map((p) => p.text), ['guest']);
  assert.deepEqual(config.groups.team, { members: ['alice', 'bob', 'carol'], writers: 'members' });
  assert.equal(config.history.enabled, false);
  // Every top-level field of the schema is written in the sample (not left to its default).
  const written = Object.keys(JSON.parse(fs.readFileSync(SAMPLE, 'utf8')) as object).filter((k) => !k.startsWith('//'));
  assert.deepEqual(written.sort(), Object.keys(config).filter((k) => k !== 'file' && k !== 'warnings').sort());
});

test('an unknown field is refused naming it, with a suggestion when it looks like a typo', () => {
  const file = writeRules({ rateLimt: { messages: 5 }, offline: { expiry: 5 } });
  const err = refusal(file);
  assert.deepEqual(
    err.issues.map((i) => i.field),
    ['offline.expiry', 'rateLimt'],
  );
  assert.match(err.issues[1]!.message, /^unknown field \(did you mean "rateLimit"\?/);
  assert.match(err.message, new RegExp(`^Rules file ${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} is invalid \\(2 problems\\):`));
});

test('comment keys starting with // or $comment are allowed anywhere, and may repeat', () => {
  const text = `{
    "//": "top",
    "// again": ["several", "lines"],
    "$comment": {"anything": [1, 2]},
    "rateLimit": { "//": "inside", "$comment-2": 1, "messages": 5 },
    "aliases": { "// note": "not an alias", "100": "alice" },
    "offline": { "store": { "//": 1, "//": 2, "kind": "memory" } }
  }`;
  const config = load(text);
  assert.deepEqual(config.rateLimit, { messages: 5, intervalSeconds: 60, code: 503 });
  assert.deepEqual({ ...config.aliases }, { '100': 'alice' });
  assert.deepEqual(config.offline.store, { kind: 'memory' });
});

test('several problems are reported together in one error', () => {
  const err = refusal(writeRules({ mode: 'loud', maxBodyBytes: 0, log: 'trace', aliases: { a: 'b', b: 'a' } }));
  assert.deepEqual(
    err.issues.map((i) => i.field),
    ['mode', 'maxBodyBytes', 'log', 'aliases.a', 'aliases.b'],
  );
  assert.equal(err.code, 'CONFIG_INVALID');
  assert.ok(isYateChatError(err, 'CONFIG_INVALID'));
});

test('problems across fields come with every other problem, not after them: a bad domain, an alias loop, a webhook without a secret that is also an alias', () => {
  const err = refusal(writeRules({ domain: 'not a host', aliases: { a: 'b', b: 'a', bot: '234' }, webhooks: { bot: 'http://127.0.0.1:8091/hook' } }));
  assert.deepEqual(err.issues.map((i) => i.field), ['domain', 'aliases.a', 'aliases.b', 'webhookSecret', 'webhooks.bot']);
  assert.match(err.issues[3]!.message, /^expected a secret to sign webhook requests with/);
});

test('a rules file that cannot be read is said to be unreadable, not invalid', () => {
  const missing = path.join(tempDir(), 'gone.json');
  const err = refusal(missing);
  assert.equal(err.unreadable, true);
  assert.equal(err.message, `Rules file ${missing} cannot be read (1 problem):\n  - cannot read the rules file: no such file`);
  assert.equal(refusal(writeRules({ mode: 'loud' })).unreadable, false);
});

test('invalid JSON is reported with its line and column', () => {
  const file = writeRules('{\n  "mode": "seed",\n  "log": "info"\n  "maxBodyBytes": 10\n}\n');
  const err = refusal(file);
  assert.deepEqual(err.issues, [{ field: '', message: 'expected "," or "}" after a field, got "\\""', line: 4, column: 3 }]);
  assert.match(formatConfigError(err), /line 4, column 3: expected "," or "}" after a field/);
});

test('a trailing comma is reported at the closing brace with a hint', () => {
  const err = refusal(writeRules('{\n  "mode": "seed",\n}'));
  assert.deepEqual(
    err.issues.map((i) => [i.line, i.column, i.message]),
    [[3, 1, 'expected a field name in double quotes, got "}" (JSON allows no comma before "}")']],
  );
});

test('a // comment line in the JSON is reported with a hint to use a comment key', () => {
  const err = refusal(writeRules('{\n  // the mode\n  "mode": "seed"\n}'));
  assert.deepEqual(
    err.issues.map((i) => [i.line, i.column]),
    [[2, 3]],
  );
  assert.match(err.issues[0]!.message, /JSON has no comments: write them as "\/\/": "\.\.\." fields/);
});

test('an empty file, a top-level array and text after the object are refused', () => {
  assert.deepEqual(
    refusal(writeRules('')).issues.map((i) => i.message),
    ['expected a JSON object, got the end of the file'],
  );
  assert.deepEqual(
    refusal(writeRules('[]')).issues.map((i) => [i.field, i.message]),
    [['', 'expected a JSON object, got []']],
  );
  assert.deepEqual(
    refusal(writeRules('{} x')).issues.map((i) => [i.line, i.column]),
    [[1, 4]],
  );
});

test('a byte-order mark at the start of the file is ignored', () => {
  assert.equal(load('\uFEFF{"mode": "seed"}').mode, 'seed');
});

test('bytes that are not UTF-8 are refused', () => {
  const file = path.join(tempDir(), 'latin1.json');
  fs.writeFileSync(file, Buffer.from([0x7b, 0x22, 0xe9, 0x22, 0x3a, 0x31, 0x7d]));
  assert.deepEqual(
    refusal(file).issues.map((i) => i.message),
    ['expected UTF-8 text, got bytes that are not UTF-8'],
  );
});

test('a duplicate field is refused with its position, since JSON would keep only the last', () => {
  const err = refusal(writeRules('{\n  "mode": "seed",\n  "mode": "confirmed"\n}'));
  assert.deepEqual(err.issues, [
    { field: 'mode', message: 'duplicate field: JSON would silently keep only the last one', line: 3, column: 3 },
  ]);
});

test('a __proto__ field is refused instead of being dropped', () => {
  assert.deepEqual(
    refusal(writeRules('{"aliases": {"__proto__": "alice"}}')).issues.map((i) => i.field),
    ['aliases.__proto__'],
  );
});

test('a missing file is refused naming its path', () => {
  const file = path.join(tempDir(), 'nope.json');
  const err = refusal(file);
  assert.equal(err.file, file);
  assert.deepEqual(err.issues, [{ field: '', message: 'cannot read the rules file: no such file' }]);
  assert.equal(err.message, `Rules file ${file} cannot be read (1 problem):\n  - cannot read the rules file: no such file`);
});

test('a folder given as the rules file is refused naming its path', () => {
  const dir = tempDir();
  const err = refusal(dir);
  assert.equal(err.file, dir);
  assert.deepEqual(err.issues.map((i) => i.message), ['cannot read the rules file: it is a folder']);
});

test('a relative rules file path is made absolute against the working directory', () => {
  const file = writeRules({});
  const relative = path.relative(process.cwd(), file);
  assert.equal(loadConfig(relative, ENV).file, file);
});

test('a relative store path is resolved against the rules file folder, not the working directory', () => {
  const file = writeRules({ offline: { store: { kind: 'sqlite', path: 'data/chat.db' } } });
  assert.deepEqual(loadConfig(file, ENV).offline.store, { kind: 'sqlite', path: path.join(path.dirname(file), 'data', 'chat.db') });
});

test('an absolute store path is kept, and kind defaults to sqlite when only a path is given', () => {
  assert.deepEqual(load({ offline: { store: { path: '/srv/chat/x.db' } } }).offline.store, { kind: 'sqlite', path: '/srv/chat/x.db' });
});

test('a store without a path uses $YATE_CHAT_DATA/yate-chat.db', () => {
  const config = loadConfig(writeRules({ offline: { store: { kind: 'sqlite' } } }), { env: { YATE_CHAT_DATA: '/data/chat' } });
  assert.deepEqual(config.offline.store, { kind: 'sqlite', path: '/data/chat/yate-chat.db' });
});

test('a relative YATE_CHAT_DATA is refused naming the variable', () => {
  const err = refusal(writeRules({}), { env: { YATE_CHAT_DATA: 'data' } });
  assert.deepEqual(err.issues, [{ field: 'YATE_CHAT_DATA (environment)', message: 'expected an absolute folder path, got "data"' }]);
  assert.throws(() => loadConfig(undefined, { env: { YATE_CHAT_DATA: 'data' } }), (e: unknown) => e instanceof ConfigError && e.file === null);
});

test('without YATE_CHAT_DATA the store goes to the system folder when it is writable', () => {
  const system = tempDir();
  assert.deepEqual(defaultStorePath({}, { systemDir: system, tmpDir: '/nowhere' }), {
    ok: true,
    path: path.join(system, 'yate-chat.db'),
    temporary: false,
  });
});

test('without YATE_CHAT_DATA or a system folder the store goes to the temporary folder', () => {
  const tmp = tempDir();
  assert.deepEqual(defaultStorePath({}, { systemDir: path.join(tmp, 'missing'), tmpDir: tmp }), {
    ok: true,
    path: path.join(tmp, `yate-chat-${process.getuid!()}`, 'yate-chat.db'),
    temporary: true,
  });
});

/** The warning README promises for a store in the temporary folder, for the path `db`. */
const tmpWarning = (db: string): string =>
  `offline messages are kept in ${db}, a temporary folder that may be emptied at reboot: ` +
  'set offline.store.path in the rules file or YATE_CHAT_DATA in the environment';

test('without YATE_CHAT_DATA or a system folder, the store is <tmp>/yate-chat/yate-chat.db, loaded with a warning', () => {
  const tmp = tempDir();
  const db = path.join(tmp, `yate-chat-${process.getuid!()}`, 'yate-chat.db');
  const config = loadConfig(undefined, { env: {}, systemDir: path.join(tmp, 'no-such-folder'), tmpDir: tmp });
  assert.deepEqual(config.offline.store, { kind: 'sqlite', path: db });
  assert.deepEqual(config.warnings, [tmpWarning(db)]);
});

test('the temporary folder is the system one (TMPDIR) unless told otherwise', () => {
  const tmp = tempDir();
  const saved = process.env['TMPDIR'];
  process.env['TMPDIR'] = tmp;
  try {
    const config = loadConfig(undefined, { env: {}, systemDir: path.join(tmp, 'no-such-folder') });
    const db = path.join(tmp, `yate-chat-${process.getuid!()}`, 'yate-chat.db');
    assert.deepEqual(config.offline.store, { kind: 'sqlite', path: db });
    assert.deepEqual(config.warnings, [tmpWarning(db)]);
  } finally {
    if (saved === undefined) delete process.env['TMPDIR'];
    else process.env['TMPDIR'] = saved;
  }
});

test('a writable system folder takes the store, without a warning', () => {
  const system = tempDir();
  const config = loadConfig(undefined, { env: {}, systemDir: system, tmpDir: tempDir() });
  assert.deepEqual(config.offline.store, { kind: 'sqlite', path: path.join(system, 'yate-chat.db') });
  assert.deepEqual(config.warnings, []);
});

test('a system folder that is a regular file is passed over for the temporary folder', () => {
  const tmp = tempDir();
  const notAFolder = path.join(tmp, 'yate-chat-system');
  fs.writeFileSync(notAFolder, '');
  const config = loadConfig(undefined, { env: {}, systemDir: notAFolder, tmpDir: tmp });
  const db = path.join(tmp, `yate-chat-${process.getuid!()}`, 'yate-chat.db');
  assert.deepEqual(config.offline.store, { kind: 'sqlite', path: db });
  assert.deepEqual(config.warnings, [tmpWarning(db)]);
});

test('YATE_CHAT_DATA wins over a writable system folder, without a warning', () => {
  const data = tempDir();
  const config = loadConfig(undefined, { env: { YATE_CHAT_DATA: data }, systemDir: tempDir(), tmpDir: tempDir() });
  assert.deepEqual(config.offline.store, { kind: 'sqlite', path: path.join(data, 'yate-chat.db') });
  assert.deepEqual(config.warnings, []);
});

test('no warning when the rules name a store path, keep the store in memory or turn it off, even where the default is temporary', () => {
  const tmp = tempDir();
  const folders = { env: {}, systemDir: path.join(tmp, 'no-such-folder'), tmpDir: tmp };
  const named = loadConfig(writeRules({ offline: { store: { path: '/srv/chat/x.db' } } }), folders);
  assert.deepEqual([named.offline.store, named.warnings], [{ kind: 'sqlite', path: '/srv/chat/x.db' }, []]);
  const memory = loadConfig(writeRules({ offline: { store: { kind: 'memory' } } }), folders);
  assert.deepEqual([memory.offline.store, memory.warnings], [{ kind: 'memory' }, []]);
  const off = loadConfig(writeRules({ offline: { enabled: false } }), folders);
  assert.deepEqual(off.warnings, []);
});
