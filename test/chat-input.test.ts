// Bad and awkward input: bodies carrying the protocol's own separators, any byte but NUL, the
// largest bodies, and messages missing what the pipeline needs. Every one gets a defined answer
// and every delivered body arrives byte for byte.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { bytes, command, contact, lastIncoming, PATHS, rules, send, withLab } from './fixtures/chat-lab.js';

/** Every byte 0x01..0xFF once: NUL-free, and not valid UTF-8. */
const ALL_BYTES = Array.from({ length: 255 }, (_, i) => String.fromCharCode(i + 1)).join('');

const AWKWARD: ReadonlyArray<readonly [string, string]> = [
  ['colons', 'a:b::c:'],
  ['percent signs and escapes', '100% %z %% %J %'],
  ['equals signs', 'k=v=w ==x'],
  ['CR and LF', 'line one\r\nline two\nthree\r'],
  ['UTF-8 text', bytes('héllo wörld — 日本語 😀')],
  ['every byte 0x01..0xFF', ALL_BYTES],
];

for (const path of PATHS) {
  test(`${path} path: bodies with colons, %, =, CR/LF, UTF-8 and raw bytes 0x01-0xFF arrive byte-identical`, async () => {
    await withLab({}, async (lab) => {
      await lab.register('234', 5070);
      for (const [what, body] of AWKWARD) {
        const type = what.startsWith('every byte') ? 'application/octet-stream' : 'text/plain';
        assert.equal(await send(lab, path, { type, body }), 200, what);
        const req = lab.sip.sent.at(-1)!;
        assert.equal(req.body, body, what);
        assert.equal(req.type, type, what);
      }
      assert.equal(lab.sip.sent.length, AWKWARD.length);
    });
  });

  test(`${path} path: a base64-encoded body keeps its encoding on the way out`, async () => {
    await withLab({}, async (lab) => {
      await lab.register('234', 5070);
      const encoded = Buffer.from(ALL_BYTES, 'latin1').toString('base64');
      assert.equal(await send(lab, path, { type: 'image/png', body: encoded, encoding: 'base64' }), 200);
      const req = lab.sip.sent[0]!;
      assert.equal(req.body, encoded);
      assert.equal(req.encoding, 'base64');
      assert.equal(req.bodyBytes, ALL_BYTES);
    });
  });

  test(`${path} path: a 4096-byte body is delivered intact`, async () => {
    await withLab({}, async (lab) => {
      await lab.register('234', 5070);
      const body = Array.from({ length: 4096 }, (_, i) => String.fromCharCode(0x20 + (i % 95))).join('');
      assert.equal(await send(lab, path, { body }), 200);
      assert.equal(lab.sip.sent[0]!.body, body);
    });
  });

  test(`${path} path: a body of 16384 '%' (32 KiB escaped, past Yate's default 8 KiB line) is delivered intact`, async () => {
    await withLab({ rules: rules({ maxBodyBytes: 16384 }) }, async (lab) => {
      await lab.register('234', 5070);
      const body = '%'.repeat(16384);
      assert.equal(await send(lab, path, { body }), 200);
      assert.equal(lab.sip.sent[0]!.body, body);
      assert.equal(lab.link.dead, false);
    });
  });

  test(`${path} path: a body far past what a line can carry gets 413 and the module stays up`, async () => {
    await withLab({ rules: rules({ maxBodyBytes: 16384 }) }, async (lab) => {
      await lab.register('234', 5070);
      assert.equal(await send(lab, path, { body: '%'.repeat(40000) }), 413);
      assert.equal(lab.sip.sent.length, 0);
      assert.equal(lab.link.dead, false);
      assert.deepEqual(lab.emu.log.grep(/[Oo]verflow/).map((e) => e.line), []);
      assert.equal(await send(lab, path, { body: 'still here' }), 200);
      assert.equal(lab.sip.sent[0]!.body, 'still here');
    });
  });

  test(`${path} path: an empty body with a Content-Type is delivered as an empty body`, async () => {
    await withLab({}, async (lab) => {
      await lab.register('234', 5070);
      assert.equal(await send(lab, path, { body: '' }), 200);
      assert.equal(lab.sip.sent[0]!.body, '');
      assert.equal(lab.sip.sent[0]!.type, 'text/plain');
    });
  });

  test(`${path} path: a MESSAGE with no recipient gets 404`, async () => {
    await withLab({}, async (lab) => {
      assert.equal(await send(lab, path, { called: '' }), 404);
      assert.equal(lastIncoming(lab).getParam('called'), undefined);
      assert.equal(lab.sip.sent.length, 0);
    });
  });

  test(`${path} path: a MESSAGE whose Max-Forwards is used up (antiloop 0) gets 483`, async () => {
    await withLab({}, async (lab) => {
      await lab.register('234', 5070);
      assert.equal(await send(lab, path, { maxForwards: 1 }), 483);
      assert.equal(lastIncoming(lab).getParam('antiloop'), '0');
      assert.equal(lab.sip.sent.length, 0);
    });
  });

  test(`${path} path: the delivered MESSAGE carries one hop fewer in Max-Forwards than it came with, counted once`, async () => {
    await withLab({}, async (lab) => {
      await lab.register('234', 5070);
      assert.equal(await send(lab, path, { maxForwards: 5 }), 200);
      const left = lab.sip.sent[0]!.maxForwards;
      // ysipchan counted our hop (antiloop = Max-Forwards - 1); yate-chat must not count it again.
      assert.equal(left, 4, `Max-Forwards ${left}`);
    });
  });
}

test('a sip.message with neither caller nor username is refused with 403', async () => {
  await withLab({}, async (lab) => {
    await lab.register('234', 5070);
    const r = await lab.emu.dispatch('sip.message', [['called', '234'], ['domain', '127.0.0.1'], ['xsip_type', 'text/plain'], ['xsip_body', 'who am I']]);
    assert.equal(r.handled, true);
    assert.equal(r.message.getParam('code'), '403');
    assert.equal(lab.sip.sent.length, 0);
  });
});

test('a native call.route for a MESSAGE with neither caller nor username is refused with 403 and no route', async () => {
  await withLab({}, async (lab) => {
    await lab.register('234', 5070);
    const r = await lab.emu.dispatch('call.route', [['module', 'sip'], ['route_type', 'msg'], ['called', '234'], ['xsip_type', 'text/plain'], ['xsip_body', 'who am I']]);
    assert.equal(r.handled, true);
    assert.equal(r.message.retval, '-');
    assert.equal(r.message.getParam('code'), '403');
    assert.equal(r.message.getParam('error'), 'forbidden');
  });
});

test('an unauthenticated sender is challenged (401) by ysipchan before the module sees anything', async () => {
  await withLab({}, async (lab) => {
    assert.equal(await send(lab, 'generic', { username: '' }), 401);
    await command(lab, 'chat stats');
    assert.equal(lab.link.traffic.filter((l) => /^E: %%>message:[^:]*:\d+:sip\.message:/.test(l)).length, 0);
  });
});

test('a msg.execute yate-chat did not route (another driver, a voice call) is never offered to the module', async () => {
  await withLab({}, async (lab) => {
    await lab.register('234', 5070);
    const params: Array<[string, string]> = [['callto', 'jabber/x@example.org'], ['caller', '123'], ['called', 'x'], ['text', 'hi: 100%'], ['type', 'text/plain']];
    const before = lab.link.cost.counts();
    const r = await lab.emu.dispatch('msg.execute', params, 'keep me');
    assert.equal(r.handled, false);
    assert.equal(r.message.retval, 'keep me');
    assert.deepEqual(r.message.params.filter(([k]) => k !== 'handlers'), params);
    // A call to a registered SIP user: its call.route (no route_type=msg) and msg.execute.
    await lab.emu.dispatch('call.route', [['called', '234'], ['caller', '123']]);
    await lab.emu.dispatch('msg.execute', [['callto', `sip/${contact('234', 5070)}`], ['caller', '123'], ['called', '234'], ['id', 'sip/1']]);
    assert.deepEqual(lab.link.cost.since(before).offered, {});
    assert.equal(lab.link.traffic.find((l) => l.startsWith('E: %%>message:') && l.includes(':msg.execute:')), undefined);
  });
});
