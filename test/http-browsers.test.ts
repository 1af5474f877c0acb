// Web browsers cannot use the HTTP face (issue 21, finding 5): on a loopback face without a
// token a cross-site `text/plain` POST (no CORS preflight) sent a message as anyone, and DNS
// rebinding let a page read /v1/queue/USER. Real requests (node:http, which sends the Host and
// Origin headers it is given) to the REAL module on the emulator.
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { test } from 'node:test';
import { command, send } from './fixtures/chat-lab.js';
import { withHttpLab } from './fixtures/http-lab.js';

interface Answer { status: number; body: string }

/** One request with exactly these headers (no token unless given). */
function raw(base: string, method: string, path: string, headers: Record<string, string>, body?: string): Promise<Answer> {
  const u = new URL(base);
  return new Promise((resolve, reject) => {
    const req = request({ host: u.hostname, port: u.port, method, path, headers: { ...headers, ...(body === undefined ? {} : { 'content-length': String(Buffer.byteLength(body)) }) } }, (res) => {
      let text = '';
      res.setEncoding('utf8').on('data', (d: string) => (text += d)).on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

const MESSAGE = JSON.stringify({ from: '123', to: '555', body: 'from a web page' });
const noToken = { http: { listen: '127.0.0.1:0' } };

test('a loopback face without a token refuses a text/plain POST from a web page (Origin) with 403, and a text/plain POST without one with 415: nothing is sent', async () => {
  await withHttpLab(noToken, async (lab) => {
    const host = new URL(lab.base).host;
    const fromPage = await raw(lab.base, 'POST', '/v1/messages', { host, origin: 'https://evil.example', 'content-type': 'text/plain' }, MESSAGE);
    assert.equal(fromPage.status, 403);
    assert.match(fromPage.body, /web pages/);
    const plain = await raw(lab.base, 'POST', '/v1/messages', { host, 'content-type': 'text/plain' }, MESSAGE);
    assert.equal(plain.status, 415);
    assert.match(plain.body, /application\/json/);
    // A form post and a JSON one from a page: refused for the Origin alike.
    assert.equal((await raw(lab.base, 'POST', '/v1/messages', { host, origin: 'null', 'content-type': 'application/json' }, MESSAGE)).status, 403);
    assert.equal(await command(lab, 'chat queue'), 'no stored messages\r\n');
    // The same message as a client sends it: accepted.
    assert.equal((await raw(lab.base, 'POST', '/v1/messages', { host, 'content-type': 'application/json; charset=utf-8' }, MESSAGE)).status, 202);
  });
});

test('a loopback face answers 421 to a Host that is not a loopback name (DNS rebinding), on the API and /metrics alike, and serves localhost, 127.0.0.1 and [::1]', async () => {
  await withHttpLab(noToken, async (lab) => {
    assert.equal(await send(lab, 'generic', { called: '555', body: 'private' }), 202);
    const port = new URL(lab.base).port;
    for (const path of ['/v1/queue/555', '/v1/presence', '/metrics']) {
      const rebound = await raw(lab.base, 'GET', path, { host: 'evil.example' });
      assert.equal(rebound.status, 421, path);
      assert.doesNotMatch(rebound.body, /private/);
      assert.equal((await raw(lab.base, 'GET', path, { host: `evil.example:${port}` })).status, 421, path);
    }
    for (const host of [`127.0.0.1:${port}`, `localhost:${port}`, `[::1]:${port}`, 'localhost']) {
      assert.equal((await raw(lab.base, 'GET', '/v1/queue/555', { host })).status, 200, host);
    }
  });
});

test('with a token, a request from a web page is refused all the same, token or not', async () => {
  await withHttpLab({}, async (lab) => {
    const res = await lab.api('/v1/queue');
    assert.equal(res.status, 200);
    const host = new URL(lab.base).host;
    assert.equal((await raw(lab.base, 'GET', '/v1/queue', { host, origin: 'https://evil.example', authorization: 'Bearer test-token-0123456789abcdef' })).status, 403);
  });
});
