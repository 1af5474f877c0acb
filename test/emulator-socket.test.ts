// Socket mode: `[listener NAME]`, tcp or unix, with or without role=global.
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import { Emulator } from '../src/emulator/index.js';

const open: Emulator[] = [];
after(async () => { await Promise.all(open.map((e) => e.close())); });
const emulator = (): Emulator => { const e = new Emulator(); open.push(e); return e; };

/** A module in this process: the socket, and a reader of the engine's lines. */
function client(conn: net.Socket): { send: (...lines: string[]) => void; next: () => Promise<string> } {
  const lines: string[] = [];
  const waiters: Array<(l: string) => void> = [];
  let buf = '';
  conn.on('data', (b) => {
    buf += b.toString('latin1');
    let i;
    while ((i = buf.indexOf('\n')) >= 0) {
      const l = buf.slice(0, i);
      buf = buf.slice(i + 1);
      const w = waiters.shift();
      if (w) w(l); else lines.push(l);
    }
  });
  return {
    send: (...ls) => conn.write(Buffer.from(ls.map((l) => l + '\n').join(''), 'latin1')),
    next: () => new Promise((r) => { const l = lines.shift(); if (l !== undefined) r(l); else waiters.push(r); }),
  };
}

test('a module on a tcp listener must first send %%>connect:global, then works like a script', async () => {
  const emu = emulator();
  const l = await emu.listen({ type: 'tcp', name: 'chat', port: 0 });
  const conn = net.connect(l.address as number, '127.0.0.1');
  const mod = client(conn);
  mod.send('%%>connect:global', '%%>install:50:sock.msg', '%%>setlocal:restart:true');
  assert.equal(await mod.next(), '%%<install:50:sock.msg:true');
  assert.equal(await mod.next(), '%%<setlocal:restart:false:true'); // only a script Yate started can restart
  const pending = emu.dispatch('sock.msg', { a: 'b' });
  const offered = await mod.next();
  const id = /^%%>message:([^:]+):\d+:sock\.msg::a=b$/.exec(offered)?.[1];
  assert.ok(id, offered);
  mod.send(`%%<message:${id}:true::done`);
  const r = await pending;
  assert.deepEqual([r.handled, r.message.retval], [true, 'done']);
  assert.equal(emu.links[0]!.name, 'chat');
  conn.destroy();
  emu.assertExactlyOnce();
});

test('a socket module that does not start with %%>connect is closed', async () => {
  const emu = emulator();
  const l = await emu.listen({ type: 'tcp', port: 0 });
  const conn = net.connect(l.address as number, '127.0.0.1');
  const closed = new Promise((r) => conn.on('close', r));
  client(conn).send('%%>install:50:x.msg');
  await emu.log.waitForLog(/Expecting %%>connect, received '%%>install:50:x\.msg'/);
  await closed;
  assert.equal(emu.links[0]!.dead, true);
});

test('a unix listener with role=global needs no connect line', async () => {
  const emu = emulator();
  const sock = path.join(os.tmpdir(), `yate-emu-${process.pid}.sock`);
  await emu.listen({ type: 'unix', path: sock, role: 'global' });
  const conn = net.connect(sock);
  const mod = client(conn);
  mod.send('%%>setlocal:engine.version:');
  assert.equal(await mod.next(), '%%<setlocal:engine.version:6.4.1:true');
  mod.send('%%>connect:global'); // too late: just a bad line now
  assert.equal(await mod.next(), 'Error in: %%>connect:global');
  conn.destroy();
  await emu.close();
  rmSync(sock, { force: true });
});
