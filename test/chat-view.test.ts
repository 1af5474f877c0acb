// The registration view end to end: a stale or cold view must never turn into a lost or
// falsely confirmed message. When the view does not hold a user, the module asks Yate's
// routers; when it holds one, the MESSAGE goes to that contact and the sender hears its code.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { command, contact, delivered, PATHS, queueEmpty, send, withLab } from './fixtures/chat-lab.js';

for (const path of PATHS) {
  test(`${path} path: a user who registered before the module started is found through Yate's routers, then costs no lookup once it registers again`, async () => {
    await withLab({}, async (lab) => {
      // The registration the module never saw: regfile has it, the view does not.
      lab.emu.regfile!.accounts.set('234', lab.emu.message('user.register', [['username', '234'], ['data', `sip/${contact('234', 5070)}`], ['route_params', 'oconnection_id'], ['oconnection_id', 'general']]));
      let before = lab.link.cost.counts();
      assert.equal(await send(lab, path, { body: 'cold' }), 200);
      assert.deepEqual(lab.link.cost.since(before).emitted, { 'call.route': 1 });
      assert.equal(lab.sip.sent[0]!.body, 'cold');
      assert.equal(lab.sip.sent[0]!.via, path === 'generic' ? 'xsip.generate' : 'msg.execute', 'still handed to ysipchan in place');

      await lab.register('234', 5070);
      before = lab.link.cost.counts();
      assert.equal(await send(lab, path, { body: 'warm' }), 200);
      assert.deepEqual(lab.link.cost.since(before).emitted, {});
      await delivered(lab, contact('234', 5070), 2);
    });
  });

  test(`${path} path: after a REGISTER with Expires 0 the user is offline again: the next message is kept (202), not sent to the old contact`, async () => {
    await withLab({}, async (lab) => {
      await lab.register('234', 5070);
      assert.equal(await lab.sip.receiveRegister({ user: '234', contact: contact('234', 5070), expires: 0 }), 200);
      assert.equal(await send(lab, path, { body: 'after unregister' }), 202);
      assert.equal(lab.sip.sent.length, 0);
      await lab.register('234', 5071);
      const [req] = await delivered(lab, contact('234', 5071), 1);
      assert.equal(req!.body, 'after unregister');
      await queueEmpty(lab);
    });
  });

  test(`${path} path: when a TCP connection goes down its registrations go with it: the next message is kept, not sent to a dead contact`, async () => {
    await withLab({}, async (lab) => {
      await lab.sip.receiveRegister({ user: '234', contact: contact('234', 5090), transport: 'TCP', connectionId: 'tcp:127.0.0.1:5090-1' });
      // ysipchan enqueues this when the transport terminates; regfile forgets the user too.
      await lab.emu.enqueue('user.unregister', [['connection_id', 'tcp:127.0.0.1:5090-1']]);
      await command(lab, 'chat stats'); // the watcher's notification has reached the module
      assert.equal(await send(lab, path, { body: 'connection gone' }), 202);
      assert.equal(lab.sip.sent.length, 0);
    });
  });
}

test('a registration that expired is not used: the message is looked up and kept once regfile forgot it', async () => {
  await withLab({}, async (lab) => {
    await lab.sip.receiveRegister({ user: '234', contact: contact('234', 5070), expires: 1 });
    await new Promise((r) => setTimeout(r, 1100));
    lab.emu.regfile!.expire(Math.floor(Date.now() / 1000) + 5); // regfile's own sweep (every 30 s on a real Yate)
    const before = lab.link.cost.counts();
    assert.equal(await send(lab, 'generic', { body: 'expired' }), 202);
    assert.deepEqual(lab.link.cost.since(before).emitted, { 'call.route': 1 });
    assert.equal(lab.sip.sent.length, 0);
  });
});
