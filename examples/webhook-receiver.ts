#!/usr/bin/env node
// A webhook receiver for yate-chat's `webhooks`: it checks the X-Yate-Chat-Signature over the
// raw body before reading it, refuses a `date` older than five minutes (a replay), and answers
// {"reply": "..."}, which yate-chat sends back to the sender as a MESSAGE from the address.
// A request without a signature, or with one of the wrong length, is refused with 401 like a
// wrong one: the comparison never sees buffers of different lengths (timingSafeEqual throws on
// those, and one unsigned request would take the receiver down: issue 21).
//   YATE_CHAT_WEBHOOK_SECRET=... PORT=8091 node webhook-receiver.js
import { createHmac, timingSafeEqual } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

const secret = process.env['YATE_CHAT_WEBHOOK_SECRET'] ?? '';
const port = Number(process.env['PORT'] ?? 8091);
const MAX_BODY = 64 * 1024;
const MAX_AGE_MS = 5 * 60_000;

/** Is `header` the HMAC-SHA256 of `rawBody` with the secret? Never throws. */
function signatureOk(rawBody: Buffer, header: string | string[] | undefined): boolean {
  const m = /^sha256=([0-9a-f]{64})$/.exec(typeof header === 'string' ? header : '');
  const expected = createHmac('sha256', secret).update(rawBody).digest();
  return m !== null && timingSafeEqual(expected, Buffer.from(m[1]!, 'hex')); // 32 bytes each
}

const server = createServer((req, res) => {
  const answer = (status: number, json: unknown) => res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(json));
  const chunks: Buffer[] = [];
  let size = 0;
  req.on('data', (c: Buffer) => {
    size += c.length;
    if (size <= MAX_BODY) chunks.push(c);
  });
  req.on('end', () => {
    const raw = Buffer.concat(chunks);
    if (req.method !== 'POST' || size > MAX_BODY) return answer(400, { error: 'expected a POST of at most 64 KiB' });
    if (!signatureOk(raw, req.headers['x-yate-chat-signature'])) return answer(401, { error: 'bad signature' });
    let msg: { from?: unknown; body?: unknown; date?: unknown };
    try {
      msg = JSON.parse(raw.toString('utf8')) as typeof msg;
    } catch {
      return answer(400, { error: 'not JSON' });
    }
    if (typeof msg.date !== 'string' || !(Math.abs(Date.now() - Date.parse(msg.date)) < MAX_AGE_MS)) return answer(400, { error: 'stale or missing date' });
    answer(200, { reply: `you said: ${String(msg.body)}` });
  });
});

server.listen(port, '127.0.0.1', () => console.log(`webhook receiver listening on 127.0.0.1:${(server.address() as AddressInfo).port}`));
process.once('SIGTERM', () => server.close());
