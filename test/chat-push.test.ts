// The push client (src/chat/push/): the signed wake-up request a push gateway receives, its
// bounded retries, and which messages never wake a device, against a real local receiver.
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { test } from 'node:test';
import { noPushReason, payloadOf, sendPush } from '../src/chat/push/index.js';
import { receiver, SECRET, withReceiver } from './fixtures/http-lab.js';

const WAKE = {
  push: { provider: 'fcm', prid: 'dQw4w9WgXcQ:APA91b', param: 'proj-1' },
  sender: '123', recipient: '234', device: 'urn:uuid:f81d4fae-7dec-11d0-a765-00a0c91e6bf6', messageId: 42, type: 'text/plain', sentAt: 0,
};

const noWait = async (): Promise<void> => {};

test('a wake-up is POSTed as JSON with the device\'s provider, prid and param, sender, recipient, message id and type, signed with the push secret', async () => {
  await withReceiver(() => ({ status: 202 }), async (r) => {
    const o = await sendPush({ url: r.url, secret: SECRET, timeoutMs: 2000, retries: 2 }, payloadOf(WAKE), noWait);
    assert.deepEqual(o, { kind: 'answered', status: 202, attempts: 1 });
    const [hit] = r.hits;
    assert.deepEqual(JSON.parse(hit!.body), {
      provider: 'fcm', prid: 'dQw4w9WgXcQ:APA91b', param: 'proj-1', sender: '123', recipient: '234',
      device: 'urn:uuid:f81d4fae-7dec-11d0-a765-00a0c91e6bf6', messageId: '42', type: 'text/plain', date: '1970-01-01T00:00:00.000Z',
    });
    assert.equal(hit!.headers['content-type'], 'application/json');
    assert.equal(hit!.headers['x-yate-chat-signature'], `sha256=${createHmac('sha256', SECRET).update(hit!.body).digest('hex')}`);
  });
});

test('a gateway that answers 503 or 429 is asked again, push.retries more times at most, waiting 1, 2, 4 s between', async () => {
  await withReceiver(() => ({ status: 503 }), async (r) => {
    const waits: number[] = [];
    const o = await sendPush({ url: r.url, secret: SECRET, timeoutMs: 2000, retries: 3 }, payloadOf(WAKE), async (ms) => void waits.push(ms));
    assert.deepEqual(o, { kind: 'answered', status: 503, attempts: 4 });
    assert.equal(r.hits.length, 4);
    assert.deepEqual(waits, [1000, 2000, 4000]);
  });
  let n = 0;
  await withReceiver(() => ({ status: ++n === 1 ? 429 : 200 }), async (r) => {
    assert.deepEqual(await sendPush({ url: r.url, secret: SECRET, timeoutMs: 2000, retries: 2 }, payloadOf(WAKE), noWait), { kind: 'answered', status: 200, attempts: 2 });
  });
});

test('a refusal (400, 404, 410) is final: no retry', async () => {
  await withReceiver(() => ({ status: 410 }), async (r) => {
    assert.deepEqual(await sendPush({ url: r.url, secret: SECRET, timeoutMs: 2000, retries: 5 }, payloadOf(WAKE), noWait), { kind: 'answered', status: 410, attempts: 1 });
    assert.equal(r.hits.length, 1);
  });
});

test('a gateway that never answers, or cannot be reached, fails after the retries with the reason', async () => {
  await withReceiver(() => 'hang', async (r) => {
    const o = await sendPush({ url: r.url, secret: SECRET, timeoutMs: 150, retries: 1 }, payloadOf(WAKE), noWait);
    assert.deepEqual(o, { kind: 'failed', reason: 'no answer within 150 ms', attempts: 2 });
  });
  const closed = await receiver(() => ({ status: 200 }));
  await closed.close(); // its port is free again: nothing listens there
  const o = await sendPush({ url: closed.url, secret: SECRET, timeoutMs: 2000, retries: 0 }, payloadOf(WAKE), noWait);
  assert.equal(o.kind, 'failed');
  assert.match(o.kind === 'failed' ? o.reason : '', /^unreachable \(ECONNREFUSED\)$/);
});

test('is-composing indications, receipts and Priority: non-urgent never wake a device; a text does', () => {
  assert.equal(noPushReason({ type: 'application/im-iscomposing+xml' }), 'an is-composing indication');
  assert.equal(noPushReason({ type: 'message/imdn+xml' }), 'a receipt');
  assert.equal(noPushReason({ type: 'text/plain', priority: 'Non-Urgent ' }), 'Priority: non-urgent');
  assert.equal(noPushReason({ type: 'text/plain;charset=UTF-8', priority: 'urgent' }), '');
  assert.equal(noPushReason({ type: 'text/plain' }), '');
});
