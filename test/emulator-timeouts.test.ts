// Time and counting: timeouts, late answers, timebomb, maxqueue, and assertExactlyOnce itself.
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { Emulator } from '../src/emulator/index.js';
import { puppet, waitForReplies } from './emulator-helpers.js';

const open: Emulator[] = [];
after(async () => { await Promise.all(open.map((e) => e.close())); });
const emulator = (opts = {}): Emulator => { const e = new Emulator(opts); open.push(e); return e; };

test('a message not answered within the module\'s timeout goes on as not processed; the late answer is only logged', async () => {
  const emu = emulator();
  const later: string[] = [];
  emu.install('slow.msg', 80, (m) => { later.push(m.retval); return false; });
  const mod = puppet(emu, {
    start: ['%%>setlocal:timeout:200', '%%>install:50:slow.msg'],
    answers: { 'slow.msg': [{ line: '%%<message:{id}:true::changed', delay: 1500 }] },
  });
  await waitForReplies(mod, 2);
  const r = await emu.dispatch('slow.msg', {}, 'orig');
  assert.equal(r.handled, false);
  assert.deepEqual(later, ['orig']); // the next handler saw it, unchanged
  await emu.log.waitForLog(/<extmodule:WARN> Message 0x[0-9a-f.]+ 'slow\.msg' did not return in 200 msec/);
  await emu.log.waitForLog(/<ExtModReceiver:WARN> Unmatched message: %%<message:0x[0-9a-f.]+:true::changed/, 10000);
  assert.equal(r.message.retval, 'orig'); // the late answer changed nothing
  assert.throws(() => emu.assertExactlyOnce(), /answered LATE, after the timeout:\n {4}E: %%>message:[^\n]*slow\.msg[^\n]*\n {6}A: %%<message:[^\n]*:true::changed/);
});

test('with timebomb set, a message timing out kills the module', async () => {
  const emu = emulator({ timeout: 200 });
  const mod = puppet(emu, { start: ['%%>setlocal:timebomb:true', '%%>install:50:tb.msg'], answers: { 'tb.msg': [] } });
  await waitForReplies(mod, 2);
  assert.equal((await emu.dispatch('tb.msg')).handled, false);
  await emu.log.waitForLog(/^Unloading external module '.*' '.*emu-puppet\.mjs'$/);
  assert.equal(mod.dead, true);
  assert.equal(emu.dispatcher.handlers.some((h) => h.name === 'tb.msg'), false);
});

test('beyond maxqueue outstanding messages the module is skipped as not processed', async () => {
  const emu = emulator();
  const mod = puppet(emu, { start: ['%%>setlocal:maxqueue:2', '%%>install:50:q.msg'], answers: { 'q.msg': [] } });
  await waitForReplies(mod, 2);
  const first = emu.dispatch('q.msg', { n: '1' });
  const second = emu.dispatch('q.msg', { n: '2' });
  await waitForReplies(mod, 4);
  assert.equal((await emu.dispatch('q.msg', { n: '3' })).handled, false);
  await emu.log.waitForLog(/ExtMod already having 2 queued messages/);
  assert.equal(mod.traffic.filter((l) => l.startsWith('E: %%>message:')).length, 2);
  mod.die(); // unload: the two waiting messages are released as not processed
  assert.deepEqual([(await first).handled, (await second).handled], [false, false]);
  assert.throws(() => emu.assertExactlyOnce(), /never answered \(module closed first\)/);
});

test('assertExactlyOnce fails for a module that never answers', async () => {
  const emu = emulator();
  const mod = puppet(emu, { start: ['%%>install:50:n.msg'], answers: { 'n.msg': [] } });
  await waitForReplies(mod, 1);
  void emu.dispatch('n.msg', { k: 'v' });
  await waitForReplies(mod, 2);
  assert.throws(() => emu.assertExactlyOnce(), /never answered \(still pending\):\n {4}E: %%>message:0x[0-9a-f.]+:\d+:n\.msg::k=v/);
  mod.die();
});

test('assertExactlyOnce fails for a module that answers twice, and names the second answer', async () => {
  const emu = emulator();
  const mod = puppet(emu, { start: ['%%>install:50:d.msg'], answers: { 'd.msg': ['%%<message:{id}:false:', '%%<message:{id}:true:'] } });
  await waitForReplies(mod, 1);
  assert.equal((await emu.dispatch('d.msg')).handled, false); // the first answer counts
  await emu.log.waitForLog(/Unmatched message: %%<message:0x[0-9a-f.]+:true: \[/);
  assert.throws(() => emu.assertExactlyOnce(), /answered more than once:\n.*d\.msg.*\n.*:false:\n.*:true:/);
});

test('assertExactlyOnce passes when every message got one answer in time', async () => {
  const emu = emulator();
  const mod = puppet(emu, { start: ['%%>install:50:ok.msg'], answers: { 'ok.msg': [{ line: '%%<message:{id}:true:', delay: 20 }] } });
  await waitForReplies(mod, 1);
  const results = await Promise.all([1, 2, 3, 4, 5].map((n) => emu.dispatch('ok.msg', { n: String(n) })));
  assert.deepEqual(results.map((r) => r.handled), [true, true, true, true, true]);
  emu.assertExactlyOnce();
});
