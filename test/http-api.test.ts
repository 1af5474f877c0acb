// The HTTP face's /v1 API, driven with real HTTP requests (fetch) against the REAL module
// running on the engine emulator (regfile, ysipchan) over pipes: what a chatbot, an SMS
// gateway or a helpdesk tool gets.
import assert from 'node:assert/strict';
import { statSync } from 'node:fs';
import { deflateSync } from 'node:zlib';
import { request } from 'node:http';
import path from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { command, contact, delivered, rules, sentTo, until, withLab } from './fixtures/chat-lab.js';
import { httpAddress, withHttpLab } from './fixtures/http-lab.js';

interface SendAnswer {
  code: number;
  detail: string;
}

const PIDF = '<?xml version="1.0"?><presence xmlns="urn:ietf:params:xml:ns:pidf" entity="sip:123@127.0.0.1"><tuple id="t1"><status><basic>open</basic></status><note>at my desk</note></tuple></presence>';

test('POST /v1/messages delivers to a registered user and answers 200 with the SIP code 200', async () => {
  await withHttpLab({}, async (lab) => {
    await lab.register('234', 5070);
    const res = await lab.api('/v1/messages', { body: { from: '123', to: '234', body: 'hello from the API' } });
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type') ?? '', /^application\/json/);
    const json = (await res.json()) as SendAnswer;
    assert.equal(json.code, 200);
    assert.match(json.detail, /delivered to sip\/sip:234@127\.0\.0\.1:5070/);
    const [req] = await delivered(lab, contact('234', 5070), 1);
    assert.equal(req!.body, 'hello from the API');
    await lab.emu.log.waitForLog(/MESSAGE 123 -> 234 \[text\/plain, 18 B\] => 200 delivered to sip\/sip:234@127\.0\.0\.1:5070 \(HTTP API\)/);
    assert.equal(req!.type, 'text/plain');
    // No domain known for 123 (no rules domain, not registered): ysipchan writes From from `user`.
    assert.equal(req!.user, '123');
  });
});

test('the API takes a content type and keeps UTF-8 text byte for byte', async () => {
  await withHttpLab({}, async (lab) => {
    await lab.register('234', 5070);
    const res = await lab.api('/v1/messages', { body: { from: '123', to: '234', body: 'naïve 日本 🎉', contentType: 'text/plain;charset=utf-8' } });
    assert.equal(res.status, 200);
    const [req] = await delivered(lab, contact('234', 5070), 1);
    assert.equal(Buffer.from(req!.body!, 'latin1').toString('utf8'), 'naïve 日本 🎉');
    assert.equal(req!.type, 'text/plain;charset=utf-8');
  });
});

test('without the token, or with a wrong one, the API answers 401 and sends nothing', async () => {
  await withHttpLab({}, async (lab) => {
    await lab.register('234', 5070);
    for (const token of [null, 'wrong-token-0123456789']) {
      const res = await lab.api('/v1/messages', { body: { from: '123', to: '234', body: 'x' }, token });
      assert.equal(res.status, 401, `token ${token}`);
      assert.match(res.headers.get('www-authenticate') ?? '', /^Bearer/);
      assert.ok(((await res.json()) as { error: string }).error);
      for (const p of ['/v1/presence/123', '/v1/queue/555']) assert.equal((await lab.api(p, { token })).status, 401, p);
    }
    assert.equal(sentTo(lab, contact('234', 5070)).length, 0);
  });
});

test('an Authorization header that is not "Bearer <token>" is a bad request (RFC 6750)', async () => {
  await withHttpLab({}, async (lab) => {
    const res = await fetch(`${lab.base}/v1/presence`, { headers: { authorization: 'Basic dXNlcjpwYXNz' } });
    assert.equal(res.status, 400);
    assert.match(((await res.json()) as { error: string }).error, /Bearer <token>/);
  });
});

test('a body that is not JSON is answered 400 naming the body', async () => {
  await withHttpLab({}, async (lab) => {
    const res = await lab.api('/v1/messages', { raw: '{"from": "123",' });
    assert.equal(res.status, 400);
    const json = (await res.json()) as { problems: { field: string; message: string }[] };
    assert.deepEqual(json.problems.map((p) => p.field), ['body']);
    assert.match(json.problems[0]!.message, /^expected JSON/);
  });
});

test('bad fields are answered 400 with each field and what was expected', async () => {
  await withHttpLab({}, async (lab) => {
    const res = await lab.api('/v1/messages', { body: { from: 123, to: 'sip:234@example.com', contentType: 'plain', extra: true } });
    assert.equal(res.status, 400);
    const json = (await res.json()) as { error: string; problems: { field: string; message: string }[] };
    assert.deepEqual(json.problems, [
      { field: 'from', message: 'expected a user name, optionally @domain (like "123" or "123@sip.example.com"), got 123' },
      { field: 'to', message: 'expected a user name (like "234"), got "sip:234@example.com"' },
      { field: 'body', message: 'expected a non-empty string, got nothing' },
      { field: 'contentType', message: 'expected a MIME type like "text/plain" or "text/plain;charset=utf-8", got "plain"' },
      { field: 'extra', message: 'unknown field (expected "from", "to", "body", "contentType", "bodyEncoding", "contentEncoding", "contentLanguage", "contentDisposition")' },
    ]);
    assert.match(json.error, /^from: expected a user name/);
  });
});

test('a binary body in base64 with its Content-Encoding (a deflated receipt) goes out byte for byte with the header, and is kept so when the user is offline', async () => {
  const deflated = deflateSync(Buffer.from('<imdn xmlns="urn:ietf:params:xml:ns:imdn"><message-id>x</message-id></imdn>'));
  const body = { from: '123', body: deflated.toString('base64'), contentType: 'message/imdn+xml', bodyEncoding: 'base64', contentEncoding: 'deflate', contentLanguage: 'en' };
  await withHttpLab({}, async (lab) => {
    await lab.register('234', 5070);
    assert.equal((await lab.api('/v1/messages', { body: { ...body, to: '234' } })).status, 200);
    const [req] = await delivered(lab, contact('234', 5070), 1);
    assert.deepEqual([req!.encoding, req!.bodyBytes, req!.headers.filter(([h]) => h.startsWith('Content-'))],
      ['base64', deflated.toString('latin1'), [['Content-Encoding', 'deflate'], ['Content-Language', 'en']]]);
    assert.equal((await lab.api('/v1/messages', { body: { ...body, to: '555' } })).status, 202);
    const queue = (await (await lab.api('/v1/queue/555')).json()) as { messages: { bodyEncoding: string; headers: Record<string, string> }[] };
    assert.deepEqual([queue.messages[0]!.bodyEncoding, queue.messages[0]!.headers], ['base64', { 'Content-Encoding': 'deflate', 'Content-Language': 'en' }]);
  });
});

test('a body that is not base64 under bodyEncoding "base64", or a header value with a line break, is answered 400 naming the field', async () => {
  await withHttpLab({}, async (lab) => {
    const bad = await lab.api('/v1/messages', { body: { from: '123', to: '234', body: 'not base64!', bodyEncoding: 'base64' } });
    assert.equal(bad.status, 400);
    assert.deepEqual(((await bad.json()) as { problems: { field: string }[] }).problems.map((p) => p.field), ['body']);
    const broken = await lab.api('/v1/messages', { body: { from: '123', to: '234', body: 'x', contentLanguage: 'en\r\nX-Evil: 1', bodyEncoding: 'hex' } });
    assert.equal(broken.status, 400);
    assert.deepEqual(((await broken.json()) as { problems: { field: string }[] }).problems.map((p) => p.field), ['bodyEncoding', 'contentLanguage']);
  });
});

test('a sender domain that is not a host is answered 400 naming from', async () => {
  await withHttpLab({}, async (lab) => {
    const res = await lab.api('/v1/messages', { body: { from: '123@bad_host!', to: '234', body: 'x' } });
    assert.equal(res.status, 400);
    const json = (await res.json()) as { problems: { field: string; message: string }[] };
    assert.equal(json.problems[0]!.field, 'from');
    assert.match(json.problems[0]!.message, /not a domain/);
  });
});

test('an unknown user is 404 with the SIP code 404; an offline known user is 202, kept, and shown by GET /v1/queue', async () => {
  await withHttpLab({}, async (lab) => {
    const unknown = await lab.api('/v1/messages', { body: { from: '123', to: '999', body: 'anyone?' } });
    assert.equal(unknown.status, 404);
    assert.deepEqual(await unknown.json(), { code: 404, detail: 'no route to 999' });

    const kept = await lab.api('/v1/messages', { body: { from: '123', to: '555', body: 'call me' } });
    assert.equal(kept.status, 202);
    assert.equal(((await kept.json()) as SendAnswer).code, 202);

    const queue = (await (await lab.api('/v1/queue/555')).json()) as { user: string; total: number; messages: { from: string; body: string; contentType: string; bytes: number; attempts: number; receivedAt: string }[] };
    assert.equal(queue.user, '555');
    assert.equal(queue.total, 1);
    assert.deepEqual({ ...queue.messages[0]!, receivedAt: 'T' }, {
      ...queue.messages[0]!, from: '123', body: 'call me', contentType: 'text/plain', bytes: 7, attempts: 0, receivedAt: 'T',
    });
    assert.ok(!Number.isNaN(Date.parse(queue.messages[0]!.receivedAt)));
    const all = (await (await lab.api('/v1/queue')).json()) as { user: string; count: number }[];
    assert.deepEqual(all.map((r) => [r.user, r.count]), [['555', 1]]);
    // The same as rmanager's view of it.
    assert.match(await command(lab, 'chat queue 555'), /from 123 /);
  });
});

test('the sender\'s checks apply as to a SIP MESSAGE from that user: 415, 413, 403', async () => {
  await withHttpLab({ contentTypes: ['text/plain'], maxBodyBytes: 10, deny: { callers: ['666'] } }, async (lab) => {
    await lab.register('234', 5070);
    const cases: [Record<string, unknown>, number][] = [
      [{ from: '123', to: '234', body: 'x', contentType: 'application/json' }, 415],
      [{ from: '123', to: '234', body: 'more than ten bytes' }, 413],
      [{ from: '666', to: '234', body: 'x' }, 403],
    ];
    for (const [body, code] of cases) {
      const res = await lab.api('/v1/messages', { body });
      assert.equal(res.status, code, JSON.stringify(body));
      assert.equal(((await res.json()) as SendAnswer).code, code);
    }
    assert.equal(sentTo(lab, contact('234', 5070)).length, 0);
  });
});

test('a sender over its rate limit gets 429 with Retry-After, from the same bucket as its SIP MESSAGEs', async () => {
  await withHttpLab({ rateLimit: { messages: 2, intervalSeconds: 3600 } }, async (lab) => {
    await lab.register('234', 5070);
    assert.equal(await lab.sip.receiveMessage({ path: 'generic', caller: '123', called: '234', type: 'text/plain', body: 'by SIP' }), 200);
    assert.equal((await lab.api('/v1/messages', { body: { from: '123', to: '234', body: 'by HTTP' } })).status, 200);
    const limited = await lab.api('/v1/messages', { body: { from: '123', to: '234', body: 'one too many' } });
    assert.equal(limited.status, 429);
    assert.ok(Number(limited.headers.get('retry-after')) >= 1);
    assert.equal(((await limited.json()) as SendAnswer).code, 503);
    // Another sender has a bucket of its own.
    assert.equal((await lab.api('/v1/messages', { body: { from: '555', to: '234', body: 'hi' } })).status, 200);
  });
});

test('GET /v1/presence/USER shows what the user PUBLISHed, like chat presence; nobody\'s is 404', async () => {
  await withHttpLab({}, async (lab) => {
    assert.equal(await lab.sip.receivePublish({ caller: '123', called: '123', type: 'application/pidf+xml', body: PIDF }), 200);
    const res = await lab.api('/v1/presence/123');
    assert.equal(res.status, 200);
    const p = (await res.json()) as { user: string; basic: string; note: string; since: string; expires: string };
    assert.deepEqual([p.user, p.basic, p.note], ['123', 'open', 'at my desk']);
    assert.ok(Date.parse(p.expires) > Date.parse(p.since));
    assert.equal(((await (await lab.api('/v1/presence')).json()) as unknown[]).length, 1);
    const none = await lab.api('/v1/presence/234');
    assert.equal(none.status, 404);
    assert.deepEqual(await none.json(), { error: 'no presence for 234' });
  });
});

test('GET /v1/queue with the offline store off is 404 saying so', async () => {
  await withHttpLab({ offline: { enabled: false } }, async (lab) => {
    const res = await lab.api('/v1/queue/555');
    assert.equal(res.status, 404);
    assert.match(((await res.json()) as { error: string }).error, /offline store is off/);
  });
});

test('GET /healthz needs no token and answers 200 with the link up and the store usable, naming nothing private', async () => {
  await withHttpLab({}, async (lab) => {
    const res = await fetch(`${lab.base}/healthz`);
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('cache-control'), 'no-store');
    assert.deepEqual(await res.json(), { status: 'ok', engine: 'up', store: 'ok', subscriptions: 'ok' });
  });
});

test('GET /healthz answers 503 when the offline store cannot be used, still without its path', async () => {
  const unusable = fileURLToPath(new URL('../../package.json/yate-chat.db', import.meta.url));
  await withHttpLab({ offline: { store: { kind: 'sqlite', path: unusable } } }, async (lab) => {
    const res = await fetch(`${lab.base}/healthz`);
    assert.equal(res.status, 503);
    const text = await res.text();
    assert.deepEqual(JSON.parse(text), { status: 'unavailable', engine: 'up', store: 'unavailable', subscriptions: 'unavailable' });
    assert.ok(!text.includes('package.json'), text);
  });
});

test('an unknown path or method is a JSON 404', async () => {
  await withHttpLab({}, async (lab) => {
    for (const [p, method] of [['/v1/nothing', 'GET'], ['/v1/messages', 'GET'], ['/', 'GET']] as const) {
      const res = await lab.api(p, { method });
      assert.equal(res.status, 404, `${method} ${p}`);
      assert.match(((await res.json()) as { error: string }).error, /^no such resource/);
    }
  });
});

test('a request body over 128 KiB is refused with 413 before it is read whole', async () => {
  await withHttpLab({}, async (lab) => {
    const res = await lab.api('/v1/messages', { body: { from: '123', to: '234', body: 'x'.repeat(200 * 1024) } });
    assert.equal(res.status, 413);
    assert.match(((await res.json()) as { error: string }).error, /larger than 131072 bytes/);
  });
});

test('while the API is used, everything the module writes to Yate is a protocol line', async () => {
  await withHttpLab({}, async (lab) => {
    await lab.register('234', 5070);
    await lab.api('/v1/messages', { body: { from: '123', to: '234', body: 'x' } });
    await lab.api('/v1/messages', { raw: 'not json' });
    await lab.api('/v1/messages', { body: { from: '123', to: '234', body: 'x' }, token: null });
    await fetch(`${lab.base}/metrics`);
    const fromModule = lab.link.traffic.filter((l) => l.startsWith('A: '));
    assert.ok(fromModule.length > 10);
    for (const l of fromModule) assert.match(l, /^A: %%[<>]/);
    assert.equal(lab.emu.log.entries.filter((e) => e.text.startsWith('Error in:')).length, 0);
  });
});

test('the API listens on a Unix socket when listen is a path, relative to the rules file', async () => {
  await withLab({ rules: rules({ http: { listen: './http.sock' } }) }, async (lab) => {
    const address = await httpAddress(lab);
    assert.equal(address, `unix:${path.join(lab.dir, 'http.sock')}`);
    const { status, body } = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      request({ socketPath: address.slice('unix:'.length), path: '/metrics' }, (res) => {
        let body = '';
        res.on('data', (d: Buffer) => (body += d));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      }).on('error', reject).end();
    });
    assert.equal(status, 200);
    assert.match(body, /^# TYPE yatechat_messages_total counter$/m);
    assert.equal(statSync(address.slice('unix:'.length)).mode & 0o777, 0o660, 'Yate\'s user and group only');
  });
});

test('a listen address already taken leaves the module routing, with the reason in Yate\'s log', async () => {
  await withHttpLab({}, async (first) => {
    const taken = first.base.slice('http://'.length);
    await withLab({ rules: rules({ http: { listen: taken, token: 'another-token-0123456789' } }) }, async (lab) => {
      const line = await lab.emu.log.waitForLog(/http: cannot listen on/, 10000);
      assert.match(line.text, new RegExp(`cannot listen on ${taken.replace(/\./g, '\\.')}: .*EADDRINUSE.*SIP routing goes on`));
      await lab.register('234', 5070);
      assert.equal(await lab.sip.receiveMessage({ path: 'generic', caller: '123', called: '234', type: 'text/plain', body: 'still here' }), 200);
    });
  });
});

test('the HTTP face closes with the module', async () => {
  let base = '';
  await withHttpLab({}, async (lab) => {
    base = lab.base;
    assert.equal((await fetch(`${base}/metrics`)).status, 200);
  });
  await until('the port to refuse connections', () => fetch(`${base}/metrics`).then(() => false, (err: Error) => /fetch failed/.test(err.message)));
});
