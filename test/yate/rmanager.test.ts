// On a real Yate's remote console: `status` lists yate-chat beside every other module, and
// `status yate-chat` shows its line alone; `chat reload` says which changes need a restart.
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { withYate } from './engine.js';
import { statusFields } from './rmanager.js';
import { needsYate, registeredUa, uaFor, yateInstall } from './suite.js';

test('status shows a name=yate-chat line and keeps the other modules\' lines; status yate-chat shows ours alone', needsYate, async (t) => {
  await withYate(yateInstall(), {}, async (yate) => {
    await registeredUa(t, yate, '234');
    const alice = await uaFor(t, yate, '123');
    assert.equal((await alice.message('234', 'count me')).code, 200);

    const all = await yate.rmanager('status');
    for (const name of ['rmanager', 'engine', 'regfile', 'sip', 'extmodule', 'yate-chat']) {
      assert.match(all, new RegExp(`^name=${name},`, 'm'), `status has no ${name} line:\n${all}`);
    }
    assert.match(all, /^name=regfile,.*;234=sip\/sip:234@127\.0\.0\.1:\d+/m);
    const ours = statusFields(all, 'yate-chat');
    assert.equal(ours?.mode, 'confirmed');
    assert.equal(ours?.received, '1');
    // Sent on either by ysipchan in place (handed) or by the module itself (delivered).
    assert.equal(Number(ours?.handed ?? 0) + Number(ours?.delivered ?? 0), 1, JSON.stringify(ours));

    const one = await yate.rmanager('status yate-chat');
    const lines = one.split('\r\n').filter((l) => l.startsWith('name='));
    assert.equal(lines.length, 1, one);
    assert.match(lines[0]!, /^name=yate-chat,type=misc;mode=confirmed,received=1,/);
  });
});

test('chat reload after a change of offline.store answers that it needs a restart, and the module keeps its store', needsYate, async () => {
  await withYate(yateInstall(), {}, async (yate) => {
    const before = statusFields(await yate.rmanager('status yate-chat'), 'yate-chat');
    const rules = JSON.parse(readFileSync(yate.rulesPath, 'utf8')) as { offline?: { store?: Record<string, unknown> } };
    rules.offline = { ...rules.offline, store: { kind: 'sqlite', path: path.join(yate.dir, 'elsewhere.db') } };
    writeFileSync(yate.rulesPath, JSON.stringify(rules));
    const answer = await yate.rmanager('chat reload');
    assert.match(answer, new RegExp(`^rules reloaded from ${yate.rulesPath.replace(/[.]/g, '\\.')}, but not these changes, which the module reads only at start:\r\n  offline\\.store\r\nthey keep their old values until the module restarts`, 'm'));
    const after = statusFields(await yate.rmanager('status yate-chat'), 'yate-chat');
    assert.equal(after?.store, before?.store);
    assert.equal(after?.store_state, 'ok');
  });
});
