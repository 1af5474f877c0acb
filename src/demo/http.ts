// `yate-chat demo --http`: the demo's world (the real module, started as Yate starts it, on the
// engine emulator with regfile, lateroute and ysipchan) kept running with the HTTP face on and
// a webhook receiver of its own, so that a person can try the send API, /healthz, /metrics and
// a webhook with curl, without a Yate, from the installed package. What the emulated phones
// receive and what the module logs is printed as it happens; Ctrl-C (or SIGTERM) ends it.
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { toText } from '../protocol/bytes.js';
import { startLab } from './lab.js';

const say = (text: string) => process.stdout.write(text + '\n');

export interface HttpDemoOptions {
  /** Where the HTTP face listens: HOST:PORT (port 0: any free one). */
  readonly listen: string;
}

/** A webhook receiver as a user would write one: the signature checked over the raw body. */
function startReceiver(secret: string): Promise<http.Server> {
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const raw = Buffer.concat(chunks);
      const expected = Buffer.from('sha256=' + createHmac('sha256', secret).update(raw).digest('hex'));
      const given = Buffer.from(String(req.headers['x-yate-chat-signature'] ?? ''));
      if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
        say('    webhook receiver | refused a request with a bad signature: 401');
        res.writeHead(401).end();
        return;
      }
      const m = JSON.parse(raw.toString('utf8')) as { from: string; to: string; body: string };
      say(`    webhook receiver | ${m.from} -> ${m.to}: ${JSON.stringify(m.body)} (signature good); answers {"reply": ...}`);
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ reply: `you said: ${m.body}` }));
    });
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

export async function runHttpDemo(opts: HttpDemoOptions): Promise<number> {
  const token = randomBytes(16).toString('hex');
  const secret = randomBytes(16).toString('hex');
  const receiver = await startReceiver(secret);
  const hook = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`;
  const lab = await startLab({
    rules: {
      offline: { store: { kind: 'memory' } },
      http: { listen: opts.listen, token },
      webhooks: { bot: hook },
      webhookSecret: secret,
    },
  }).catch((err: Error) => {
    receiver.close();
    throw err;
  });
  let poll: NodeJS.Timeout | undefined;
  const end = async () => {
    clearInterval(poll);
    await lab.close();
    await new Promise((r) => receiver.close(r));
  };
  const listening = lab.emu.log.grep(/http: listening on (\S+)/)[0];
  const address = listening && /http: listening on (\S+)/.exec(toText(listening.line))![1]!;
  if (!address) {
    const why = lab.emu.log.grep(/http: cannot listen/)[0];
    process.stderr.write(`yate-chat demo: ${why ? toText(why.text) : `no HTTP face on ${opts.listen}`} (choose another with --listen HOST:PORT)\n`);
    await end();
    return 1;
  }
  await lab.register('234', 5070);
  await lab.register('123', 5071);
  const url = `http://${address}`;
  const send = (to: string, body: string) =>
    `curl -sS -X POST ${url}/v1/messages -H "Authorization: Bearer $TOKEN" -H 'Content-Type: application/json' -d '{"from": "123", "to": "${to}", "body": "${body}"}'`;
  say(`yate-chat demo --http: the real module on the engine emulator (no Yate), its HTTP face on ${url}`);
  say('  users 123, 234 and 555 (regfile); 234 and 123 registered, their phones answer 200; 555 is offline');
  say(`  MESSAGEs to "bot" go to a webhook receiver in this demo (${hook}), which answers {"reply": ...}`);
  say('');
  say('Try, in another terminal:');
  say(`  TOKEN=${token}`);
  say('  # 200: delivered to the phone of 234');
  say(`  ${send('234', 'hi')}`);
  say('  # 202: kept for 555, who is offline; then what waits for 555');
  say(`  ${send('555', 'call me')}`);
  say(`  curl -sS -H "Authorization: Bearer $TOKEN" ${url}/v1/queue/555`);
  say('  # the webhook answers 200; its reply goes to the phone of 123');
  say(`  ${send('bot', 'ping')}`);
  say('  # no token needed: health (200 or 503) and Prometheus metrics');
  say(`  curl -sS ${url}/healthz`);
  say(`  curl -sS ${url}/metrics | grep ^yatechat_messages_total`);
  say('');
  say('What happens is printed below (Ctrl-C ends the demo).');
  let sent = lab.sip.sent.length;
  let logged = lab.emu.log.entries.length;
  poll = setInterval(() => {
    for (const e of lab.emu.log.entries.slice(logged)) if (/MESSAGE|http:/.test(e.line)) say(`    yate log | ${toText(e.line)}`);
    logged = lab.emu.log.entries.length;
    for (const r of lab.sip.sent.slice(sent)) {
      if (r.code === null) break;
      say(`    ysipchan sent ${r.method} ${r.uri} From ${r.headers.find(([h]) => h === 'From')?.[1] ?? '?'} body ${JSON.stringify(toText(r.body ?? ''))} -> ${r.code}`);
      sent++;
    }
  }, 100);
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  await end();
  say('demo ended.');
  return 0;
}
