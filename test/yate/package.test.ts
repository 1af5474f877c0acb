// On a real Yate, what a user installs: yate-chat from its tarball (npm install -g, the
// [scripts] line naming PREFIX/bin/yate-chat), and the routing script of examples/ on the light
// entry, each started by Yate from extmodule.conf.
import assert from 'node:assert/strict';
import { mkdtempSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { installGlobal, packForInstall } from '../fixtures/tarball.js';
import { BANNER_STDIO, withYate } from './engine.js';
import { header, uriOf } from './sip-wire.js';
import { needsYate, registeredUa, sleep, uaFor, yateInstall } from './suite.js';

/** The JavaScript example as it is in the source tree (dist/test/yate -> the checkout's examples/):
 *  no build, exec'd by Yate through its shebang and run bit, as a user's copy would be. */
const EXAMPLE = fileURLToPath(new URL('../../../examples/auto-responder.mjs', import.meta.url));

test('yate-chat installed from its tarball with npm install -g runs from a [scripts] line naming PREFIX/bin/yate-chat and delivers', needsYate, async (t) => {
  const tmp = realpathSync(mkdtempSync(path.join(os.tmpdir(), 'yate-chat-installed-')));
  t.after(() => rmSync(tmp, { recursive: true, force: true }));
  const { bin } = installGlobal(tmp, packForInstall(tmp));
  const rules = path.join(tmp, 'rules.json');
  writeFileSync(rules, JSON.stringify({ rateLimit: false, offline: { store: { kind: 'memory' } } }));
  await withYate(yateInstall(), { sipPath: 'generic', scriptLine: { launcher: bin, argument: rules } }, async (yate) => {
    await yate.waitForLog(BANNER_STDIO, 15000);
    assert.match(await yate.rmanager('external info'), new RegExp(`${bin.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} ${rules}`));
    const bob = await registeredUa(t, yate, '234');
    const alice = await uaFor(t, yate, '123');
    assert.equal((await alice.message('234', 'from the installed package')).code, 200);
    const got = await bob.waitForRequest((r) => r.method === 'MESSAGE');
    assert.equal(got.body.toString('utf8'), 'from the installed package');
    assert.match(await yate.rmanager('status yate-chat'), /name=yate-chat,type=misc;mode=confirmed,received=1,handed=1/);
  });
});

test('the JavaScript auto-responder example, run by node as it is from a [scripts] line, answers helpdesk 200 with a reply to the sender, refuses a denied sender 403, and leaves other MESSAGEs alone', needsYate, async (t) => {
  const users = { '123': 'pw123', '234': 'pw234', '666': 'pw666' };
  await withYate(yateInstall(), { sipPath: 'generic', users, scriptLine: { launcher: EXAMPLE, argument: '' } }, async (yate) => {
    await yate.waitForLog(/auto-responder for helpdesk ready/, 15000);
    const alice = await registeredUa(t, yate, '123');
    const res = await alice.message('helpdesk', 'my phone is broken');
    assert.equal(res.code, 200);
    const reply = await alice.waitForRequest((r) => r.method === 'MESSAGE');
    assert.equal(reply.body.toString('utf8'), 'Thanks! The helpdesk answers within a working day. ☺');
    assert.equal(uriOf(header(reply.headers, 'From') ?? ''), 'sip:helpdesk@example.org');

    const mallory = await uaFor(t, yate, '666', { password: users['666'] });
    assert.equal((await mallory.message('helpdesk', 'let me in')).code, 403);
    // Nobody else handles sip.message on this Yate: ysipchan answers 405 for what the example passes on.
    assert.equal((await alice.message('234', 'not for the helpdesk')).code, 405);
    await sleep(200);
    assert.equal(alice.received.filter((r) => r.method === 'MESSAGE').length, 1, 'one reply, for the one MESSAGE to helpdesk');
  });
});
