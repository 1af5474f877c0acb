// The emulator against what a real Yate 6.4.1 wrote (test/fixtures/transcripts/).
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { Emulator } from '../src/emulator/index.js';
import { directions, fixture, puppet, transcript, TRANSCRIPTS, waitForReplies } from './emulator-helpers.js';

const open: Emulator[] = [];
after(async () => { await Promise.all(open.map((e) => e.close())); });

/** The set-up of the recorded Yate: regexroute, ysipchan, regfile (users 123 and 234). */
function recordedYate(extra: { generate?: boolean } = {}): Emulator {
  const emu = new Emulator({
    runParams: { nodename: 'vm' },
    config: { general: { modload: 'disable' } },
    rmanagerAddress: '127.0.0.1:50764',
  });
  open.push(emu);
  emu.install('call.route', 100, () => false, { track: 'regexroute' });
  emu.install('engine.status', 100, (m) => {
    if (!m.getParam('module')) m.retval += 'name=rex_debug,type=misc;\r\n';
    return false;
  }, { track: 'rex_debug' });
  emu.useLateroute();
  emu.useYsipchan({ generate: extra.generate ?? true, responder: (r) => (r.uri === 'sip:555@127.0.0.1:5099' ? 408 : undefined) });
  emu.useRegfile({ users: { 123: { password: 'x' }, 234: { password: 'y' } } });
  return emu;
}

test('the emulator answers the probe exactly as Yate did in probe-native.txt (ids and times aside)', async () => {
  const emu = recordedYate();
  const link = emu.spawn(process.execPath, fixture('emu-replay.mjs'),
    { env: { ...process.env, EMU_TRANSCRIPT: `${TRANSCRIPTS}/probe-native.txt` } });
  await link.waitForTraffic(/^E: Error in: %%>bogus:1:2$/);
  // sipp registers 234, then rmanager asks `status`, `status extmodule` and `probe hello world`
  assert.equal(await emu.ysipchan!.receiveRegister({ user: '234', contact: 'sip:234@127.0.0.1:5070', callid: '1-8291@127.0.0.1' }), 200);
  await emu.rmanager.status();
  await emu.rmanager.status('extmodule');
  const cmd = await emu.rmanager.command('probe hello world');
  assert.equal(cmd.handled, false);
  await link.waitForTraffic(/^E: %%<quit$/, 10000);
  assert.deepEqual(directions(link.traffic), directions(transcript('probe-native.txt')));
  emu.assertExactlyOnce();
});

test('a native SIP MESSAGE produces the call.route and msg.execute lines of native-message.txt', async () => {
  const emu = recordedYate();
  await emu.ysipchan!.receiveRegister({ user: '234', contact: 'sip:234@127.0.0.1:5070' });
  const rec = puppet(emu, {
    start: ['%%>setlocal:trackparam:recorder', ...['sip.message', 'sip.publish', 'call.route', 'msg.route', 'msg.execute', 'xsip.generate'].map((n) => `%%>install:1:${n}`)],
  });
  await waitForReplies(rec, 7);
  const code = await emu.ysipchan!.receiveMessage({
    path: 'native', caller: '123', called: '234', type: 'text/plain', contentType: 'text/plain;charset=utf-8',
    body: 'hello Monica\r\n', callid: '1-7806@127.0.0.1', fromTag: '7806msg1', dlgtag: '648259247',
  });
  assert.deepEqual(directions(rec.traffic), directions(transcript('native-message.txt')));
  // Routed by regfile; ysipchan's own msg.execute relay (100) sent it without waiting (no
  // wait=true), so the sender got 200 at once, as measured on Yate 6.4.1.
  assert.equal(code, 200);
  assert.deepEqual(emu.ysipchan!.sent.map((r) => [r.via, r.uri, r.wait]), [['msg.execute', 'sip:234@127.0.0.1:5070', false]]);
  emu.assertExactlyOnce();
});

test('the seed page\'s generic path produces the lines of seed-generic-message.txt', async () => {
  const emu = recordedYate();
  await emu.ysipchan!.receiveRegister({ user: '234', contact: 'sip:234@127.0.0.1:5070' });
  // the seed's regexroute rules, as native handlers
  let chain: Promise<unknown> = Promise.resolve();
  emu.install('sip.message', 120, (m) => {
    if (!m.getParam('xsip_type')) { m.setParam('code', '415'); return true; }
    chain = emu.enqueue('msg.execute', [
      ['caller', m.getParam('caller')!], ['called', m.getParam('called')!], ['domain', m.getParam('domain')!],
      ['callto', `lateroute/${m.getParam('called')}`], ['body_encoding', m.getParam('xsip_body_encoding') ?? ''],
      ['type', m.getParam('xsip_type')!], ['text', m.getParam('xsip_body')!],
    ]);
    m.setParam('code', '200');
    return true;
  });
  emu.install('msg.execute', 90, (m) => {
    const callto = m.getParam('callto') ?? '';
    if (!callto.startsWith('sip/')) return false;
    m.name = 'xsip.generate';
    m.setParam('method', 'MESSAGE').setParam('uri', callto.slice(4))
      .setParam('xsip_type', m.getParam('type')!).setParam('xsip_body', m.getParam('text')!);
    return false;
  });
  const rec = puppet(emu, {
    start: ['%%>setlocal:trackparam:recorder', ...['sip.message', 'sip.publish', 'call.route', 'msg.route', 'msg.execute', 'xsip.generate'].map((n) => `%%>install:1:${n}`)],
  });
  await waitForReplies(rec, 7);
  const ysip = emu.ysipchan!;
  const common = { caller: '123', path: 'generic' as const };
  assert.equal(await ysip.receiveMessage({ ...common, called: '234', type: 'text/plain', contentType: 'text/plain;charset=utf-8', body: 'hello Monica\r\n', callid: '1-8518@127.0.0.1', fromTag: '8518msg1' }), 200);
  await chain;
  assert.equal(await ysip.receiveMessage({ ...common, called: '234', body: 'no type', callid: '1-8527@127.0.0.1', fromTag: '8527msg1' }), 415);
  assert.equal(await ysip.receiveMessage({ ...common, called: '999', type: 'text/plain', contentType: 'text/plain;charset=utf-8', body: 'to nobody\r\n', callid: '1-8536@127.0.0.1', fromTag: '8536msg1' }), 200);
  await chain;
  const pidf = '<?xml version="1.0"?><presence xmlns="urn:ietf:params:xml:ns:pidf" entity="sip:123@127.0.0.1"><tuple id="t1"><status><basic>open</basic></status></tuple></presence>\r\n';
  await ysip.receivePublish({ caller: '123', called: '123', type: 'application/pidf+xml', body: pidf, callid: '1-8545@127.0.0.1', fromTag: '8545msg1' });
  assert.deepEqual(directions(rec.traffic), directions(transcript('seed-generic-message.txt')));
  // the routed one went on as xsip.generate to the registered contact; the one to 999 did not
  assert.deepEqual(ysip.sent.map((r) => [r.method, r.uri, r.body]), [['MESSAGE', 'sip:234@127.0.0.1:5070', 'hello Monica\r\n']]);
  emu.assertExactlyOnce();
});
