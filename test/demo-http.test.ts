// `yate-chat demo --http`: what a person without a Yate gets to try the send API and a webhook.
// The command runs as a person runs it (a child process); the test reads the address and token
// it prints, uses the API as its printed curl lines do, and ends it with SIGTERM.
import assert from 'node:assert/strict';
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { test, type TestContext } from 'node:test';
import { fileURLToPath } from 'node:url';

const MAIN = fileURLToPath(new URL('../src/cli/main.js', import.meta.url));

interface Demo {
  readonly child: ChildProcessWithoutNullStreams;
  readonly url: string;
  readonly token: string;
  out(): string;
  waitFor(re: RegExp): Promise<void>;
  exited: Promise<number | null>;
}

async function startDemo(t: TestContext, args: string[] = ['--listen', '127.0.0.1:0']): Promise<Demo> {
  const child = spawn(process.execPath, [MAIN, 'demo', '--http', ...args]);
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  t.after(() => void child.kill('SIGKILL'));
  const waitFor = async (re: RegExp) => {
    for (const until = Date.now() + 20000; !re.test(out); await new Promise((r) => setTimeout(r, 20))) {
      assert.ok(Date.now() < until, `nothing matched ${re} in:\n${out}`);
    }
  };
  await waitFor(/What happens is printed below/);
  const url = /its HTTP face on (http:\/\/127\.0\.0\.1:\d+)$/m.exec(out)?.[1];
  const token = /^ {2}TOKEN=([0-9a-f]{32})$/m.exec(out)?.[1];
  assert.ok(url && token, out);
  return { child, url, token, out: () => out, waitFor, exited };
}

function send(d: Demo, to: string, body: string): Promise<Response> {
  return fetch(`${d.url}/v1/messages`, {
    method: 'POST',
    headers: { authorization: `Bearer ${d.token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ from: '123', to, body }),
  });
}

test('demo --http prints its address, a token and curl lines, and the send API delivers, keeps and reaches the webhook as printed', async (t) => {
  const d = await startDemo(t);
  assert.match(d.out(), new RegExp(`curl -sS -X POST ${d.url}/v1/messages -H "Authorization: Bearer \\$TOKEN"`));
  const delivered = await send(d, '234', 'hi');
  assert.deepEqual([delivered.status, await delivered.json()], [200, { code: 200, detail: 'delivered to sip/sip:234@127.0.0.1:5070' }]);
  await d.waitFor(/ysipchan sent MESSAGE sip:234@127\.0\.0\.1:5070 From <sip:123@127\.0\.0\.1> body "hi" -> 200/);
  const kept = await send(d, '555', 'call me');
  assert.deepEqual([kept.status, await kept.json()], [202, { code: 202, detail: 'stored for 555 (offline)' }]);
  const hooked = await send(d, 'bot', 'ping');
  assert.equal(hooked.status, 200);
  await d.waitFor(/webhook receiver \| 123 -> bot: "ping" \(signature good\)/);
  await d.waitFor(/ysipchan sent MESSAGE sip:123@127\.0\.0\.1:5071 From <sip:bot@127\.0\.0\.1> body "you said: ping" -> 200/);
  const health = await fetch(`${d.url}/healthz`);
  assert.deepEqual([health.status, await health.json()], [200, { status: 'ok', engine: 'up', store: 'ok', subscriptions: 'ok' }]);
  assert.equal((await fetch(`${d.url}/v1/queue/555`)).status, 401, 'the API wants the printed token');
  d.child.kill('SIGTERM');
  assert.equal(await d.exited, 0);
  assert.match(d.out(), /demo ended\.\n$/);
});

test('demo --http on an address already taken says so and exits 1', async (t) => {
  const first = await startDemo(t);
  const taken = first.url.replace('http://', '');
  const child = spawn(process.execPath, [MAIN, 'demo', '--http', '--listen', taken]);
  let err = '';
  child.stderr.on('data', (d: Buffer) => (err += d.toString()));
  assert.equal(await new Promise((resolve) => child.on('close', resolve)), 1);
  assert.match(err, new RegExp(`^yate-chat demo: http: cannot listen on ${taken.replace(/[.]/g, '\\.')}: .*EADDRINUSE.*\\(choose another with --listen HOST:PORT\\)`));
});
