// Living with Yate's few worker threads and its timeout: deliveries in flight are capped below
// yate.conf maxworkers, and a sender whose answer could not wait is never sent to behind its back.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { command, header, rules, send, until, withLab } from './fixtures/chat-lab.js';

function counting() {
  const c = { inFlight: 0, most: 0, responder: async () => {
    c.inFlight++;
    c.most = Math.max(c.most, c.inFlight);
    await new Promise((r) => setTimeout(r, 100));
    c.inFlight--;
    return 200;
  } };
  return c;
}

test('deliveries yate-chat makes itself stay below Yate\'s worker count (maxworkers less 3, less the NOTIFYs\' own pool)', async () => {
  const c = counting();
  await withLab({ emulator: { maxWorkers: 5 }, ysipchan: { responder: c.responder }, rules: rules({ rateLimit: false, delivery: { inPlace: false } }) }, async (lab) => {
    await lab.register('234', 5070);
    const codes = await Promise.all(Array.from({ length: 12 }, (_, i) => send(lab, 'generic', { body: `m${i}` })));
    assert.deepEqual(codes, Array(12).fill(200));
    // maxworkers 5: 2 for yate-chat, one of them the NOTIFYs' (core/kernel.ts shareWorkers).
    assert.equal(c.most, 1, `at most ${c.most} in flight`);
  });
});

test('nothing caps the fast path: deliveries handed to ysipchan wait in their senders\' threads, not in Yate\'s workers', async () => {
  const c = counting();
  await withLab({ emulator: { maxWorkers: 5 }, ysipchan: { responder: c.responder }, rules: rules({ rateLimit: false }) }, async (lab) => {
    await lab.register('234', 5070);
    const before = lab.link.cost.counts();
    const codes = await Promise.all(Array.from({ length: 12 }, (_, i) => send(lab, i % 2 ? 'native' : 'generic', { body: `m${i}` })));
    assert.deepEqual(codes, Array(12).fill(200));
    assert.equal(c.most, 12, `at most ${c.most} in flight`);
    assert.deepEqual(lab.link.cost.since(before).emitted, {});
  });
});

test('a route lookup slower than the sender\'s budget answers 503 on the native path and nothing is sent or kept afterwards', async () => {
  await withLab({ emulator: { timeout: 2500 }, rules: rules({ delivery: { waitMs: 300 } }) }, async (lab) => {
    // 555 is not registered: the module has to ask Yate's routers, which are slow today.
    lab.emu.install('call.route', 95, async () => {
      await new Promise((r) => setTimeout(r, 1500));
      return false;
    }, { track: 'slow' });
    assert.equal(await send(lab, 'native', { called: '555' }), 503);
    await new Promise((r) => setTimeout(r, 1800));
    assert.equal(lab.sip.sent.length, 0);
    assert.equal(await command(lab, 'chat queue'), 'no stored messages\r\n');
  });
});

test('the delivered MESSAGE is addressed To the recipient\'s address of record, not to its contact', async () => {
  await withLab({}, async (lab) => {
    await lab.register('234', 5070);
    assert.equal(await send(lab, 'generic'), 200);
    const req = await until('a MESSAGE', () => lab.sip.sent[0]);
    assert.equal(req.uri, 'sip:234@127.0.0.1:5070');
    assert.equal(header(req, 'To'), '<sip:234@127.0.0.1>');
  });
});

test('the charset of the original Content-Type travels with the message', async () => {
  await withLab({}, async (lab) => {
    await lab.register('234', 5070);
    assert.equal(await send(lab, 'generic', { contentType: 'text/plain;charset=utf-8', body: 'h\xc3\xa9llo' }), 200);
    const req = await until('a MESSAGE', () => lab.sip.sent[0]);
    assert.equal(req.type, 'text/plain;charset=utf-8');
    assert.equal(req.body, 'h\xc3\xa9llo');
  });
});

test('a display name holding CR/LF cannot add a header to the delivered MESSAGE', async () => {
  await withLab({}, async (lab) => {
    await lab.register('234', 5070);
    assert.equal(await send(lab, 'generic', { callername: 'Eve\r\nX-Evil: 1' }), 200);
    const req = await until('a MESSAGE', () => lab.sip.sent[0]);
    assert.equal(header(req, 'From'), '"Eve  X-Evil: 1" <sip:123@127.0.0.1>');
  });
});

test('started from extmodule.conf, the module asks Yate to restart it should it die', async () => {
  await withLab({}, async (lab) => {
    assert.ok(lab.link.traffic.includes('A: %%>setlocal:restart:true'), lab.link.traffic.slice(0, 12).join('\n'));
    assert.ok(lab.link.traffic.includes('E: %%<setlocal:restart:true:true'));
  });
});
