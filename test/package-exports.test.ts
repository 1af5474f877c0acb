// The package's own entry points, imported by name as a user would (package self-reference).
import assert from 'node:assert/strict';
import { test } from 'node:test';

test('the package entry exports the connection, the chat module, the rules loader and the store', async () => {
  const pkg = await import('yate-chat' as string);
  for (const name of ['Connection', 'Message', 'Params', 'startChat', 'startAdmin', 'loadConfig', 'openStore', 'YateChatError', 'fromText', 'toText']) {
    assert.equal(typeof pkg[name], 'function', name);
  }
  assert.match(pkg.VERSION, /^\d+\.\d+\.\d+/);
});

test('yate-chat/emulator exports the engine emulator with its native modules', async () => {
  const emu = await import('yate-chat/emulator' as string);
  for (const name of ['Emulator', 'Regfile', 'Lateroute', 'Ysipchan', 'Message']) assert.equal(typeof emu[name], 'function', name);
  const e = new emu.Emulator();
  const r = await e.dispatch('nobody.handles', { a: '1' });
  assert.equal(r.handled, false);
  await e.close();
});
