// One handler list for natives and modules: order, renames, filters, tracking, answers.
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { Emulator, type YateMessage as Message } from '../src/emulator/index.js';
import { puppet, waitForReplies } from './emulator-helpers.js';

const open: Emulator[] = [];
after(async () => { await Promise.all(open.map((e) => e.close())); });
const emulator = (opts = {}): Emulator => { const e = new Emulator(opts); open.push(e); return e; };

test('handlers run by priority, lower first, and in install order at equal priority', async () => {
  const emu = emulator();
  const seen: string[] = [];
  emu.install('t.order', 100, () => { seen.push('100a'); return false; });
  emu.install('t.order', 10, () => { seen.push('10'); return false; });
  emu.install('t.order', 100, () => { seen.push('100b'); return false; });
  emu.install('t.order', 50, () => { seen.push('50'); return true; });
  emu.install('t.order', 60, () => { seen.push('60'); return true; });
  const r = await emu.dispatch('t.order');
  assert.equal(r.handled, true);
  assert.deepEqual(seen, ['10', '50']);
  seen.length = 0;
  await emu.dispatch('t.order', { stop: 'no' });
  assert.deepEqual(seen, ['10', '50']);
});

test('a rename by a module that answers not processed is seen only by later handlers', async () => {
  const emu = emulator();
  const seen: string[] = [];
  emu.install('b.msg', 40, () => { seen.push('b@40'); return false; });
  emu.install('b.msg', 60, (m) => { seen.push(`b@60 retval=${m.retval}`); return false; });
  emu.install('a.msg', 70, () => { seen.push('a@70'); return false; });
  const mod = puppet(emu, { start: ['%%>install:50:a.msg'], answers: { 'a.msg': ['%%<message:{id}:false:b.msg:{retval}'] } });
  await waitForReplies(mod, 1);
  const r = await emu.dispatch('a.msg', [], 'kept');
  assert.equal(r.message.name, 'b.msg');
  assert.deepEqual(seen, ['b@60 retval=kept']);
  emu.assertExactlyOnce();
});

test('an answer with an empty return value erases it, the short form changes nothing (the engine.status trap)', async () => {
  const emu = emulator();
  emu.useRegfile({ users: ['123'] });
  const eraser = puppet(emu, { start: ['%%>install::engine.status'], answers: { 'engine.status': ['%%<message:{id}:false:::'] } });
  await waitForReplies(eraser, 1);
  const erased = await emu.rmanager.status();
  assert.doesNotMatch(erased, /name=rmanager|name=engine|name=regfile/);
  assert.match(erased, /name=extmodule,type=misc/); // extmodule's own line comes later (110)
  eraser.die();
  const polite = puppet(emu, { start: ['%%>install::engine.status'], answers: { 'engine.status': ['%%<message:{id}:false:'] } });
  await waitForReplies(polite, 1);
  const kept = await emu.rmanager.status();
  assert.match(kept, /^name=rmanager,type=misc;listeners=1,conn=1\r\nname=engine,type=system,version=6\.4\.1,.*\r\nname=regfile,type=misc;create=false,defined=1,users=0\r\nname=extmodule,type=misc;scripts=1,chans=0\r\n$/s);
  emu.assertExactlyOnce();
});

test('an answer Yate cannot decode changes nothing: "Unmatched message" is logged and the message times out', async () => {
  const emu = emulator({ timeout: 300 });
  // %@ would be NUL, which Yate's decoder refuses: this answer matches no waiting message
  const mod = puppet(emu, { start: ['%%>install:50:p.msg'], answers: { 'p.msg': ['%%<message:{id}:true::new:w=%@'] } });
  await waitForReplies(mod, 1);
  const r = await emu.dispatch('p.msg', { x: '1' }, 'old');
  assert.equal(r.handled, false);
  assert.equal(r.message.retval, 'old');
  assert.ok(!mod.traffic.some((l) => l.startsWith('E: Error in:')));
  await emu.log.waitForLog(/<ExtModReceiver:WARN> Unmatched message: %%<message:0x[0-9a-f.]+:true::new:w=%@/);
  await emu.log.waitForLog(/did not return in 300 msec/);
  assert.throws(() => emu.assertExactlyOnce(), /never answered \(timed out\)[\s\S]*answers matching no message sent/);
});

test('answer params apply in order: k=v sets the first of that name, a bare k clears every one', async () => {
  const emu = emulator();
  const mod = puppet(emu, { start: ['%%>install:50:p.msg'], answers: { 'p.msg': ['%%<message:{id}:true::new%zret:x=2:y:a=b=c'] } });
  await waitForReplies(mod, 1);
  const r = await emu.dispatch('p.msg', [['x', '1'], ['x', '3'], ['y', '1'], ['y', '2'], ['z', '9']], 'old');
  assert.equal(r.handled, true);
  assert.equal(r.message.retval, 'new:ret');
  assert.deepEqual(r.message.params.filter(([k]) => k !== 'handlers'), [['x', '2'], ['x', '3'], ['z', '9'], ['a', 'b=c']]);
  emu.assertExactlyOnce();
});

test('a filter shows a handler only messages whose param equals the value exactly', async () => {
  const emu = emulator();
  const seen: string[] = [];
  emu.install('f.msg', 10, (m) => { seen.push(m.getParam('kind') ?? '<none>'); return false; }, { filter: { name: 'kind', value: '' } });
  const mod = puppet(emu, { start: ['%%>install:50:f.msg:kind:a%zb'] });
  await waitForReplies(mod, 1);
  for (const kind of ['a:b', 'a:bc', 'A:B', undefined]) await emu.dispatch('f.msg', kind === undefined ? [] : { kind });
  const offered = mod.traffic.filter((l) => l.startsWith('E: %%>message:')).map((l) => /kind=([^:]*)/.exec(l)?.[1]);
  assert.deepEqual(offered, ['a%zb']);
  // a missing param matches like an empty one (MatchingItem: missing param -> "")
  assert.deepEqual(seen, ['<none>']);
});

test('handlers lists tracked handlers as name:prio; a relay is untracked unless trackparam is set', async () => {
  const emu = emulator();
  emu.install('t.track', 10, () => false, { track: 'native' });
  const silent = puppet(emu, { start: ['%%>install:50:t.track'] });
  await waitForReplies(silent, 1);
  assert.equal((await emu.dispatch('t.track')).message.getParam('handlers'), 'native:10');
  const emu2 = emulator({ trackparam: true });
  const named = puppet(emu2, { start: ['%%>install:50:t.track', '%%>setlocal:trackparam:mine', '%%>install:60:t.other'] });
  await waitForReplies(named, 3);
  assert.equal((await emu2.dispatch('t.track')).message.getParam('handlers'), 'extmodule:50');
  assert.equal((await emu2.dispatch('t.other')).message.getParam('handlers'), 'mine:60');
});

test('post hooks see every dispatched message once, after all handlers, with the result', async () => {
  const emu = emulator();
  const seen: Array<[string, boolean, string]> = [];
  emu.install('h.msg', 10, (m: Message) => { m.retval = 'done'; return true; });
  emu.watch((m, handled) => seen.push([m.name, handled, m.retval]));
  await emu.dispatch('h.msg');
  await emu.dispatch('h.other');
  assert.deepEqual(seen, [['h.msg', true, 'done'], ['h.other', false, '']]);
});
