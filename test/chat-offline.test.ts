// Store-and-forward: nothing a sender was told "202 Accepted" is ever lost. A MESSAGE for a
// known user who is offline (or whose device does not answer) is kept and goes out, in order,
// with its original Date and sender, when the user registers or the periodic retry finds them.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { SipRequest } from '../src/emulator/index.js';
import { command, contact, delivered, header, PATHS, queueEmpty, rules, send, sentTo, until, withLab } from './fixtures/chat-lab.js';

/** The Date header parses and lies between `from` (rounded down to its second) and now. */
function assertDate(req: SipRequest, from: number): void {
  const date = header(req, 'Date');
  assert.ok(date, `no Date header on ${req.uri} "${req.body}"`);
  const at = Date.parse(date);
  assert.ok(at >= Math.floor(from / 1000) * 1000 && at <= Date.now(), `Date ${date}`);
}

for (const path of PATHS) {
  test(`${path} path: messages for a defined user who is offline get 202 and reach them in order, with Date and original From, when they register`, async () => {
    await withLab({}, async (lab) => {
      const t0 = Date.now();
      assert.equal(await send(lab, path, { called: '555', body: 'first' }), 202);
      assert.equal(await send(lab, path, { caller: '234', called: '555', body: 'second: 50%' }), 202);
      assert.equal(await send(lab, path, { called: '555', body: 'third\r\n' }), 202);
      assert.equal(lab.sip.sent.length, 0);
      assert.match(await command(lab, 'chat queue'), /^555: 3 waiting, oldest /);

      assert.equal(await lab.register('555', 5075), 200);
      const reqs = await delivered(lab, contact('555', 5075), 3);
      assert.deepEqual(reqs.map((r) => [r.body, r.code]), [['first', 200], ['second: 50%', 200], ['third\r\n', 200]]);
      assert.deepEqual(reqs.map((r) => /<sip:(\d+)@127\.0\.0\.1>$/.exec(header(r, 'From') ?? '')?.[1]), ['123', '234', '123']);
      for (const r of reqs) assertDate(r, t0);
      await queueEmpty(lab);
      assert.match(await command(lab, 'chat stats'), /stored: 3\r\n[\s\S]*offline_delivered: 3\r\n/);
    });
  });

  test(`${path} path: a device that does not answer gets ysipchan's 408 on the fast path, and nothing is kept`, async () => {
    await withLab({ ysipchan: { responder: () => 408 } }, async (lab) => {
      await lab.register('234', 5070);
      assert.equal(await send(lab, path, { body: 'are you there?' }), 408);
      assert.deepEqual(lab.sip.sent.map((r) => r.code), [408]);
      assert.equal(await command(lab, 'chat queue'), 'no stored messages\r\n');
    });
  });

  test(`${path} path: with delivery.inPlace off, a device that does not answer (408) has the message kept (202) and delivered at its next registration`, async () => {
    let reachable = false;
    await withLab({ rules: rules({ delivery: { inPlace: false } }), ysipchan: { responder: () => (reachable ? 200 : 408) } }, async (lab) => {
      await lab.register('234', 5070);
      assert.equal(await send(lab, path, { body: 'are you there?' }), 202);
      assert.deepEqual(lab.sip.sent.map((r) => r.code), [408]);
      assert.match(await command(lab, 'chat queue 234'), /from 123 "are you there\?" \(attempts 0\)\r\n$/);
      reachable = true;
      await lab.register('234', 5070);
      const [, again] = await delivered(lab, contact('234', 5070), 2);
      assert.equal(again!.body, 'are you there?');
      assert.equal(again!.code, 200);
      assert.ok(header(again!, 'Date'), 'a late delivery carries its original Date');
      await queueEmpty(lab);
    });
  });

  test(`${path} path: a registered contact ysipchan cannot send to (no transport) has the message kept (202) and delivered at the next registration`, async () => {
    await withLab({}, async (lab) => {
      await lab.sip.receiveRegister({ user: '234', contact: 'sip:234@phone.invalid:5070' });
      assert.equal(await send(lab, path, { body: 'kept, not lost' }), 202);
      assert.equal(lab.sip.sent.length, 0);
      assert.match(await command(lab, 'chat queue 234'), /from 123 "kept, not lost"/);
      await lab.register('234', 5070);
      const [req] = await delivered(lab, contact('234', 5070), 1);
      assert.deepEqual([req!.body, req!.code], ['kept, not lost', 200]);
      await queueEmpty(lab);
    });
  });

  test(`${path} path: a message for an unknown user gets 404 and is not stored`, async () => {
    await withLab({}, async (lab) => {
      assert.equal(await send(lab, path, { called: '999' }), 404);
      assert.equal(await command(lab, 'chat queue'), 'no stored messages\r\n');
    });
  });

  test(`${path} path: past quotaPerRecipient the next message for an offline user gets 480`, async () => {
    await withLab({ rules: rules({ offline: { quotaPerRecipient: 2 } }) }, async (lab) => {
      assert.equal(await send(lab, path, { called: '555', body: '1' }), 202);
      assert.equal(await send(lab, path, { called: '555', body: '2' }), 202);
      assert.equal(await send(lab, path, { called: '555', body: '3' }), 480);
      assert.match(await command(lab, 'chat queue'), /^555: 2 waiting/);
      await lab.register('555', 5075);
      assert.deepEqual((await delivered(lab, contact('555', 5075), 2)).map((r) => r.body), ['1', '2']);
      await queueEmpty(lab);
    });
  });
}

test('a stored message past expirySeconds is dropped and never delivered', async () => {
  await withLab({ rules: rules({ offline: { expirySeconds: 1 } }) }, async (lab) => {
    assert.equal(await send(lab, 'generic', { called: '555', body: 'stale' }), 202);
    assert.match(await command(lab, 'chat queue'), /^555: 1 waiting/);
    await queueEmpty(lab);
    assert.equal(await lab.register('555', 5075), 200);
    assert.equal(await send(lab, 'generic', { called: '555', body: 'fresh' }), 200);
    await command(lab, 'chat stats');
    assert.deepEqual(sentTo(lab, 'sip:555@').map((r) => r.body), ['fresh']);
    assert.match(await command(lab, 'chat stats'), /offline_delivered: 0\r\n/);
  });
});

test('knownUsers "anyone" keeps messages even for a user no router knows', async () => {
  await withLab({ rules: rules({ offline: { knownUsers: 'anyone' } }) }, async (lab) => {
    assert.equal(await send(lab, 'generic', { called: '999', body: 'g' }), 202);
    assert.equal(await send(lab, 'native', { called: '999', body: 'n' }), 202);
    assert.match(await command(lab, 'chat queue'), /^999: 2 waiting/);
  });
});

test('knownUsers {list} keeps messages only for the users listed', async () => {
  await withLab({ users: ['123', '234', '555', '777'], rules: rules({ offline: { knownUsers: { list: ['777'] } } }) }, async (lab) => {
    for (const path of PATHS) {
      assert.equal(await send(lab, path, { called: '777', body: path }), 202);
      assert.equal(await send(lab, path, { called: '555' }), 480, 'defined in regfile (offline) but not listed');
      assert.equal(await send(lab, path, { called: '999' }), 404);
    }
    assert.match(await command(lab, 'chat queue'), /^777: 2 waiting, oldest \S+\r\n$/);
    await lab.register('777', 5077);
    assert.deepEqual((await delivered(lab, contact('777', 5077), 2)).map((r) => r.body), ['generic', 'native']);
    await queueEmpty(lab);
  });
});

test('a delivery that fails for now (a store code) at registration stops the run and leaves it and the rest for the next registration', async () => {
  let failSecond = true;
  const responder = (r: SipRequest) => (r.body === 'm2' && failSecond ? ((failSecond = false), 503) : undefined);
  await withLab({ ysipchan: { responder } }, async (lab) => {
    for (const body of ['m1', 'm2', 'm3']) assert.equal(await send(lab, 'generic', { called: '555', body }), 202);
    await lab.register('555', 5075);
    const left = await until('m2 to be kept after its failed attempt', async () => {
      const text = await command(lab, 'chat queue 555');
      return /"m2" \(attempts 1\)/.test(text) ? text : '';
    });
    assert.deepEqual(left.split('\r\n').filter(Boolean).map((l) => /"(m\d)" \(attempts (\d)\)$/.exec(l)?.slice(1)), [['m2', '1'], ['m3', '0']]);
    assert.deepEqual(sentTo(lab, 'sip:555@').map((r) => [r.body, r.code]), [['m1', 200], ['m2', 503]]);

    await lab.register('555', 5075);
    const all = await delivered(lab, contact('555', 5075), 4);
    assert.deepEqual(all.map((r) => [r.body, r.code]), [['m1', 200], ['m2', 503], ['m2', 200], ['m3', 200]]);
    await queueEmpty(lab);
  });
});

test('a stored message the device refuses for good (415) is dropped and the text behind it goes out in the same run', async () => {
  const responder = (r: SipRequest) => (r.type === 'message/imdn+xml' ? 415 : undefined);
  await withLab({ ysipchan: { responder } }, async (lab) => {
    const receipt = Buffer.from('x\x9c\x00deflated receipt', 'latin1').toString('base64');
    assert.equal(await send(lab, 'generic', { called: '555', type: 'message/imdn+xml', body: receipt, encoding: 'base64', headers: [['content-encoding', 'deflate']] }), 202);
    assert.equal(await send(lab, 'generic', { called: '555', body: 'the text behind it' }), 202);
    await lab.register('555', 5075);
    const [first, second] = await delivered(lab, contact('555', 5075), 2);
    assert.deepEqual([first!.type, first!.code, second!.body, second!.code], ['message/imdn+xml', 415, 'the text behind it', 200]);
    await queueEmpty(lab);
    assert.match(await command(lab, 'chat stats'), /offline_delivered: 1\r\n[\s\S]*offline_refused: 1\r\noffline_gave_up: 0\r\n/);
    await lab.emu.log.waitForLog(/offline message \d+ from 123 for 555 \[message\/imdn\+xml\] refused for good by the device \(415, not in offline\.storeCodes\): dropped/);
    // Not tried again at the next registration.
    await lab.register('555', 5075);
    await command(lab, 'chat stats');
    assert.equal(sentTo(lab, 'sip:555@').length, 2);
  });
});

test('a stored message that keeps failing with a store code is given up after offline.maxAttempts, and the next one goes out', async () => {
  const responder = (r: SipRequest) => (r.body === 'unlucky' ? 480 : undefined);
  await withLab({ rules: rules({ offline: { maxAttempts: 2 } }), ysipchan: { responder } }, async (lab) => {
    assert.equal(await send(lab, 'generic', { called: '555', body: 'unlucky' }), 202);
    assert.equal(await send(lab, 'native', { called: '555', body: 'lucky' }), 202);
    await lab.register('555', 5075);
    await until('the first attempt to be counted', async () => /"unlucky" \(attempts 1\)/.test(await command(lab, 'chat queue 555')));
    await lab.register('555', 5075);
    await until('the second attempt to give it up', async () => /offline_gave_up: 1\r\n/.test(await command(lab, 'chat stats')));
    assert.match(await command(lab, 'chat queue 555'), /^#\d+ \S+ from 123 "lucky" \(attempts 0\)\r\n$/);
    await lab.register('555', 5075);
    const all = await delivered(lab, contact('555', 5075), 3);
    assert.deepEqual(all.map((r) => [r.body, r.code]), [['unlucky', 480], ['unlucky', 480], ['lucky', 200]]);
    await queueEmpty(lab);
    await lab.emu.log.waitForLog(/offline message \d+ from 123 for 555 \[text\/plain\] not delivered \(480\) after 2 attempts \(offline\.maxAttempts\): dropped/);
  });
});

test('a stored message ysipchan cannot send (its own error, not the device\'s answer) is never taken for a refusal', async () => {
  await withLab({}, async (lab) => {
    assert.equal(await send(lab, 'generic', { called: '555', body: 'wait for me' }), 202);
    // A contact no transport reaches: ysipchan says notransport (503 here), the device said nothing.
    assert.equal(await lab.sip.receiveRegister({ user: '555', contact: 'sip:555@phone.invalid:5075' }), 200);
    await until('the failed attempt to be counted', async () => /"wait for me" \(attempts 1\)/.test(await command(lab, 'chat queue 555')));
    await lab.register('555', 5075);
    const [req] = await delivered(lab, contact('555', 5075), 1);
    assert.deepEqual([req!.body, req!.code], ['wait for me', 200]);
    assert.match(await command(lab, 'chat stats'), /offline_refused: 0\r\noffline_gave_up: 0\r\n/);
  });
});

test('the periodic retry delivers a kept message while the recipient stays registered', async () => {
  let reachable = false;
  await withLab({ rules: rules({ delivery: { inPlace: false }, offline: { retryIntervalSeconds: 1 } }), ysipchan: { responder: () => (reachable ? 200 : 408) } }, async (lab) => {
    await lab.register('234', 5070);
    assert.equal(await send(lab, 'native', { body: 'retry me' }), 202);
    reachable = true;
    const [first, second] = await delivered(lab, contact('234', 5070), 2);
    assert.deepEqual([first!.code, second!.code], [408, 200]);
    assert.equal(second!.body, 'retry me');
    await queueEmpty(lab);
    assert.match(await command(lab, 'chat stats'), /offline_delivered: 1\r\n/);
  });
});

test('with the offline store off, a defined user who is offline gets 480 and an unknown one 404 on both paths', async () => {
  await withLab({ rules: { offline: { enabled: false } } }, async (lab) => {
    for (const path of PATHS) {
      assert.equal(await send(lab, path, { called: '555' }), 480, path);
      assert.equal(await send(lab, path, { called: '999' }), 404, path);
    }
    assert.equal(await command(lab, 'chat queue'), 'offline store is off\r\n');
    assert.equal(lab.sip.sent.length, 0);
  });
});

test('a message delivered at once carries no Date header (only late deliveries do)', async () => {
  await withLab({}, async (lab) => {
    await lab.register('234', 5070);
    assert.equal(await send(lab, 'generic'), 200);
    assert.equal(header(lab.sip.sent[0]!, 'Date'), undefined);
  });
});

for (const path of PATHS) {
  test(`${path} path: with delivery.inPlace off, a delivery slower than delivery.waitMs gets 202 at once, and its later failure is kept and delivered at the next registration`, async () => {
    let attempt = 0;
    const responder = () => (++attempt === 1 ? { code: 500, delay: 400 } : 200);
    await withLab({ rules: rules({ delivery: { inPlace: false, waitMs: 50 } }), ysipchan: { responder } }, async (lab) => {
      await lab.register('234', 5070);
      assert.equal(await send(lab, path, { body: 'slow one' }), 202);
      assert.equal(lab.sip.sent[0]!.code, null, 'the sender was answered before the far end');
      // Accepted means kept, before the 202: the late 500 cannot lose it.
      assert.match(await command(lab, 'chat queue 234'), /"slow one"/);
      await lab.emu.log.waitForLog(/message from 123 to 234 ended with 500 after the sender's answer: kept for later/);
      assert.equal(lab.sip.sent[0]!.code, 500);
      await lab.register('234', 5070);
      const [, again] = await delivered(lab, contact('234', 5070), 2);
      assert.deepEqual([again!.body, again!.code], ['slow one', 200]);
      await queueEmpty(lab);
    });
  });

  test(`${path} path: on the fast path a slow far end keeps no module thread: the module answered before the far end, and the sender gets the far end's own code`, async () => {
    await withLab({ rules: rules({ delivery: { waitMs: 50 } }), ysipchan: { responder: () => ({ code: 486, delay: 1500 }) } }, async (lab) => {
      await lab.register('234', 5070);
      const sending = send(lab, path, { body: 'busy?' });
      const offered = await lab.link.waitForTraffic(new RegExp(`^E: %%>message:[^:]*:\\d+:${path === 'generic' ? 'sip\\.message' : 'call\\.route'}:`));
      const id = offered.split(':')[2]!;
      await lab.link.waitForTraffic(new RegExp(`^A: %%<message:${id.replace(/[.]/g, '\\.')}:`));
      const req = await until('ysipchan to send it', () => lab.sip.sent[0]);
      assert.equal(req.code, null, 'the far end had not answered yet');
      assert.equal(await sending, 486);
      assert.equal(await command(lab, 'chat queue'), 'no stored messages\r\n');
    });
  });
}

test('stored bodies with every byte 0x01-0xFF, or base64-encoded, come back byte-identical from the store', async () => {
  const raw = Array.from({ length: 255 }, (_, i) => String.fromCharCode(i + 1)).join('');
  const b64 = Buffer.from(raw, 'latin1').toString('base64');
  await withLab({}, async (lab) => {
    assert.equal(await send(lab, 'generic', { called: '555', type: 'application/octet-stream', body: raw }), 202);
    assert.equal(await send(lab, 'native', { called: '555', type: 'image/png', body: b64, encoding: 'base64' }), 202);
    await lab.register('555', 5075);
    const [a, b] = await delivered(lab, contact('555', 5075), 2);
    assert.deepEqual([a!.body, a!.type, a!.encoding], [raw, 'application/octet-stream', null]);
    assert.deepEqual([b!.body, b!.type, b!.encoding, b!.bodyBytes], [b64, 'image/png', 'base64', raw]);
    await queueEmpty(lab);
  });
});

test('stored messages for a user who registers over TCP go out on that connection', async () => {
  await withLab({}, async (lab) => {
    assert.equal(await send(lab, 'native', { called: '555', body: 'kept' }), 202);
    const uri = contact('555', 5095);
    assert.equal(await lab.sip.receiveRegister({ user: '555', contact: uri, transport: 'TCP', connectionId: 'tcp-9' }), 200);
    const [req] = await delivered(lab, uri, 1);
    assert.deepEqual([req!.body, req!.connectionId, req!.code], ['kept', 'tcp-9', 200]);
    await queueEmpty(lab);
  });
});

test('an "is typing" indication (application/im-iscomposing+xml) for a user who is not reachable is not kept: 480 on both paths, also when the device stops answering', async () => {
  await withLab({ rules: rules({ delivery: { inPlace: false } }), ysipchan: { responder: () => 408 } }, async (lab) => {
    const composing = '<?xml version="1.0"?><isComposing xmlns="urn:ietf:params:xml:ns:im-iscomposing"><state>active</state></isComposing>';
    await lab.register('234', 5070);
    for (const path of PATHS) {
      assert.equal(await send(lab, path, { called: '555', type: 'application/im-iscomposing+xml', wire: composing }), 480, path);
      assert.equal(await send(lab, path, { called: '234', type: 'application/im-iscomposing+xml', wire: composing }), 480, path);
    }
    assert.equal(await command(lab, 'chat queue'), 'no stored messages\r\n');
  });
});

// Issue 21, finding 2: a delivery slower than waitMs was answered 202 at once, and kept only if
// the store took its later failure: store full, over quota, unreachable or offline off, it was lost.
for (const path of PATHS) {
  test(`${path} path: a delivery slower than delivery.waitMs is in the store when the sender hears 202, a registration meanwhile does not send it twice, and the late 200 deletes it`, async () => {
    await withLab({ rules: rules({ delivery: { inPlace: false, waitMs: 50 } }), ysipchan: { responder: () => ({ code: 200, delay: 1200 }) } }, async (lab) => {
      await lab.register('234', 5070);
      assert.equal(await send(lab, path, { body: 'slow but fine' }), 202);
      assert.equal(lab.sip.sent[0]!.code, null, 'the far end had not answered yet');
      assert.match(await command(lab, 'chat queue 234'), /"slow but fine"/);
      await lab.register('234', 5070); // a flush while the first delivery is under way
      await lab.emu.log.waitForLog(/message from 123 to 234 ended with 200 after the sender's answer: the kept copy is deleted/);
      await queueEmpty(lab);
      assert.deepEqual(lab.sip.sent.map((r) => [r.body, r.code]), [['slow but fine', 200]], 'sent once');
    });
  });

  test(`${path} path: a delivery slower than delivery.waitMs that cannot be kept gets 504, never 202: the store full, or offline off`, async () => {
    const slow = { responder: (r: { uri: string }) => (r.uri.includes(':5070') ? { code: 486, delay: 1200 } : undefined) };
    await withLab({ rules: rules({ delivery: { inPlace: false, waitMs: 50 }, offline: { store: { kind: 'memory' }, maxMessages: 1 } }), ysipchan: slow }, async (lab) => {
      assert.equal(await send(lab, path, { called: '555', body: 'fills the store' }), 202);
      await lab.register('234', 5070);
      assert.equal(await send(lab, path, { body: 'no room for me' }), 504);
      await lab.emu.log.waitForLog(/=> 504 no final answer from 234 in time, and it could not be kept \(the store answered 503\): it may still arrive/);
    });
    await withLab({ rules: rules({ delivery: { inPlace: false, waitMs: 50 }, offline: { enabled: false } }), ysipchan: slow }, async (lab) => {
      await lab.register('234', 5070);
      assert.equal(await send(lab, path, { body: 'nowhere to keep me' }), 504);
      await lab.emu.log.waitForLog(/could not be kept \(the offline store is off\)/);
    });
  });
}
