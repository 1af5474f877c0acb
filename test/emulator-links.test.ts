// What one module connection can do: install, watch, setlocal, its own messages, bad lines.
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { Emulator } from '../src/emulator/index.js';
import { puppet, waitForReplies } from './emulator-helpers.js';

const open: Emulator[] = [];
after(async () => { await Promise.all(open.map((e) => e.close())); });
const emulator = (opts = {}): Emulator => { const e = new Emulator(opts); open.push(e); return e; };
const engineLines = (l: { traffic: string[] }): string[] => l.traffic.filter((t) => t.startsWith('E: ')).map((t) => t.slice(3));

test('a second install of the same name on one link is refused, whatever its priority', async () => {
  const emu = emulator();
  const mod = puppet(emu, { start: ['%%>install:50:x.msg', '%%>install:20:x.msg', '%%>install:30:x.msg:k:v', '%%>install::'] });
  await waitForReplies(mod, 4);
  assert.deepEqual(engineLines(mod), ['%%<install:50:x.msg:true', '%%<install:20:x.msg:false', '%%<install:30:x.msg:false', '%%<install:100::false']);
  assert.equal(emu.dispatcher.handlers.filter((h) => h.name === 'x.msg').length, 1);
});

test('uninstall answers the priority the handler had, and 0 with false for a name never installed', async () => {
  const emu = emulator();
  const mod = puppet(emu, { start: ['%%>install:35:u.msg', '%%>uninstall:u.msg', '%%>uninstall:u.msg', '%%>uninstall:never'] });
  await waitForReplies(mod, 4);
  assert.deepEqual(engineLines(mod).slice(1), ['%%<uninstall:35:u.msg:true', '%%<uninstall:0:u.msg:false', '%%<uninstall:0:never:false']);
});

test('watch notifications carry an empty id, and a module never sees its own messages unless selfwatch', async () => {
  const emu = emulator();
  const mod = puppet(emu, { start: ['%%>watch:w.msg', '%%>watch:w.msg', '%%>unwatch:nope', '%%>message:own.1:0:w.msg::a=1'] });
  await waitForReplies(mod, 4);
  await emu.dispatch('w.msg', { from: 'native' });
  await mod.waitForTraffic(/^E: %%<message::false:w\.msg::from=native$/);
  assert.deepEqual(engineLines(mod).slice(0, 3), ['%%<watch:w.msg:true', '%%<watch:w.msg:false', '%%<unwatch:nope:false']);
  assert.equal(mod.traffic.filter((l) => l.includes('a=1')).length, 2); // its own A: line and the answer, no notification
  const self = puppet(emu, { start: ['%%>setlocal:selfwatch:true', '%%>watch:', '%%>message:own.2:0:s.msg::b=2'] });
  await self.waitForTraffic(/^E: %%<message::false:s\.msg::b=2$/);
  await self.waitForTraffic(/^E: %%<message:own\.2:false:s\.msg::b=2$/);
});

test('reenter is off by default: a module\'s own message skips its own handler, and comes back with reenter on', async () => {
  const emu = emulator();
  const mod = puppet(emu, { start: ['%%>install:50:r.msg', '%%>message:r1:0:r.msg::'] });
  await mod.waitForTraffic(/^E: %%<message:r1:false:r\.msg:$/);
  assert.ok(!mod.traffic.some((l) => l.startsWith('E: %%>message:')));
  const re = puppet(emu, { start: ['%%>setlocal:reenter:true', '%%>install:50:q.msg', '%%>message:q1:0:q.msg::'], answers: { 'q.msg': ['%%<message:{id}:true::seen'] } });
  await re.waitForTraffic(/^E: %%<message:q1:true:q\.msg:seen$/);
  assert.equal(re.traffic.filter((l) => l.startsWith('E: %%>message:')).length, 1);
  emu.assertExactlyOnce();
});

test('a fire-and-forget message (empty id) has no owner: the module\'s own handler gets it even without reenter', async () => {
  // extmodule.cpp ExtMessage::startup sets the owner only for a non-empty id
  const emu = emulator();
  const mod = puppet(emu, { start: ['%%>install:50:ff.msg', '%%>message::0:ff.msg::z=1'] });
  await mod.waitForTraffic(/^E: %%>message:0x[0-9a-f.]+:\d+:ff\.msg::z=1$/);
  await new Promise((r) => setTimeout(r, 50));
  assert.ok(!mod.traffic.some((l) => l.startsWith('E: %%<message::') || /^E: %%<message:[^:]+:(true|false):ff/.test(l)));
  emu.assertExactlyOnce();
});

test('a module message is answered after dispatch with every param, decoded like Yate (last value of a repeated name wins)', async () => {
  const emu = emulator();
  emu.install('m.msg', 10, (m) => { m.retval = 'r%:1'; m.addParam('added', 'x=y'); return true; }, { track: 'native' });
  const mod = puppet(emu, { start: ['%%>message:m1:0:m.msg::k=1:k=2:gone=1:gone:t=%%'] });
  await mod.waitForTraffic(/^E: %%<message:m1:true:m\.msg:r%%%z1:k=2:t=%%:handlers=native%z10:added=x=y$/);
});

test('every line Yate refuses gets "Error in: " and the line; a bad answer line gets only a log warning', async () => {
  const emu = emulator();
  const bad = ['this is not a protocol line', '%%>message:bad', '%%>bogus:1:2', '%%>setlocal:novalue', '%%>setlocal::x',
    '%%>message:i:0:n:r:=v', '%%>message:i:x:n:r', '%%>message:i:0:n:r:k=a%@', '%%>debug:x:text', '%%>connect:global'];
  const mod = puppet(emu, { start: [...bad, '%%<message:nosuch:true:', '%%>output:done'] });
  await emu.log.waitForLog(/^done$/);
  await waitForReplies(mod, bad.length);
  assert.deepEqual(engineLines(mod), bad.map((l) => 'Error in: ' + l));
  assert.ok(emu.log.grep(/Unmatched message: %%<message:nosuch:true:/).length === 1);
  assert.throws(() => emu.assertExactlyOnce(), /answers matching no message sent[\s\S]*nosuch/);
});

test('setlocal answers what was set or read, unescaped, and false for what it does not know', async () => {
  const emu = emulator({ config: { general: { modload: 'disable', odd: 'a:b' } }, runParams: { nodename: 'vm' } });
  const asks = ['bufsize:100', 'bufsize:999999', 'bufsize:abc', 'timeout:250', 'timeout:', 'engine.version:', 'engine.version:7',
    'engine.nosuch:', 'config.general.odd:', 'config.general.nosuch:', 'config.general:', 'config.nosuch:', 'loaded.extmodule:',
    'loaded.nosuch:', 'maxqueue:20000', 'restart:true', 'settime:true', 'id:', 'trackparam:', 'trackparam:me', 'nosuch:1'];
  const mod = puppet(emu, { start: asks.map((a) => `%%>setlocal:${a}`) });
  await waitForReplies(mod, asks.length);
  assert.deepEqual(engineLines(mod), [
    'bufsize:2048:true', 'bufsize:65536:true', 'bufsize:65536:true', 'timeout:250:true', 'timeout:250:true',
    'engine.version:6.4.1:true', 'engine.version:6.4.1:false', 'engine.nosuch::false', 'config.general.odd:a:b:true',
    'config.general.nosuch::false', 'config.general::true', 'config.nosuch::false', 'loaded.extmodule:true:true',
    'loaded.nosuch:false:true', 'maxqueue:10000:true', 'restart:true:true', 'settime:true:true', 'id::false',
    'trackparam::true', 'trackparam:me:true', 'nosuch:1:false',
  ].map((l) => '%%<setlocal:' + l));
});

test('output goes to the log raw and trimmed, debug unescaped at its level', async () => {
  const emu = emulator();
  puppet(emu, { start: ['%%>output:   colon: and % stay raw  ', '%%>debug:7:two%Jlines%z'] });
  await emu.log.waitForLog(/^colon: and % stay raw$/);
  const d = await emu.log.waitForLog(/two\nlines:/);
  assert.equal(d.level, 7);
});
