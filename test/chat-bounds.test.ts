// Nothing a sender does can grow the module without bound (issue 10, item 4): the deliveries
// waiting for a turn, the offline store for all recipients together, the dispatches waiting for
// Yate's answer, the users it remembers.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isYateChatError } from '../src/errors.js';
import { Semaphore } from '../src/chat/core/semaphore.js';
import { Registrations } from '../src/chat/core/registrations.js';
import { Message } from '../src/engine/message.js';
import { command, lastIncoming, rules, send, until, withLab } from './fixtures/chat-lab.js';

test('a delivery that finds the waiting line full is refused at once (OVERLOADED), and the line never grows past its cap', async () => {
  const slots = new Semaphore(1, 2);
  const gates: (() => void)[] = [];
  const job = () => slots.run(() => new Promise<void>((resolve) => gates.push(resolve)));
  const running = [job(), job(), job()]; // one runs, two wait
  assert.equal(slots.waiting, 2);
  assert.equal(slots.full, true);
  let called = false;
  await assert.rejects(slots.run(async () => { called = true; }), (err) => isYateChatError(err, 'OVERLOADED'));
  assert.equal(called, false);
  assert.equal(slots.waiting, 2);
  while (gates.length || slots.waiting) {
    gates.shift()?.();
    await new Promise((r) => setImmediate(r));
  }
  await Promise.all(running);
  assert.equal(slots.full, false);
});

test('when deliveries waiting for a turn reach Yate\'s maxqueue, the next MESSAGE yate-chat delivers itself gets 503 with Retry-After', async () => {
  const lab = {
    emulator: { maxWorkers: 4, maxqueue: 2 }, // 1 delivery at a time (maxworkers - 3), 2 may wait
    ysipchan: { responder: () => ({ code: 200, delay: 1500 }) },
    rules: rules({ delivery: { inPlace: false, waitMs: 200 }, rateLimit: false }),
  };
  await withLab(lab, async (lab) => {
    await lab.register('234', 5070);
    assert.equal(await send(lab, 'generic'), 202); // running
    assert.equal(await send(lab, 'generic'), 202); // waiting 1
    assert.equal(await send(lab, 'generic'), 202); // waiting 2
    assert.equal(await send(lab, 'generic'), 503);
    assert.equal(lastIncoming(lab).getParam('osip_Retry-After'), '5');
    await lab.emu.log.waitForLog(/=> 503 too many deliveries already waiting for a turn/);
    await until('the three accepted deliveries', () => lab.sip.sent.filter((r) => r.code === 200).length === 3, 15000);
    assert.equal(lab.sip.sent.length, 3);
  });
});

test('the offline store refuses past offline.maxMessages for all recipients together with 503, beside the per-recipient quota', async () => {
  await withLab({ rules: rules({ offline: { store: { kind: 'memory' }, knownUsers: 'anyone', maxMessages: 2 }, rateLimit: false }) }, async (lab) => {
    // Recipients the sender makes up, each with a fresh per-recipient quota.
    assert.equal(await send(lab, 'generic', { called: 'made-up-1' }), 202);
    assert.equal(await send(lab, 'native', { called: 'made-up-2' }), 202);
    assert.equal(await send(lab, 'generic', { called: 'made-up-3' }), 503);
    assert.equal(await send(lab, 'native', { called: 'made-up-4' }), 503);
    const queue = (await command(lab, 'chat queue')).split('\r\n').filter(Boolean);
    assert.deepEqual(queue.map((l) => l.replace(/, oldest .*/, '')), ['made-up-1: 1 waiting', 'made-up-2: 1 waiting']);
    await lab.emu.log.waitForLog(/MESSAGE 123 -> made-up-3 .*=> 503 not stored/);
  });
});

test('a delivery Yate never answers is given up after delivery.sendTimeoutMs: 408, and the message kept for later', async () => {
  const lab = {
    ysipchan: { responder: () => ({ code: 200, delay: 4000 }) },
    rules: rules({ delivery: { inPlace: false, waitMs: 3000, sendTimeoutMs: 1000 } }),
  };
  await withLab(lab, async (lab) => {
    await lab.register('234', 5070);
    assert.equal(await send(lab, 'generic', { body: 'lost in transit' }), 202);
    await lab.emu.log.waitForLog(/delivery to sip\/sip:234@127\.0\.0\.1:5070 failed: Yate did not answer xsip\.generate within 1000 ms/);
    await lab.emu.log.waitForLog(/MESSAGE 123 -> 234 .*=> 202 stored for 234 \(recipient answered 408\)/);
    assert.match(await command(lab, 'chat queue 234'), /from 123 .*\(attempts 0\)/);
  });
});

test('the users remembered as known are bounded: past maxUsers the least recently registered is forgotten', () => {
  const r = new Registrations({ maxUsers: 3 });
  const register = (user: string) => r.onRegister({
    processed: true,
    message: new Message('user.register', [['username', user], ['data', `sip/sip:${user}@h:1`], ['expires', '60']]),
  });
  for (const u of ['a', 'b', 'c', 'd']) register(u);
  assert.equal(r.seen('a'), false);
  assert.deepEqual(['b', 'c', 'd'].map((u) => r.seen(u)), [true, true, true]);
  register('b'); // seen again: now the most recent
  register('e');
  assert.deepEqual(['b', 'c', 'd', 'e'].map((u) => r.seen(u)), [true, false, true, true]);
  assert.equal(r.size, 3);
});
