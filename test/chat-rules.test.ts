// Each knob of the rules file, end to end on both MESSAGE paths: what the sender gets, what
// (if anything) goes out, and the headers of the answer.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { command, contact, header, lastIncoming, PATHS, rules, send, withLab } from './fixtures/chat-lab.js';

for (const path of PATHS) {
  test(`${path} path: a Content-Type outside contentTypes gets 415 while an accepted one is delivered`, async () => {
    await withLab({ rules: rules({ contentTypes: ['text/plain'] }) }, async (lab) => {
      await lab.register('234', 5070);
      assert.equal(await send(lab, path, { type: 'text/html', body: '<b>hi</b>' }), 415);
      assert.equal(await send(lab, path, { type: 'text/plain', contentType: 'text/plain;charset=utf-8', body: 'hi' }), 200);
      assert.deepEqual(lab.sip.sent.map((r) => r.body), ['hi']);
    });
  });

  test(`${path} path: a body over maxBodyBytes gets 413 and one at the limit is delivered`, async () => {
    await withLab({ rules: rules({ maxBodyBytes: 10 }) }, async (lab) => {
      await lab.register('234', 5070);
      assert.equal(await send(lab, path, { body: '0123456789X' }), 413);
      assert.equal(await send(lab, path, { body: '0123456789' }), 200);
      assert.deepEqual(lab.sip.sent.map((r) => r.body), ['0123456789']);
    });
  });

  test(`${path} path: deny.callers and deny.callees refuse with 403 by exact name and by regex`, async () => {
    const deny = { callers: ['spammer', '/^guest-\\d+$/'], callees: ['boss', '/^(112|911)$/'] };
    await withLab({ users: ['123', '234', 'boss', 'guest-x', 'spammer', 'guest-42'], rules: rules({ deny }) }, async (lab) => {
      await lab.register('234', 5070);
      await lab.register('boss', 5071);
      assert.equal(await send(lab, path, { caller: 'spammer' }), 403);
      assert.equal(await send(lab, path, { caller: 'guest-42' }), 403);
      assert.equal(await send(lab, path, { called: 'boss' }), 403);
      assert.equal(await send(lab, path, { called: '911' }), 403);
      // Exact means exact, and a regex only matches what it says.
      assert.equal(await send(lab, path, { caller: 'spammer2', body: 'a' }), 200);
      assert.equal(await send(lab, path, { caller: 'guest-x', body: 'b' }), 200);
      assert.equal(await send(lab, path, { called: '9111', body: 'c' }), 404);
      assert.deepEqual(lab.sip.sent.map((r) => r.body), ['a', 'b']);
    });
  });

  test(`${path} path: a sender over the rate limit gets 503 with a Retry-After header`, async () => {
    await withLab({ rules: rules({ rateLimit: { messages: 2, intervalSeconds: 60 } }) }, async (lab) => {
      await lab.register('234', 5070);
      assert.equal(await send(lab, path, { body: '1' }), 200);
      assert.equal(await send(lab, path, { body: '2' }), 200);
      assert.equal(await send(lab, path, { body: '3' }), 503);
      const retryAfter = Number(lastIncoming(lab).getParam('osip_Retry-After'));
      assert.ok(Number.isInteger(retryAfter) && retryAfter >= 1 && retryAfter <= 60, `Retry-After ${retryAfter}`);
      // The limit is per sender: 234 may still write.
      assert.equal(await send(lab, path, { caller: '234', called: '234', body: '4' }), 200);
      assert.deepEqual(lab.sip.sent.map((r) => r.body), ['1', '2', '4']);
      assert.match(await command(lab, 'chat stats'), /rate_limited: 1\r\n/);
    });
  });

  test(`${path} path: with rateLimit code 403 the sender over the limit gets 403 and no Retry-After`, async () => {
    await withLab({ rules: rules({ rateLimit: { messages: 1, intervalSeconds: 60, code: 403 } }) }, async (lab) => {
      await lab.register('234', 5070);
      assert.equal(await send(lab, path), 200);
      assert.equal(await send(lab, path), 403);
      assert.equal(lastIncoming(lab).getParam('osip_Retry-After'), undefined);
    });
  });

  test(`${path} path: an alias to a user delivers to that user's registered contact`, async () => {
    await withLab({ rules: rules({ aliases: { sales: '234', team: 'sales' } }) }, async (lab) => {
      await lab.register('234', 5077);
      assert.equal(await send(lab, path, { called: 'sales', body: 'via sales' }), 200);
      assert.equal(await send(lab, path, { called: 'team', body: 'via team' }), 200);
      assert.deepEqual(lab.sip.sent.map((r) => [r.uri, r.body]), [[contact('234', 5077), 'via sales'], [contact('234', 5077), 'via team']]);
    });
  });

  test(`${path} path: an alias to a sip: URI delivers there directly`, async () => {
    const uri = 'sip:support@10.9.8.7:5090';
    await withLab({ rules: rules({ aliases: { help: uri } }), ysipchan: { responder: (r) => (r.uri === uri ? 200 : undefined) } }, async (lab) => {
      assert.equal(await send(lab, path, { called: 'help', body: 'need help' }), 200);
      assert.equal(lab.sip.sent.length, 1);
      assert.equal(lab.sip.sent[0]!.uri, uri);
      assert.equal(lab.sip.sent[0]!.body, 'need help');
      assert.match(header(lab.sip.sent[0]!, 'From') ?? '', /<sip:123@127\.0\.0\.1>$/);
    });
  });
}

test('log "warn" leaves the per-message lines out of Yate\'s log; the default "info" writes one per message', async () => {
  const ready = (lab: { link: { waitForTraffic(re: RegExp, ms?: number): Promise<string> } }) =>
    lab.link.waitForTraffic(/^E: %%<install:100:engine\.help:true$/, 15000);
  await withLab({ rules: rules({ log: 'warn' }), waitReady: false }, async (lab) => {
    await ready(lab);
    await lab.register('234', 5070);
    assert.equal(await send(lab, 'generic', { body: 'quiet' }), 200);
    assert.equal(await send(lab, 'native', { body: 'quiet' }), 200);
    await command(lab, 'chat stats');
    assert.deepEqual(lab.emu.log.grep(/MESSAGE 123 -> 234/).map((e) => e.line), []);
  });
  await withLab({}, async (lab) => {
    await lab.register('234', 5070);
    assert.equal(await send(lab, 'generic', { body: 'loud' }), 200);
    assert.equal(await send(lab, 'native', { body: 'loud' }), 200);
    await command(lab, 'chat stats');
    assert.equal(lab.emu.log.grep(/MESSAGE 123 -> 234 \[text\/plain, 4 B\] "loud" => sent on to sip:234@127\.0\.0\.1:5070 by ysipchan/).length, 2);
  });
});
