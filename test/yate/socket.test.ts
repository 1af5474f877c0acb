// On a real Yate: the module in socket mode (an extmodule [listener], no [scripts] line),
// started by the test. It delivers; Yate stops and starts again with the same configs; the
// same module process reconnects by itself, installs its handlers again and delivers again.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { unitExecStart } from '../fixtures/systemd-unit.js';
import { LAUNCHER, REPO, withYate, type RunningYate } from './engine.js';
import { startSocketModule } from './socket-module.js';
import { needsYate, registeredUa, uaFor, until, yateInstall } from './suite.js';

/** Wait until the module's handlers are in place on this Yate: its engine.status handler (installed
 *  after the chat handlers, in the same batch) answers `status yate-chat`. */
async function linked(yate: RunningYate): Promise<void> {
  await until('status yate-chat to answer', async () => /^name=yate-chat,/m.test(await yate.rmanager('status yate-chat')), 30000);
}

for (const listener of ['unix', 'tcp'] as const) {
  test(`socket mode over ${listener}: the module delivers, reconnects by itself when Yate restarts, and delivers again`, needsYate, async (t) => {
    await withYate(yateInstall(), { script: false, listener }, async (yate) => {
      const mod = startSocketModule(yate);
      t.after(() => mod.stop());
      await yate.waitForLog(new RegExp(`yate-chat \\S+ ready on ${listener === 'unix' ? 'unix:' : 'tcp://'}`), 20000);
      await linked(yate);

      const bob = await registeredUa(t, yate, '234');
      const alice = await uaFor(t, yate, '123');
      assert.equal((await alice.message('234', 'before the restart')).code, 200);
      await bob.waitForRequest((r) => r.body.toString() === 'before the restart');

      const oldYate = yate.pid;
      await yate.restart();
      assert.notEqual(yate.pid, oldYate, 'a new Yate process');
      // Asked of the new Yate: the module may also have reconnected to the old one while it was
      // shutting down (its listener still accepts then).
      await linked(yate);
      assert.equal(mod.exitCode(), null, `the module exited: ${mod.stderr()}`);

      // regfile keeps registrations in memory only: register again.
      assert.equal((await bob.register()).code, 200);
      assert.equal((await alice.message('234', 'after the restart')).code, 200);
      await bob.waitForRequest((r) => r.body.toString() === 'after the restart');
      assert.equal(bob.received.filter((r) => r.method === 'MESSAGE').length, 2);
    });
  });
}

test('socket mode as yate-chat.service starts it: the unit\'s ExecStart line, run without systemd, connects to the unix listener and delivers; SIGTERM ends it with exit 0', needsYate, async (t) => {
  const argv = unitExecStart(readFileSync(path.join(REPO, 'yate-conf/yate-chat.service'), 'utf8'));
  // The unit's paths are an installed system's: the command npm made (a link to the launcher
  // run here), Yate's listener socket and the rules file. This test's Yate has its own.
  const [command, connect, socket, rules, ...more] = argv;
  assert.deepEqual([path.basename(command!), connect, more], ['yate-chat', '--connect', []]);
  assert.match(socket!, /^unix:\//);
  assert.match(rules!, /\.json$/);
  await withYate(yateInstall(), { script: false, listener: 'unix' }, async (yate) => {
    const mod = startSocketModule(yate, [LAUNCHER, connect!, yate.connectTo!, yate.rulesPath]);
    t.after(() => mod.stop());
    await yate.waitForLog(/yate-chat \S+ ready on unix:/, 20000);
    await linked(yate);
    const bob = await registeredUa(t, yate, '234');
    const alice = await uaFor(t, yate, '123');
    assert.equal((await alice.message('234', 'from the service')).code, 200);
    await bob.waitForRequest((r) => r.body.toString() === 'from the service');
    await mod.stop(); // systemctl stop: SIGTERM
    assert.equal(mod.exitCode(), 0, `exit 0, so Restart=on-failure leaves it stopped: ${mod.stderr()}`);
  });
});
