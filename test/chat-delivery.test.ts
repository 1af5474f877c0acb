// Confirmed delivery: the sender's answer is the recipient's real final code, for one contact,
// for several at once (best code wins), and over the connection the recipient registered on.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { YateMessage as Message } from '../src/emulator/index.js';
import { command, contact, PATHS, send, withLab } from './fixtures/chat-lab.js';

/** A router at 95 (before regfile) that forks 234's MESSAGEs to two devices. */
function forkRoute(m: Message): boolean {
  if (m.getParam('called') !== '234' || m.getParam('route_type') !== 'msg') return false;
  m.retval = 'fork';
  m.setParam('callto.1', `sip/${contact('234', 5070)}`);
  m.setParam('callto.2', `sip/${contact('234', 5080)}`);
  return true;
}

for (const path of PATHS) {
  test(`${path} path: the far end's 486 reaches the sender as 486 and nothing is stored`, async () => {
    await withLab({ ysipchan: { responder: () => 486 } }, async (lab) => {
      await lab.register('234', 5070);
      assert.equal(await send(lab, path), 486);
      assert.equal(lab.sip.sent.length, 1);
      assert.equal(lab.sip.sent[0]!.code, 486);
      assert.equal(await command(lab, 'chat queue'), 'no stored messages\r\n');
    });
  });

  test(`${path} path: the far end's 404 reaches the sender as 404`, async () => {
    await withLab({ ysipchan: { responder: () => 404 } }, async (lab) => {
      await lab.register('234', 5070);
      assert.equal(await send(lab, path), 404);
      assert.equal(lab.sip.sent.length, 1);
    });
  });

  test(`${path} path: a user with two devices gets the MESSAGE on both and the sender gets the best code`, async () => {
    const codes: Record<string, number> = { [contact('234', 5070)]: 486, [contact('234', 5080)]: 200 };
    await withLab({ ysipchan: { responder: (r) => codes[r.uri] } }, async (lab) => {
      lab.emu.install('call.route', 95, forkRoute);
      assert.equal(await send(lab, path, { body: 'to both' }), 200);
      assert.deepEqual(lab.sip.sent.map((r) => [r.uri, r.body, r.code]).sort(), [
        [contact('234', 5070), 'to both', 486], [contact('234', 5080), 'to both', 200],
      ]);
      // Neither device accepts: the most specific 4xx wins over a 5xx.
      codes[contact('234', 5070)] = 503;
      codes[contact('234', 5080)] = 486;
      assert.equal(await send(lab, path, { body: 'busy' }), 486);
      assert.equal(lab.sip.sent.filter((r) => r.body === 'busy').length, 2);
    });
  });

  test(`${path} path: a user registered over TCP is reached on that connection (oconnection_id becomes connection_id)`, async () => {
    await withLab({}, async (lab) => {
      const uri = contact('234', 5090);
      assert.equal(await lab.sip.receiveRegister({ user: '234', contact: uri, transport: 'TCP', connectionId: 'tcp-7' }), 200);
      assert.equal(await send(lab, path, { body: 'over tcp' }), 200);
      assert.equal(lab.sip.sent.length, 1);
      assert.equal(lab.sip.sent[0]!.uri, uri);
      assert.equal(lab.sip.sent[0]!.connectionId, 'tcp-7');
      assert.equal(lab.sip.sent[0]!.body, 'over tcp');
    });
  });
}

test('a UDP user on the default listener gets connection_id "general" from its route', async () => {
  await withLab({}, async (lab) => {
    await lab.register('234', 5070);
    assert.equal(await send(lab, 'generic'), 200);
    assert.equal(lab.sip.sent[0]!.connectionId, 'general');
  });
});

test('chat send from rmanager delivers like a MESSAGE and prints the code', async () => {
  await withLab({}, async (lab) => {
    await lab.register('234', 5070);
    assert.equal(await command(lab, 'chat send 123@example.org 234 hi there'), '200 delivered to sip/sip:234@127.0.0.1:5070\r\n');
    assert.equal(lab.sip.sent[0]!.body, 'hi there');
    assert.equal(lab.sip.sent[0]!.headers.find(([h]) => h === 'From')?.[1], '<sip:123@example.org>');
  });
});
