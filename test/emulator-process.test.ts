// Scripts as Yate runs them: exactly one argument, stderr into the log, pipes closed + SIGTERM on
// unload, restart.
import assert from 'node:assert/strict';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import { Emulator } from '../src/emulator/index.js';
import { puppet, waitForReplies } from './emulator-helpers.js';

const open: Emulator[] = [];
const dir = mkdtempSync(path.join(os.tmpdir(), 'yate-emu-'));
after(async () => {
  await Promise.all(open.map((e) => e.close()));
  rmSync(dir, { recursive: true, force: true });
});
const emulator = (): Emulator => { const e = new Emulator(); open.push(e); return e; };

/** An executable script with a shebang, like the ones extmodule.conf names. */
function script(name: string, body: string): string {
  const file = path.join(dir, name);
  writeFileSync(file, `#!${process.execPath}\n${body}\n`);
  chmodSync(file, 0o755);
  return file;
}

test('a script gets exactly one argument, the empty string for an empty parameter, inner spaces kept', async () => {
  const emu = emulator();
  const file = script('args.mjs', "process.stdout.write('%%>output:ARGV ' + JSON.stringify(process.argv.slice(2)) + '\\n');");
  for (const arg of [undefined, '', '  ', 'one two  three', ' padded ']) emu.spawn(file, arg);
  const until = Date.now() + 10000;
  while (emu.log.grep(/^ARGV /).length < 5 && Date.now() < until) await new Promise((r) => setTimeout(r, 10));
  const got = emu.log.grep(/^ARGV /).map((e) => e.text).sort();
  assert.deepEqual(got, ['ARGV [""]', 'ARGV [""]', 'ARGV [""]', 'ARGV ["one two  three"]', 'ARGV ["padded"]']);
});

test('what a script writes on stderr lands in the log untouched', async () => {
  const emu = emulator();
  emu.spawn(script('err.mjs', "process.stderr.write('first: line\\nsecond %z line\\n'); process.stdout.write('%%>output:ok\\n');"));
  const e = await emu.log.waitForLog(/^second %z line$/);
  assert.equal(e.component, 'stderr');
  assert.equal(emu.log.grep(/^first: line$/).length, 1);
});

test('a script that never wrote a protocol line is reported when it ends', async () => {
  const emu = emulator();
  const link = emu.spawn(script('chatty.mjs', "process.stdout.write('hello\\n');"));
  await emu.log.waitForLog(/Never got anything valid from terminated '.*chatty\.mjs' ''/);
  assert.deepEqual(link.traffic, ['A: hello', 'E: Error in: hello']);
});

test('a path that cannot be executed fails like Yate\'s child does', async () => {
  const emu = emulator();
  emu.spawn('/nonexistent/yate-chat-script');
  await emu.log.waitForLog(/^Failed to execute '\/nonexistent\/yate-chat-script': /);
  await emu.log.waitForLog(/Never got anything valid/);
});

test('unloading closes the script\'s stdin and sends SIGTERM to one that keeps running', async () => {
  const emu = new Emulator();
  const mod = puppet(emu, { start: ['%%>install:50:z.msg'], onEof: 'stay' });
  await waitForReplies(mod, 1);
  await emu.close();
  await emu.log.waitForLog(/^puppet: got SIGTERM$/);
  assert.equal(mod.dead, true);
  assert.equal(emu.dispatcher.handlers.some((h) => h.name === 'z.msg'), false);
});

test('setlocal restart starts a global script again when it dies', async () => {
  const emu = emulator();
  const first = puppet(emu, { start: ['%%>setlocal:restart:true'] });
  await waitForReplies(first, 1);
  assert.equal(first.traffic[1], 'E: %%<setlocal:restart:true:true');
  process.kill(first.pid!, 'SIGKILL');
  const second = await emu.waitForLink(2);
  await emu.log.waitForLog(/<MILD> Restarting external '.*' '.*emu-puppet\.mjs'/);
  await waitForReplies(second, 1);
  assert.equal(first.restartedAs, second);
  assert.equal(first.dead, true);
});
