// The recorded transcript scenarios, end to end: the real module over pipes, the emulated
// ysipchan/regfile/lateroute around it, on both MESSAGE paths; and `seed` mode, which must do
// exactly what the seed's regexroute rules did (200 at once, msg.execute to lateroute).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { decodeModuleLine } from '../src/protocol/index.js';
import { command, contact, delivered, dispatched, header, lastIncoming, PATHS, rules, send, sentTo, withLab } from './fixtures/chat-lab.js';

const PIDF = '<?xml version="1.0"?><presence xmlns="urn:ietf:params:xml:ns:pidf" entity="sip:123@127.0.0.1">'
  + '<tuple id="t1"><status><basic>open</basic></status><note>at my desk</note></tuple></presence>';

for (const path of PATHS) {
  test(`${path} path: a MESSAGE from 123 to registered 234 is delivered and the sender gets 200`, async () => {
    await withLab({}, async (lab) => {
      assert.equal(await lab.register('234', 5070), 200);
      const body = 'hello: 100% = done';
      // The authenticated user (username) is who the message is from, not the claimed caller.
      assert.equal(await send(lab, path, { caller: 'claimed', username: '123', body }), 200);
      assert.equal(lab.sip.sent.length, 1);
      const req = lab.sip.sent[0]!;
      // Handed to ysipchan in the sender's own dispatch: renamed (generic) or routed (native).
      assert.equal(req.via, path === 'generic' ? 'xsip.generate' : 'msg.execute');
      assert.equal(req.method, 'MESSAGE');
      assert.equal(req.uri, contact('234', 5070));
      assert.equal(req.body, body);
      assert.equal(req.type, 'text/plain');
      assert.equal(req.wait, true);
      assert.equal(req.code, 200);
      assert.match(header(req, 'From') ?? '', /^"Sender claimed" <sip:123@127\.0\.0\.1>$/);
      assert.equal(header(req, 'To'), '<sip:234@127.0.0.1>');
      assert.equal(req.headers.find(([h]) => h.toLowerCase() === 'contact'), undefined, 'RFC 3428: no Contact');
      await lab.emu.log.waitForLog(/MESSAGE 123 -> 234 \[text\/plain, 18 B\] => sent on to sip:234@127\.0\.0\.1:5070 by ysipchan/);
    });
  });

  test(`${path} path: a MESSAGE to a registered user costs Yate one message offered to the module and none emitted`, async () => {
    await withLab({}, async (lab) => {
      await lab.register('234', 5070);
      const before = lab.link.cost.counts();
      assert.equal(await send(lab, path), 200);
      const cost = lab.link.cost.since(before);
      assert.deepEqual(cost.offered, { [path === 'generic' ? 'sip.message' : 'call.route']: 1 });
      assert.deepEqual(cost.emitted, {});
      assert.equal(lab.sip.sent.length, 1);
    });
  });

  test(`${path} path: From and To are built in the domain the MESSAGE was addressed to, whatever domain the sender's From claims`, async () => {
    await withLab({}, async (lab) => {
      await lab.register('234', 5070);
      assert.equal(await send(lab, path, { domain: 'example.org', from: '"Alice" <sip:123@example.org>;tag=9', to: '<sip:234@127.0.0.1>', uri: 'sip:234@127.0.0.1:5060' }), 200);
      const [req] = lab.sip.sent;
      assert.equal(header(req!, 'To'), '<sip:234@127.0.0.1>');
      assert.match(header(req!, 'From') ?? '', /<sip:123@127\.0\.0\.1>$/);
    });
  });

  test(`${path} path: the sender's own headers and transport are not carried to the recipient`, async () => {
    await withLab({}, async (lab) => {
      await lab.sip.receiveRegister({ user: '234', contact: contact('234', 5070), connectionId: 'udp-b' });
      // The sender came over TCP, in a dialog, with a charset and a User-Agent.
      assert.equal(await send(lab, path, {
        transport: 'TCP', connectionId: 'tcp:10.0.0.9:5061', contentType: 'text/plain;charset=utf-8',
        headers: [['user-agent', 'Phone/1.0']], callid: 'c4ll@10.0.0.9',
      }), 200);
      const [req] = lab.sip.sent;
      const names = req!.headers.map(([h]) => h);
      // Only what is ours, and the Call-ID the sender chose (its receipts name the message by it).
      assert.deepEqual(names.sort(), ['Call-ID', 'From', 'To'], names.join(','));
      assert.equal(header(req!, 'Call-ID'), 'c4ll@10.0.0.9');
      assert.equal(req!.type, 'text/plain;charset=utf-8');
      // The recipient's registration picks the connection; the sender's transport is gone.
      assert.equal(req!.connectionId, 'udp-b');
      assert.equal(req!.ipTransport, null);
    });
  });

  test(`${path} path: a MESSAGE without Content-Type is refused with 415 and nothing is sent`, async () => {
    await withLab({}, async (lab) => {
      await lab.register('234', 5070);
      assert.equal(await send(lab, path, { type: undefined, body: undefined }), 415);
      assert.equal(lab.sip.sent.length, 0);
    });
  });

  test(`${path} path: a MESSAGE to 999, whom nobody knows, gets 404 instead of the seed's silent 200`, async () => {
    await withLab({}, async (lab) => {
      assert.equal(await send(lab, path, { called: '999' }), 404);
      assert.equal(lab.sip.sent.length, 0);
      assert.equal(await command(lab, 'chat queue'), 'no stored messages\r\n');
    });
  });
}

test('a PUBLISH with a PIDF body gets 200 and chat presence shows the status; a non-PIDF one gets 415', async () => {
  await withLab({}, async (lab) => {
    assert.equal(await command(lab, 'chat presence'), 'no presence known\r\n');
    assert.equal(await lab.sip.receivePublish({ caller: '123', called: '123', type: 'application/pidf+xml', body: PIDF }), 200);
    assert.equal(await lab.sip.receivePublish({ caller: '234', called: '234', type: 'text/plain', body: 'open' }), 415);
    const text = await command(lab, 'chat presence');
    assert.match(text, /^123 open "at my desk" since \d{4}-\d\d-\d\dT[\d:.]+Z\r\n$/);
    assert.equal(await command(lab, 'chat presence 234'), 'no presence for 234\r\n');
  });
});

test('seed mode: the sender gets 200 at once and exactly the seed\'s msg.execute is enqueued, routed by lateroute and delivered once', async () => {
  await withLab({ rules: rules({ mode: 'seed' }) }, async (lab) => {
    await lab.register('234', 5070);
    const body = 'seed: 50% off\r\nline two';
    const routed = dispatched(lab, 'msg.execute', (m) => m.getParam('xsip_body') === body);
    const callId = 'seed-1@127.0.0.1';
    assert.equal(await send(lab, 'generic', { body, callid: callId }), 200);

    // What the module wrote: a fire-and-forget msg.execute (empty id) to lateroute, carrying the
    // body as ysipchan's relay reads it (the seed's own msg.execute rule renamed type/text).
    const emitted = lab.link.traffic.filter((l) => l.startsWith('A: %%>message:') && l.includes(':msg.execute:'));
    assert.equal(emitted.length, 1, emitted.join('\n'));
    const line = decodeModuleLine(emitted[0]!.slice(3));
    assert.equal(line.type, 'message');
    if (line.type !== 'message') return;
    assert.equal(line.id, '');
    assert.deepEqual(line.params.filter(([n]) => n !== 'yatechat_origin'), [
      ['caller', '123'], ['called', '234'], ['domain', '127.0.0.1'], ['callto', 'lateroute/234'],
      ['xsip_type', 'text/plain'], ['xsip_body', body], ['sip_Call-ID', callId], ['sip_From', '"Sender 123" <sip:123@127.0.0.1>'],
    ]);

    // lateroute (75) turned it into the route; ysipchan's relay (100) sent it without waiting,
    // like the seed's rename to xsip.generate did. The module never saw the msg.execute.
    const { message, handled } = await routed;
    assert.equal(handled, true);
    assert.equal(message.getParam('callto'), `sip/${contact('234', 5070)}`);
    const [req] = await delivered(lab, contact('234', 5070), 1);
    assert.equal(req!.body, body);
    assert.equal(req!.wait, false);
    assert.match(header(req!, 'From') ?? '', /<sip:123@127\.0\.0\.1>$/);
    assert.equal(lab.link.cost.offered.get('msg.execute'), undefined);

    // No loop: one more round trip through the module and still one msg.execute, one MESSAGE.
    await command(lab, 'chat stats');
    assert.equal(lab.sip.sent.length, 1);
    assert.equal(lab.link.traffic.filter((l) => l.startsWith('A: %%>message:') && l.includes(':msg.execute:')).length, 1);
  });
});

test('seed mode: a message to an unknown user still gets 200 (as the seed did) and nothing is sent', async () => {
  await withLab({ rules: rules({ mode: 'seed' }) }, async (lab) => {
    const routed = dispatched(lab, 'msg.execute', (m) => m.getParam('called') === '999');
    assert.equal(await send(lab, 'generic', { called: '999' }), 200);
    const { message, handled } = await routed;
    assert.equal(handled, false);
    assert.equal(message.getParam('callto'), 'lateroute/999');
    assert.equal(lab.sip.sent.length, 0);
  });
});

test('seed mode: refusals still apply before the 200 (no Content-Type -> 415, nothing enqueued)', async () => {
  await withLab({ rules: rules({ mode: 'seed' }) }, async (lab) => {
    await lab.register('234', 5070);
    assert.equal(await send(lab, 'generic', { type: undefined }), 415);
    assert.equal(lastIncoming(lab).getParam('code'), '415');
    await command(lab, 'chat stats');
    assert.equal(lab.link.traffic.filter((l) => l.startsWith('A: %%>message:') && l.includes(':msg.execute:')).length, 0);
    assert.equal(sentTo(lab, 'sip:').length, 0);
  });
});
