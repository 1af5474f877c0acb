// examples/webhook-receiver.ts, the receiver the README points to (issue 21, finding 13: the
// README's check threw on a request without a signature and took the reader's bot down). Run as
// a user runs it (node, the secret in its environment) and sent real requests.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createHmac } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { test, type TestContext } from 'node:test';
import { fileURLToPath } from 'node:url';

const EXAMPLE = fileURLToPath(new URL('../examples/webhook-receiver.js', import.meta.url));
const ROOT = new URL('../../', import.meta.url);
const SECRET = 'receiver-secret-0123456789';

async function start(t: TestContext): Promise<{ url: string; alive: () => boolean }> {
  const child = spawn(process.execPath, [EXAMPLE], { env: { ...process.env, YATE_CHAT_WEBHOOK_SECRET: SECRET, PORT: '0' }, stdio: ['ignore', 'pipe', 'inherit'] });
  t.after(() => void child.kill('SIGKILL'));
  const port = await new Promise<string>((resolve, reject) => {
    child.stdout.setEncoding('utf8').on('data', (d: string) => {
      const m = /listening on 127\.0\.0\.1:(\d+)/.exec(d);
      if (m) resolve(m[1]!);
    });
    child.once('exit', (code) => reject(new Error(`the receiver exited (${code})`)));
  });
  return { url: `http://127.0.0.1:${port}/hook`, alive: () => child.exitCode === null && child.signalCode === null };
}

const post = (url: string, body: string, headers: Record<string, string> = {}) =>
  fetch(url, { method: 'POST', body, headers: { 'content-type': 'application/json', ...headers } });

test('the example webhook receiver answers 401 to a request without a signature, or with one of the wrong length, and stays up to answer a signed one', async (t) => {
  const r = await start(t);
  const body = JSON.stringify({ from: '123', to: 'bot', body: 'ping', contentType: 'text/plain', date: new Date().toISOString() });
  assert.equal((await post(r.url, body)).status, 401);
  assert.equal((await post(r.url, body, { 'x-yate-chat-signature': 'sha256=abc' })).status, 401);
  assert.equal((await post(r.url, body, { 'x-yate-chat-signature': 'x'.repeat(300) })).status, 401);
  assert.equal((await post(r.url, body, { 'x-yate-chat-signature': `sha256=${createHmac('sha256', 'another-secret').update(body).digest('hex')}` })).status, 401);
  assert.ok(r.alive(), 'the receiver is still running');
  const ok = await post(r.url, body, { 'x-yate-chat-signature': `sha256=${createHmac('sha256', SECRET).update(body).digest('hex')}` });
  assert.equal(ok.status, 200);
  assert.deepEqual(await ok.json(), { reply: 'you said: ping' });
});

test('the example webhook receiver refuses a signed request whose date is old (a replay)', async (t) => {
  const r = await start(t);
  const body = JSON.stringify({ from: '123', to: 'bot', body: 'ping', contentType: 'text/plain', date: new Date(Date.now() - 3600_000).toISOString() });
  assert.equal((await post(r.url, body, { 'x-yate-chat-signature': `sha256=${createHmac('sha256', SECRET).update(body).digest('hex')}` })).status, 400);
});

test('the documentation shows the example receiver\'s signature check, line for line', () => {
  const source = readFileSync(new URL('examples/webhook-receiver.ts', ROOT), 'utf8');
  const check = /function signatureOk[^{]*\{\n([\s\S]*?)\n\}/.exec(source)![1]!.split('\n').map((l) => l.trim());
  const docs = ['README.md', ...readdirSync(new URL('docs/', ROOT)).map((f) => `docs/${f}`)].map((f) => readFileSync(new URL(f, ROOT), 'utf8'));
  assert.ok(docs.some((text) => check.every((line) => text.includes(line))), `no page shows:\n${check.join('\n')}`);
});
