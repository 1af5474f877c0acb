// rmanager `status` (engine.status) with the real module over pipes: our line is appended to
// what the other modules wrote, never replacing it (the trap of probe-native.txt), and
// `status NAME` is answered only by the module it names.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { toText } from '../src/protocol/bytes.js';
import { withLab } from './fixtures/chat-lab.js';


const lines = (text: string): string[] => text.split('\r\n').filter((l) => l !== '');

/** The `key=value` fields after the `;` of our status line. */
function ourFields(text: string): Map<string, string> {
  const line = lines(text).find((l) => l.startsWith('name=yate-chat,'));
  if (!line) throw new Error(`no yate-chat line in:\n${text}`);
  return new Map(line.slice(line.indexOf(';') + 1).split(',').map((kv) => {
    const i = kv.indexOf('=');
    return [kv.slice(0, i), kv.slice(i + 1)] as [string, string];
  }));
}

test('status lists the yate-chat line and keeps every line other modules wrote before and after it', async () => {
  await withLab({}, async (lab) => {
    const text = await lab.emu.rmanager.status();
    assert.ok(text.endsWith('\r\n'), JSON.stringify(text));
    const names = lines(text).map((l) => /^name=([^,;]+)/.exec(l)?.[1]);
    // rmanager writes its line first; engine 90, regfile 100 and our relay 100 (installed
    // after regfile), then extmodule and sip at 110.
    assert.deepEqual(names, ['rmanager', 'engine', 'regfile', 'yate-chat', 'extmodule', 'sip']);
    const ours = lines(text).filter((l) => l.startsWith('name=yate-chat,'));
    assert.equal(ours.length, 1);
    assert.match(ours[0]!, /^name=yate-chat,type=misc;mode=confirmed,received=0,handed=0,delivered=0,stored=0,offline_delivered=0,rejected=0,rate_limited=0,presence=0,store=memory,rtt_p50_ms=/);
    assert.equal(lines(text)[0], 'name=rmanager,type=misc;listeners=1,conn=1');
    assert.match(text, /^name=regfile,type=misc;/m);
    assert.match(text, /^name=sip,type=varchans,/m);
  });
});

test('status of the whole engine is not claimed by yate-chat: the dispatch stays unprocessed', async () => {
  await withLab({}, async (lab) => {
    const r = await lab.emu.dispatch('engine.status', [], 'name=before,type=misc;x=1\r\n');
    assert.equal(r.handled, false);
    assert.ok(r.message.retval.startsWith('name=before,type=misc;x=1\r\n'), r.message.retval);
    assert.match(r.message.retval, /\r\nname=yate-chat,type=misc;/);
  });
});

test('status yate-chat returns only our line and answers processed', async () => {
  await withLab({}, async (lab) => {
    const text = await lab.emu.rmanager.status('yate-chat');
    assert.equal(lines(text).length, 1, JSON.stringify(text));
    assert.match(text, /^name=yate-chat,type=misc;mode=confirmed,[^\r\n]*\r\n$/);
    const r = await lab.emu.dispatch('engine.status', [['module', 'yate-chat']]);
    assert.equal(r.handled, true);
    assert.match(r.message.retval, /^name=yate-chat,type=misc;[^\r\n]*\r\n$/);
    // The engine's handlers after ours never saw it: processed stops the dispatch.
    assert.equal(r.message.getParam('handlers'), 'engine:90,regfile:100,yate-chat:100');
  });
});

test('status regfile leaves yate-chat out and is not answered by it', async () => {
  await withLab({}, async (lab) => {
    const text = await lab.emu.rmanager.status('regfile');
    assert.doesNotMatch(text, /yate-chat/);
    assert.match(text, /^name=regfile,type=misc;/);
    const r = await lab.emu.dispatch('engine.status', [['module', 'regfile']]);
    assert.doesNotMatch(r.message.retval, /yate-chat/);
    // Our relay saw both and answered not processed with the short form, which changes nothing.
    const offered = lab.link.traffic.filter((t) => /^E: %%>message:[^:]+:\d+:engine\.status:.*:module=regfile:/.test(t));
    assert.equal(offered.length, 2);
    for (const e of offered) {
      const id = e.split(':')[2]!;
      assert.deepEqual(lab.link.traffic.filter((t) => t.startsWith(`A: %%<message:${id}:`)), [`A: %%<message:${id}:false:`]);
    }
  });
});

test('the status counters move with a message handed to ysipchan, a 404 and a 415', async () => {
  await withLab({}, async (lab) => {
    assert.equal(await lab.register('234', 5070), 200);
    assert.equal(await lab.sip.receiveMessage({ path: 'generic', caller: '123', called: '234', type: 'text/plain', body: 'hi' }), 200);
    assert.equal(await lab.sip.receiveMessage({ path: 'generic', caller: '123', called: '999', type: 'text/plain', body: 'anyone?' }), 404);
    assert.equal(await lab.sip.receiveMessage({ path: 'generic', caller: '123', called: '234' }), 415);
    const f = ourFields(await lab.emu.rmanager.status('yate-chat'));
    assert.equal(f.get('received'), '3');
    assert.equal(f.get('handed'), '1');
    assert.equal(f.get('delivered'), '0');
    assert.equal(f.get('rejected'), '2');
    assert.equal(f.get('rejected_404'), '1');
    assert.equal(f.get('rejected_415'), '1');
    assert.equal(f.get('stored'), '0');
    // The full status shows the same counters.
    const all = ourFields(await lab.emu.rmanager.status());
    for (const k of ['received', 'handed', 'delivered', 'stored', 'rejected', 'rejected_404', 'rejected_415']) assert.equal(all.get(k), f.get(k), k);
  });
});

test('status says how many messages Yate offered the module and how many it emitted, as the engine counted them', async () => {
  await withLab({}, async (lab) => {
    await lab.register('234', 5070);
    assert.equal(await lab.sip.receiveMessage({ path: 'native', caller: '123', called: '234', type: 'text/plain', body: 'hi' }), 200);
    assert.equal(await lab.sip.receiveMessage({ path: 'generic', caller: '123', called: '999', type: 'text/plain', body: 'x' }), 404);
    const f = ourFields(await lab.emu.rmanager.status('yate-chat'));
    const counted = lab.link.cost.counts();
    const total = (r: Readonly<Record<string, number>>) => Object.values(r).reduce((a, b) => a + b, 0);
    // The engine.status being answered is itself offered: it is counted before the line is made.
    assert.equal(Number(f.get('offered')), total(counted.offered));
    assert.equal(Number(f.get('emitted')), total(counted.emitted));
    assert.deepEqual(counted.emitted, { 'call.route': 1 }); // the lookup for unknown 999
  });
});

test('a PUBLISH is counted in the presence field', async () => {
  await withLab({}, async (lab) => {
    const body = '<?xml version="1.0"?><presence xmlns="urn:ietf:params:xml:ns:pidf" entity="sip:123@127.0.0.1"><tuple id="t1"><status><basic>open</basic></status></tuple></presence>';
    assert.equal(await lab.sip.receivePublish({ caller: '123', called: '123', type: 'application/pidf+xml', body }), 200);
    assert.equal(ourFields(await lab.emu.rmanager.status('yate-chat')).get('presence'), '1');
  });
});

test('the status line says when the offline store is off', async () => {
  await withLab({ rules: { offline: { enabled: false } } }, async (lab) => {
    assert.equal(ourFields(await lab.emu.rmanager.status('yate-chat')).get('store'), 'off');
  });
});

test('a store that cannot be opened is said in the ready line and in status: store_state=unavailable, subscriptions kept in memory only', async () => {
  // The issue-22 set-up: a store folder the module's user cannot create (here: under a regular file).
  const unusable = fileURLToPath(new URL('../../package.json/yate-chat.db', import.meta.url));
  await withLab({ rules: { offline: { store: { kind: 'sqlite', path: unusable } } } }, async (lab) => {
    const banner = toText((await lab.emu.log.waitForLog(/yate-chat \S+ ready/)).text);
    assert.ok(banner.includes(`store=sqlite:${unusable} STORE UNAVAILABLE (store ${unusable}: open failed: `), banner);
    assert.match(banner, /: messages for offline users get 500 PRESENCE SUBSCRIPTIONS IN MEMORY ONLY \(the store could not be opened for them\), bufsize=/);
    const f = ourFields(await lab.emu.rmanager.status('yate-chat'));
    assert.equal(f.get('store'), `sqlite:${unusable}`);
    assert.equal(f.get('store_state'), 'unavailable');
    assert.equal(f.get('subscriptions_kept'), 'memory_only');
  });
});

test('a store that opens is store_state=ok with subscriptions kept in it; off is off', async () => {
  await withLab({}, async (lab) => {
    const f = ourFields(await lab.emu.rmanager.status('yate-chat'));
    assert.deepEqual([f.get('store_state'), f.get('subscriptions_kept')], ['ok', 'in_store']);
  });
  await withLab({ rules: { offline: { enabled: false }, presence: { subscribe: false } } }, async (lab) => {
    const f = ourFields(await lab.emu.rmanager.status('yate-chat'));
    assert.deepEqual([f.get('store_state'), f.get('subscriptions_kept')], ['off', 'off']);
  });
});
