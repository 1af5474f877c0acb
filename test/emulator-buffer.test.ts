// extmodule's read buffer: with bufsize N a line of N-2 bytes is read, N-1 bytes overflows and
// closes the module (ExtModReceiver::run keeps one byte for the terminator).
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { Emulator, LineBuffer } from '../src/emulator/index.js';
import { puppet, waitForReplies } from './emulator-helpers.js';

const open: Emulator[] = [];
after(async () => { await Promise.all(open.map((e) => e.close())); });
const emulator = (opts = {}): Emulator => { const e = new Emulator(opts); open.push(e); return e; };
const line = (fill: string, length: number) => ({ prefix: '%%>output:', fill, length });

test('with the default 8192 a line of 8190 bytes is read and one of 8191 bytes overflows and closes the module', async () => {
  const emu = emulator();
  const mod = puppet(emu, { start: [line('a', 8190), line('b', 8191), '%%>output:never read'], onEof: 'stay' });
  await emu.log.waitForLog(/^a{8180}/);
  await emu.log.waitForLog(/<ExtModule:WARN> Overflow reading in buffer of length 8192, closing/);
  await emu.log.waitForLog(/^Unloading external module /);
  await emu.log.waitForLog(/^puppet: got SIGTERM$/); // Yate closes the pipes and sends SIGTERM
  assert.equal(mod.dead, true);
  assert.equal(emu.log.grep(/^b+$|never read/).length, 0);
});

test('setlocal bufsize raises the limit for the lines after it, even in the same write', async () => {
  const emu = emulator();
  const mod = puppet(emu, { start: ['%%>setlocal:bufsize:20000', line('c', 19998), line('d', 19999)], onEof: 'stay' });
  await emu.log.waitForLog(/^c{19988}/);
  await emu.log.waitForLog(/Overflow reading in buffer of length 20000, closing/);
  assert.equal(mod.traffic[1], 'E: %%<setlocal:bufsize:20000:true');
});

test('a bufsize below 2048 is raised to 2048, and lines are cut at that size', async () => {
  const emu = emulator();
  // the long lines are sent only after the reply: see the next test for data already in flight
  const mod = puppet(emu, {
    start: ['%%>setlocal:bufsize:100'],
    on: [{ match: '^%%<setlocal:bufsize:', send: [line('e', 2046), line('f', 2047)] }],
    onEof: 'stay',
  });
  await emu.log.waitForLog(/Overflow reading in buffer of length 2048, closing/);
  assert.equal(mod.traffic[1], 'E: %%<setlocal:bufsize:2048:true');
  assert.equal(emu.log.grep(/^e{2036}/).length, 1);
});

test('shrinking bufsize below what Yate has already read loses data and closes the module', () => {
  let size = 8192;
  const b = new LineBuffer(() => size);
  b.push('%%>setlocal:bufsize:2048\n' + 'x'.repeat(3000));
  assert.deepEqual(b.next(), { kind: 'line', line: '%%>setlocal:bufsize:2048' });
  size = 2048; // what processing that line did
  assert.equal(b.checkShrink(8192), true); // "Lost data shrinking read buffer to 2048, closing"
  const c = new LineBuffer(() => size);
  c.push('%%>setlocal:bufsize:2048\n');
  size = 8192;
  c.next();
  size = 2048;
  assert.equal(c.checkShrink(8192), false); // nothing else read yet: fine
});

test('messages waiting for a module that overflowed are released as not processed', async () => {
  const emu = emulator();
  const mod = puppet(emu, {
    start: ['%%>install:50:o.msg'],
    on: [{ match: '^%%>message:', send: [line('g', 9000)] }],
    answers: { 'o.msg': [] },
    onEof: 'stay',
  });
  await waitForReplies(mod, 1);
  assert.equal((await emu.dispatch('o.msg')).handled, false);
  await emu.log.waitForLog(/Overflow reading/);
  assert.throws(() => emu.assertExactlyOnce(), /module closed first/);
});

test('the line reader cuts at newline or NUL, drops a CR before the newline and skips empty lines', () => {
  const b = new LineBuffer(() => 2048);
  b.push('one\r\n\n\r\ntwo\0three');
  const got: string[] = [];
  for (let f = b.next(); f; f = b.next()) if (f.kind === 'line') got.push(f.line);
  assert.deepEqual(got, ['one', 'two']);
  b.push('\n');
  assert.deepEqual(b.next(), { kind: 'line', line: 'three' });
  b.push('x'.repeat(2046));
  assert.equal(b.next(), null); // still waiting: 2046 bytes fit, the newline may come
  b.push('x');
  assert.deepEqual(b.next(), { kind: 'overflow', size: 2048 });
});
