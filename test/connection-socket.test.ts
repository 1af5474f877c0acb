// The engine connection in socket mode: a module that connects to an extmodule `[listener]`
// (tcp or unix), announces its role first, and after the link drops reconnects with backoff,
// re-installing its handlers and watches and re-applying its settings.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test, type TestContext } from 'node:test';
import { Emulator, type EmulatorOptions } from '../src/emulator/index.js';
import {
  control, engineLines, moduleLines, offeredId, reports, socketModule, started, waitEvent, waitReport, waitResult, type Plan, type SocketModule,
} from './fixtures/conn-helpers.js';

function emulator(t: TestContext, opts: EmulatorOptions = {}): Emulator {
  const emu = new Emulator(opts);
  t.after(() => emu.close());
  return emu;
}

function module(t: TestContext, emu: Emulator, plan: Plan): SocketModule {
  const m = socketModule(emu, plan);
  t.after(() => m.stop());
  return m;
}

const opens = (emu: Emulator): number => reports(emu).filter((r) => r.event === 'open').length;
const indexOf = (emu: Emulator, pred: (r: Record<string, unknown>) => boolean): number => reports(emu).findIndex(pred);

test('over tcp the module sends %%>connect:global first, then works like a script', async (t) => {
  const emu = emulator(t);
  const l = await emu.listen({ type: 'tcp', name: 'chat', port: 0 });
  const mod = module(t, emu, {
    endpoint: `tcp://127.0.0.1:${l.address}`,
    handlers: [{ label: 'echo', name: 'sock.echo', priority: 60, steps: [{ retval: 'echo ${p:text}' }], returns: true }],
  });
  await started(emu);
  const link = emu.links[0]!;
  assert.equal(link.kind, 'socket');
  assert.equal(moduleLines(link)[0], '%%>connect:global');
  const r = await emu.dispatch('sock.echo', { text: 'one' });
  assert.deepEqual([r.handled, r.message.retval], [true, 'echo one']);
  // stderr is not Yate's log for a socket module: its log lines travel on the link
  await control(emu, [{ do: 'output', label: 'o', text: 'over the socket' }]);
  await emu.log.waitForLog(/^over the socket$/);
  assert.equal(await mod.stop(), 0);
  emu.assertExactlyOnce();
});

test('after the listener drops the link, a pending dispatch rejects with DISCONNECTED at once and the module reconnects with everything re-applied', async (t) => {
  const emu = emulator(t);
  const l = await emu.listen({ type: 'tcp', port: 0 });
  let release: (v: boolean) => void = () => {};
  const reached = new Promise<void>((r) => emu.install('slow.route', 100, () => { r(); return new Promise<boolean>((res) => { release = res; }); }));
  const mod = module(t, emu, {
    endpoint: `tcp://127.0.0.1:${l.address}`,
    options: { trackName: 'conn-test', reconnect: { initialMs: 50, maxMs: 400 } },
    handlers: [{ label: 'echo', name: 'sock.echo', priority: 60, steps: [{ retval: 'echo ${p:text}' }], returns: true }],
    watch: ['sock.note'],
    start: [
      { do: 'setlocal', label: 'reason', name: 'reason', value: 'sock-test' },
      { do: 'dispatch', label: 'pending', name: 'slow.route', background: true },
    ],
  });
  await started(emu);
  await reached; // Yate is dispatching our slow.route and will not answer it
  const first = emu.links[0]!;
  assert.equal((await emu.dispatch('sock.echo', { text: 'one' })).message.retval, 'echo one');

  first.die(); // Yate drops the connection
  const pending = await waitResult(emu, 'pending');
  assert.deepEqual([pending.ok, pending.code], [false, 'DISCONNECTED']);
  const second = await emu.waitForLink(2, 10000);
  await waitReport(emu, (r) => r.event === 'open' && opens(emu) >= 2, 'a second "open" report');
  assert.ok(indexOf(emu, (r) => r.event === 'disconnect') >= 0);
  assert.ok(indexOf(emu, (r) => r.event === 'result' && r.label === 'pending')
    < reports(emu).map((r) => r.event).lastIndexOf('open'), 'rejected before the new link was up');

  const sent = moduleLines(second);
  assert.equal(sent[0], '%%>connect:global');
  for (const l2 of [
    '%%>setlocal:trackparam:conn-test', '%%>setlocal:bufsize:65536', '%%>setlocal:timeout:', '%%>setlocal:reason:sock-test',
    '%%>install:60:sock.echo', '%%>install:100:conn-test.control', '%%>watch:sock.note',
  ]) assert.ok(sent.includes(l2), `${l2} missing on the new link:\n${sent.join('\n')}`);
  assert.equal(second.installed.get('sock.echo')?.priority, 60);

  const r = await emu.dispatch('sock.echo', { text: 'two' });
  assert.deepEqual([r.handled, r.message.retval, r.message.getParam('handlers')], [true, 'echo two', 'conn-test:60']);
  offeredId(second, 'sock.echo');
  await emu.dispatch('sock.note', { n: '1' });
  assert.equal((await waitEvent(emu, 'watch')).name, 'sock.note');

  release(true); // Yate finishes the old dispatch: the old link is gone, nothing reaches the module
  const [after] = await control(emu, [{ do: 'dispatch', label: 'after', name: 'nobody.home' }]);
  assert.deepEqual([after?.ok, after?.processed], [true, false]);
  assert.equal(engineLines(second).some((l2) => l2.includes(':slow.route:')), false);
  assert.equal(await mod.stop(), 0);
  emu.assertExactlyOnce();
});

test('over a unix socket the module retries with backoff while the listener is gone and comes back when it returns', async (t) => {
  const emu = emulator(t);
  const dir = mkdtempSync(path.join(os.tmpdir(), 'yate-chat-conn-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const sock = path.join(dir, 'ext.sock');
  const l1 = await emu.listen({ type: 'unix', name: 'chat', path: sock });
  const mod = module(t, emu, {
    endpoint: `unix:${sock}`,
    options: { reconnect: { initialMs: 50, maxMs: 200 } },
    handlers: [{ label: 'echo', name: 'sock.echo', steps: [{ retval: 'echo ${p:text}' }], returns: true }],
  });
  await started(emu);
  assert.equal(moduleLines(emu.links[0]!)[0], '%%>connect:global');
  assert.equal((await emu.dispatch('sock.echo', { text: 'one' })).message.retval, 'echo one');

  await l1.close();
  await waitEvent(emu, 'disconnect');
  // two failed attempts: it keeps trying
  await waitReport(emu, () => reports(emu).filter((r) => r.event === 'retry' && r.code === 'NOT_CONNECTED').length >= 2, 'two failed reconnects');
  const retries = reports(emu).filter((r) => r.event === 'retry').slice(0, 2);
  assert.deepEqual(retries.map((r) => r.failures), [1, 2], 'one retry per failed attempt, counted');
  for (const r of retries) assert.ok((r.delayMs as number) > 0 && (r.delayMs as number) <= 200 * 1.25, `backoff within maxMs: ${String(r.delayMs)}`);
  await emu.listen({ type: 'unix', name: 'chat', path: sock });
  const second = await emu.waitForLink(2, 10000);
  await waitReport(emu, (r) => r.event === 'open' && opens(emu) >= 2, 'a second "open" report');
  assert.equal(moduleLines(second)[0], '%%>connect:global');
  assert.equal((await emu.dispatch('sock.echo', { text: 'two' })).message.retval, 'echo two');
  assert.equal(await mod.stop(), 0);
  emu.assertExactlyOnce();
});

test('with a listener that has a role, role: null skips the connect line', async (t) => {
  const emu = emulator(t);
  const l = await emu.listen({ type: 'tcp', port: 0, role: 'global' });
  const mod = module(t, emu, {
    endpoint: `tcp://127.0.0.1:${l.address}`,
    options: { role: null },
    handlers: [{ label: 'echo', name: 'sock.echo', returns: true }],
  });
  await started(emu);
  assert.ok(moduleLines(emu.links[0]!).every((l2) => !l2.startsWith('%%>connect')));
  assert.equal((await emu.dispatch('sock.echo')).handled, true);
  assert.equal(await mod.stop(), 0);
  emu.assertExactlyOnce();
});
