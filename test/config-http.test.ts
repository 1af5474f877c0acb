// The rules file's HTTP face, webhooks and push: `http` (listen, token), `webhooks`, `webhookSecret`,
// `webhookTimeoutMs`, `push`, `offline.lateWindowSeconds`, and the environment's token and secrets.
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { test } from 'node:test';
import { isLocalOnly, loadConfig, parseListen } from '../src/config/index.js';
import { ENV, issuesOf, load, refusal, writeRules } from './config-fixtures.js';

const TOKEN = 'abcdefghijklmnop0123';
const SECRET = 'a webhook secret!'.replace(/ /g, '-');
const withEnv = (more: Record<string, string>) => ({ env: { ...ENV.env, ...more } });

test('http on a loopback address without a token loads, with a warning that any local process may use the API', () => {
  const config = load({ http: { listen: '127.0.0.1:8090' } });
  assert.deepEqual(config.http, { listen: { kind: 'tcp', host: '127.0.0.1', port: 8090 }, token: null });
  assert.deepEqual(config.warnings, ['http: no token, so the /v1 API on 127.0.0.1:8090 takes requests from any local process: set http.token or YATE_CHAT_HTTP_TOKEN']);
});

test('without http in the file there is no HTTP face', () => {
  assert.equal(load({}).http, undefined);
});

test('a listen address that is not loopback, without a token, is refused naming http.token', () => {
  for (const listen of ['0.0.0.0:8090', '10.0.0.5:8090', '[::]:8090', 'sip.example.com:80']) {
    assert.deepEqual(issuesOf({ http: { listen } }), [{
      field: 'http.token',
      message: `expected a token (here or in YATE_CHAT_HTTP_TOKEN) when listening on ${listen}, which is not a loopback address, got nothing`,
    }], listen);
  }
});

test('the token may come from YATE_CHAT_HTTP_TOKEN instead of the file; the file\'s wins when both are there', () => {
  const file = writeRules({ http: { listen: '0.0.0.0:8090' } });
  assert.equal(loadConfig(file, withEnv({ YATE_CHAT_HTTP_TOKEN: TOKEN })).http?.token, TOKEN);
  const both = writeRules({ http: { listen: '0.0.0.0:8090', token: 'from-the-file-0123456789' } });
  assert.equal(loadConfig(both, withEnv({ YATE_CHAT_HTTP_TOKEN: TOKEN })).http?.token, 'from-the-file-0123456789');
});

test('a bad token is refused without being shown, from the file or the environment', () => {
  assert.deepEqual(issuesOf({ http: { listen: '127.0.0.1:1', token: 'short' } }), [{
    field: 'http.token', message: 'expected 16 to 256 characters of A-Z a-z 0-9 - . _ ~ + / (then any "="), got 5 characters that are not (not shown: a secret)',
  }]);
  assert.equal(issuesOf({ http: { listen: '127.0.0.1:1', token: 'has spaces in it 0123456789' } })[0]!.field, 'http.token');
  const err = refusal(writeRules({}), withEnv({ YATE_CHAT_HTTP_TOKEN: 'tiny' }));
  assert.deepEqual(err.issues.map((i) => [i.field, i.message]), [['YATE_CHAT_HTTP_TOKEN (environment)', 'expected 16 to 256 characters of A-Z a-z 0-9 - . _ ~ + / (then any "="), got 4 characters that are not']]);
  assert.doesNotMatch(err.message, /tiny/);
});

test('a Unix socket path is resolved against the rules file\'s folder and needs no token', () => {
  const file = writeRules({ http: { listen: './run/http.sock' } });
  const config = loadConfig(file, ENV);
  assert.deepEqual(config.http?.listen, { kind: 'unix', path: path.join(path.dirname(file), 'run', 'http.sock') });
  assert.equal(load({ http: { listen: '/run/yate-chat/http.sock' } }).http?.listen.kind, 'unix');
});

test('a listen value that is neither HOST:PORT nor a path is refused naming http.listen', () => {
  const cases: [unknown, string][] = [
    ['8090', 'expected HOST:PORT (like "127.0.0.1:8090" or "[::1]:8090") or a Unix socket path (starting with "/" or "./"), got "8090"'],
    ['127.0.0.1:70000', 'expected a port 0..65535 (0: any free port), got "127.0.0.1:70000"'],
    ['[zz::1]:80', 'expected HOST:PORT (like "127.0.0.1:8090" or "[::1]:8090") or a Unix socket path (starting with "/" or "./"), got "[zz::1]:80"'],
    [8090, 'expected HOST:PORT (like "127.0.0.1:8090" or "[::1]:8090") or a Unix socket path (starting with "/" or "./"), got 8090'],
    [`/${'x'.repeat(120)}`, `expected a Unix socket path of at most 107 bytes once resolved, got "/${'x'.repeat(55)}...`],
  ];
  for (const [listen, message] of cases) assert.deepEqual(issuesOf({ http: { listen, token: TOKEN } }), [{ field: 'http.listen', message }], String(listen));
  assert.deepEqual(issuesOf({ http: { token: TOKEN } }).map((i) => i.field), ['http.listen']);
  assert.deepEqual(issuesOf({ http: { listen: '127.0.0.1:1', tokn: TOKEN } }).map((i) => i.field), ['http.tokn']);
});

test('only loopback addresses and Unix sockets count as local', () => {
  const local = ['127.0.0.1:1', '127.1.2.3:1', '[::1]:1', 'localhost:1', 'LOCALHOST:1', '/tmp/x.sock'];
  const remote = ['0.0.0.0:1', '[::]:1', '192.168.1.1:1', 'example.com:1', '128.0.0.1:1', '127.example.com:1'];
  const local_ = (s: string) => {
    const r = parseListen(s, '/');
    assert.ok(r.ok, s);
    return isLocalOnly(r.value);
  };
  for (const s of local) assert.equal(local_(s), true, s);
  for (const s of remote) assert.equal(local_(s), false, s);
});

test('webhooks map addresses to http(s) URLs and need a secret, from the file or YATE_CHAT_WEBHOOK_SECRET', () => {
  const config = load({ webhooks: { bot: 'http://127.0.0.1:8091/hook' }, webhookSecret: SECRET });
  assert.deepEqual({ ...config.webhooks }, { bot: 'http://127.0.0.1:8091/hook' });
  assert.equal(config.webhookSecret, SECRET);
  assert.equal(config.webhookTimeoutMs, 3000);
  assert.deepEqual(issuesOf({ webhooks: { bot: 'http://127.0.0.1:8091/hook' } }), [{
    field: 'webhookSecret', message: 'expected a secret to sign webhook requests with (here or in YATE_CHAT_WEBHOOK_SECRET), got nothing',
  }]);
  const fromEnv = loadConfig(writeRules({ webhooks: { bot: 'https://bots.example.com/x' } }), withEnv({ YATE_CHAT_WEBHOOK_SECRET: SECRET }));
  assert.equal(fromEnv.webhookSecret, SECRET);
  assert.deepEqual(fromEnv.warnings, []);
});

test('a webhook that is not an http(s) URL, or names an invalid address, is refused', () => {
  assert.deepEqual(issuesOf({ webhooks: { bot: 'ftp://x/y', 'a b': 'http://127.0.0.1/' }, webhookSecret: SECRET }), [
    { field: 'webhooks.bot', message: 'expected an http:// or https:// URL (like "http://127.0.0.1:8091/hook"), got "ftp://x/y"' },
    { field: 'webhooks["a b"]', message: 'expected an address (a user name: no spaces, "@" or ":"), got "a b"' },
  ]);
  assert.equal(issuesOf({ webhooks: { bot: 'http://user:pw@127.0.0.1/' }, webhookSecret: SECRET })[0]!.message,
    'expected a URL without user:password (requests are signed with webhookSecret), got "http://user:pw@127.0.0.1/"');
  assert.equal(issuesOf({ webhooks: [], webhookSecret: SECRET })[0]!.field, 'webhooks');
});

test('an address that is both an alias and a webhook is refused naming the webhook', () => {
  assert.deepEqual(issuesOf({ aliases: { bot: '234' }, webhooks: { bot: 'http://127.0.0.1/hook' }, webhookSecret: SECRET }), [
    { field: 'webhooks.bot', message: 'expected an address that is not also an alias, got "bot" (aliases.bot routes it elsewhere)' },
  ]);
});

test('a plain-http webhook on another machine loads with a warning; https or loopback does not warn', () => {
  const config = load({ webhooks: { bot: 'http://10.0.0.9/hook', ok: 'https://10.0.0.9/hook', local: 'http://[::1]:9/h' }, webhookSecret: SECRET });
  assert.deepEqual(config.warnings, ['webhooks.bot: http://10.0.0.9/hook is plain http to another machine: the messages travel unencrypted (signed, not hidden); use https']);
});

test('webhookTimeoutMs is a whole number of milliseconds 100..30000', () => {
  assert.equal(load({ webhookTimeoutMs: 100 }).webhookTimeoutMs, 100);
  for (const v of [99, 30001, 1.5, '3000']) {
    assert.deepEqual(issuesOf({ webhookTimeoutMs: v }).map((i) => i.field), ['webhookTimeoutMs'], String(v));
  }
});

test('push names a gateway URL and needs a secret, from the file or YATE_CHAT_PUSH_SECRET; timeoutMs and retries have bounds', () => {
  const config = load({ push: { url: 'https://push.example.com/v1/wake', secret: SECRET } });
  assert.deepEqual(config.push, { url: 'https://push.example.com/v1/wake', secret: SECRET, timeoutMs: 5000, retries: 2 });
  assert.equal(load({}).push, undefined);
  assert.deepEqual(issuesOf({ push: { url: 'https://push.example.com/' } }), [{
    field: 'push.secret', message: 'expected a secret to sign push requests with (here or in YATE_CHAT_PUSH_SECRET), got nothing',
  }]);
  const fromEnv = loadConfig(writeRules({ push: { url: 'https://push.example.com/' } }), withEnv({ YATE_CHAT_PUSH_SECRET: SECRET }));
  assert.equal(fromEnv.push?.secret, SECRET);
  assert.deepEqual(issuesOf({ push: { secret: SECRET } }).map((i) => i.field), ['push.url']);
  assert.deepEqual(issuesOf({ push: { url: 'ftp://x/', secret: SECRET } }).map((i) => i.field), ['push.url']);
  for (const [field, v] of [['timeoutMs', 99], ['timeoutMs', 30001], ['retries', -1], ['retries', 6], ['retries', 1.5]] as const) {
    assert.deepEqual(issuesOf({ push: { url: 'https://p/', secret: SECRET, [field]: v } }).map((i) => i.field), [`push.${field}`], `${field} ${v}`);
  }
});

test('a push secret that is too short is refused without being shown, from the file or the environment', () => {
  const [issue] = issuesOf({ push: { url: 'https://p/', secret: 'short' } });
  assert.equal(issue!.field, 'push.secret');
  assert.doesNotMatch(issue!.message, /short/);
  assert.throws(() => loadConfig(writeRules({ push: { url: 'https://p/' } }), withEnv({ YATE_CHAT_PUSH_SECRET: 'short' })), (err: Error) => /YATE_CHAT_PUSH_SECRET/.test(err.message) && !/short"/.test(err.message));
});

test('a plain-http push gateway on another machine loads with a warning; https or loopback does not warn', () => {
  assert.deepEqual(load({ push: { url: 'http://10.0.0.9/wake', secret: SECRET } }).warnings, ['push.url: http://10.0.0.9/wake is plain http to another machine: device tokens travel unencrypted (signed, not hidden); use https']);
  assert.deepEqual(load({ push: { url: 'http://127.0.0.1:9/wake', secret: SECRET } }).warnings, []);
});

test('offline.lateWindowSeconds is a whole number of seconds 0..604800, 3600 by default', () => {
  assert.equal(load({}).offline.lateWindowSeconds, 3600);
  assert.equal(load({ offline: { lateWindowSeconds: 0 } }).offline.lateWindowSeconds, 0);
  for (const v of [-1, 604801, 1.5, '60']) {
    assert.deepEqual(issuesOf({ offline: { lateWindowSeconds: v } }).map((i) => i.field), ['offline.lateWindowSeconds'], String(v));
  }
});
