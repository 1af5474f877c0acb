// Who a message is from (issue 10, item 2): the user ysipchan authenticated (`username`), never
// the From a sender claims. With ysipchan not authenticating ([methods] message=no,
// [message] auth_required=no) there is no `username`: such a sender is refused 403 unless the
// rules file says `allowUnauthenticated`, and then it is rate-limited by its source address.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Lab } from '../src/demo/lab.js';
import { command, header, lastIncoming, PATHS, rules, send, withLab } from './fixtures/chat-lab.js';

const PIDF = '<presence xmlns="urn:ietf:params:xml:ns:pidf"><tuple id="t"><status><basic>open</basic></status></tuple></presence>';

function publish(lab: Lab, o: { caller: string; username?: string }): Promise<number> {
  return lab.sip.receivePublish({ called: o.caller, type: 'application/pidf+xml', body: PIDF, ...o });
}

for (const path of PATHS) {
  test(`${path} path: a sender ysipchan did not authenticate is refused 403 by default and nothing is sent`, async () => {
    await withLab({ ysipchan: { auth: false } }, async (lab) => {
      await lab.register('234', 5070);
      assert.equal(await send(lab, path, { caller: '123' }), 403);
      assert.equal(lab.sip.sent.length, 0);
      await lab.emu.log.waitForLog(/MESSAGE 123 -> 234 .*=> 403 sender not authenticated/);
      assert.match(await command(lab, 'chat stats'), /rejected_403: 1/);
    });
  });

  test(`${path} path: with allowUnauthenticated the claimed sender goes out, rate-limited by its source address`, async () => {
    await withLab({ ysipchan: { auth: false }, rules: rules({ allowUnauthenticated: true, rateLimit: { messages: 2, intervalSeconds: 60 } }) }, async (lab) => {
      await lab.register('234', 5070);
      assert.equal(await send(lab, path, { caller: 'alice' }), 200);
      assert.match(header(lab.sip.sent[0]!, 'From') ?? '', /<sip:alice@127\.0\.0\.1>$/);
      // A new name per message does not buy a new bucket: the bucket is the address's.
      assert.equal(await send(lab, path, { caller: 'bob' }), 200);
      assert.equal(await send(lab, path, { caller: 'carol' }), 503);
      assert.equal(await send(lab, path, { caller: 'dave', host: '127.0.0.9' }), 200);
    });
  });

  test(`${path} path: the authenticated user, not the claimed caller, is the deny subject and the rate-limit key`, async () => {
    await withLab({ rules: rules({ deny: { callers: ['666'] }, rateLimit: { messages: 1, intervalSeconds: 60 } }) }, async (lab) => {
      await lab.register('234', 5070);
      assert.equal(await send(lab, path, { caller: 'innocent', username: '666' }), 403);
      assert.equal(await send(lab, path, { caller: '666', username: '123' }), 200);
      assert.equal(await send(lab, path, { caller: 'someone-else', username: '123' }), 503);
      assert.equal(lab.sip.sent.length, 1);
    });
  });
}

test('a PUBLISH ysipchan did not authenticate is refused 403 by default and sets no presence', async () => {
  await withLab({ ysipchan: { auth: false } }, async (lab) => {
    assert.equal(await publish(lab, { caller: '123' }), 403);
    assert.equal(lastIncoming(lab).getParam('code'), '403');
    assert.equal(await command(lab, 'chat presence'), 'no presence known\r\n');
  });
});

test('the presence owner is the authenticated user, not the claimed caller', async () => {
  await withLab({}, async (lab) => {
    assert.equal(await publish(lab, { caller: '555', username: '123' }), 200);
    assert.match(await command(lab, 'chat presence'), /^123 open since /);
    assert.equal(await command(lab, 'chat presence 555'), 'no presence for 555\r\n');
  });
});
