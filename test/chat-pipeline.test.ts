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
      assert.equal(req.via, 'xsip.generate');
      assert.equal(req.method, 'MESSAGE');
      assert.equal(req.uri, contact('234', 5070));
      assert.equal(req.body, body);
      assert.equal(req.type, 'text/plain');
      assert.equal(req.wait, true);
      assert.equal(req.code, 200);
      assert.match(header(req, 'From') ?? '', /<sip:123@127\.0\.0\.1>$/);
      assert.equal(req.headers.find(([h]) => h.toLowerCase() === 'contact'), undefined, 'RFC 3428: no Contact');
      await lab.emu.log.waitForLog(/MESSAGE 123 -> 234 \[text\/plain, 18 B\] .* => 200/);
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
    const routed = dispatched(lab, 'msg.execute', (m) => m.getParam('text') === body);
    assert.equal(await send(lab, 'generic', { body }), 200);

    // What the module wrote: a fire-and-forget msg.execute (empty id) with the seed's params only.
    const emitted = lab.link.traffic.filter((l) => l.startsWith('A: %%>message:') && l.includes(':msg.execute:'));
    assert.equal(emitted.length, 1, emitted.join('\n'));
    const line = decodeModuleLine(emitted[0]!.slice(3));
    assert.equal(line.type, 'message');
    if (line.type !== 'message') return;
    assert.equal(line.id, '');
    assert.deepEqual(line.params, [
      ['caller', '123'], ['called', '234'], ['domain', '127.0.0.1'], ['callto', 'lateroute/234'],
      ['body_encoding', ''], ['type', 'text/plain'], ['text', body],
    ]);

    // lateroute (75) turned it into the route; the module (90) delivered it and answered it.
    const { message, handled } = await routed;
    assert.equal(handled, true);
    assert.equal(message.getParam('callto'), `sip/${contact('234', 5070)}`);
    assert.equal(message.getParam('code'), '200');
    const [req] = await delivered(lab, contact('234', 5070), 1);
    assert.equal(req!.body, body);
    assert.equal(req!.code, 200);
    assert.match(header(req!, 'From') ?? '', /<sip:123@127\.0\.0\.1>$/);

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
