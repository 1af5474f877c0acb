// The simulated native modules: regfile, lateroute, ysipchan, rmanager.
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { Emulator } from '../src/emulator/index.js';
import { puppet, waitForReplies } from './emulator-helpers.js';

const open: Emulator[] = [];
after(async () => { await Promise.all(open.map((e) => e.close())); });

async function chat(opts: { msgExecuteRelay?: boolean; generate?: boolean } = {}): Promise<Emulator> {
  const emu = new Emulator({ timeout: 2000 });
  open.push(emu);
  emu.useLateroute();
  emu.useYsipchan({ generate: opts.generate ?? true, msgExecuteRelay: opts.msgExecuteRelay ?? false, timeoutDelay: 30 });
  emu.useRegfile({ users: { 123: { password: 'a' }, 234: { password: 'b', extra: 'x' }, 345: {} } });
  assert.equal(await emu.ysipchan!.receiveRegister({ user: '234', contact: 'sip:234@127.0.0.1:5070', connectionId: 'tcp:1' }), 200);
  return emu;
}

test('regfile routes a registered user to its contact with the route params', async () => {
  const emu = await chat();
  const r = await emu.dispatch('call.route', { called: '234', caller: '123' });
  assert.equal(r.handled, true);
  assert.equal(r.message.retval, 'sip/sip:234@127.0.0.1:5070');
  assert.equal(r.message.getParam('oconnection_id'), 'tcp:1');
  assert.equal(r.message.getParam('driver'), 'sip');
  assert.equal(r.message.getParam('handlers'), 'sip:100,regfile:100');
});

test('regfile sets error=offline for a defined user who is not registered, nothing for an unknown one', async () => {
  const emu = await chat();
  const offline = await emu.dispatch('call.route', { called: '345' });
  assert.equal(offline.handled, false);
  assert.equal(offline.message.getParam('error'), 'offline');
  const unknown = await emu.dispatch('call.route', { called: '999' });
  assert.deepEqual([unknown.handled, unknown.message.getParam('error')], [false, undefined]);
});

test('regfile refuses to register an undefined user, forgets on unregister, and drops a whole connection unprocessed', async () => {
  const emu = await chat();
  const ysip = emu.ysipchan!;
  assert.equal(await ysip.receiveRegister({ user: '999', contact: 'sip:999@127.0.0.1:5090' }), 404);
  assert.equal(await ysip.receiveRegister({ user: '123', contact: 'sip:123@127.0.0.1:5072', connectionId: 'tcp:1' }), 200);
  assert.equal(await ysip.receiveRegister({ user: '234', contact: 'sip:234@127.0.0.1:5070', expires: 0 }), 200);
  assert.equal(emu.regfile!.contactOf('234'), null);
  const drop = await emu.dispatch('user.unregister', { connection_id: 'tcp:1' });
  assert.equal(drop.handled, false);
  assert.deepEqual(emu.regfile!.contacts(), []);
});

test('lateroute routes callto=lateroute/N through call.route and puts the route in callto', async () => {
  const emu = await chat();
  let seen: Array<[string, string]> = [];
  emu.install('msg.execute', 80, (m) => { seen = m.snapshot(); return true; });
  const r = await emu.dispatch('msg.execute', [['caller', '123'], ['called', '234'], ['callto', 'lateroute/234'], ['text', 'hi']]);
  assert.equal(r.handled, true);
  assert.equal(r.message.name, 'msg.execute');
  assert.deepEqual(seen, [['caller', '123'], ['called', '234'], ['text', 'hi'],
    ['handlers', 'lateroute:75,sip:100,regfile:100'], ['route_type', 'msg'], ['oconnection_id', 'tcp:1'], ['driver', 'sip'],
    ['callto', 'sip/sip:234@127.0.0.1:5070']]);
});

test('lateroute without a route restores called and callto and keeps what call.route added', async () => {
  const emu = await chat();
  const r = await emu.dispatch('msg.execute', [['called', 'x'], ['callto', 'lateroute/345']]);
  assert.equal(r.handled, false);
  assert.deepEqual(r.message.params.filter(([k]) => k !== 'handlers'), [['called', 'x'], ['route_type', 'msg'], ['error', 'offline'], ['callto', 'lateroute/345']]);
});

test('xsip.generate with wait=true answers with code, clearing the sip_ and xsip_ params', async () => {
  const emu = await chat();
  const params: Array<[string, string]> = [['method', 'MESSAGE'], ['uri', '<sip:234@127.0.0.1:5070>'], ['sip_From', '<sip:123@127.0.0.1>'],
    ['xsip_type', 'text/plain'], ['xsip_body', 'aGk='], ['xsip_body_encoding', 'base64'], ['connection_id', 'tcp:1'], ['wait', 'true']];
  const ok = await emu.dispatch('xsip.generate', params);
  assert.equal(ok.handled, true);
  assert.deepEqual(ok.message.params, [['method', 'MESSAGE'], ['uri', '<sip:234@127.0.0.1:5070>'], ['connection_id', 'tcp:1'],
    ['wait', 'true'], ['handlers', 'sip:110'], ['code', '200']]);
  const req = emu.ysipchan!.sent[0]!;
  assert.deepEqual([req.uri, req.headers, req.type, req.bodyBytes, req.connectionId, req.code],
    ['sip:234@127.0.0.1:5070', [['From', '<sip:123@127.0.0.1>']], 'text/plain', 'hi', 'tcp:1', 200]);
  const gone = await emu.dispatch('xsip.generate', { method: 'MESSAGE', uri: 'sip:345@127.0.0.1:5080', wait: 'true' });
  assert.deepEqual([gone.handled, gone.message.getParam('code')], [true, '408']);
});

test('xsip.generate without wait is processed at once and changes nothing; bad requests set error', async () => {
  const emu = await chat();
  const fire = await emu.dispatch('xsip.generate', { method: 'MESSAGE', uri: 'sip:234@127.0.0.1:5070', xsip_type: 'text/plain', xsip_body: 'x' });
  assert.equal(fire.handled, true);
  assert.equal(fire.message.getParam('code'), undefined);
  assert.equal(fire.message.getParam('xsip_body'), 'x');
  const cases: Array<[Record<string, string>, string | undefined]> = [
    [{ uri: 'sip:234@127.0.0.1' }, undefined], [{ method: 'MESSAGE' }, 'failure'],
    [{ method: 'MESSAGE', uri: 'sip:234@h', antiloop: '0' }, 'looping'], [{ method: 'MESSAGE', uri: 'sip:234@h', id: 'sip/1' }, 'noconn'],
    [{ method: 'MESSAGE', uri: 'nonsense' }, 'notransport'],
  ];
  for (const [p, error] of cases) {
    const r = await emu.dispatch('xsip.generate', p);
    assert.deepEqual([r.handled, r.message.getParam('error')], [false, error], JSON.stringify(p));
  }
});

test('xsip.generate is not handled unless ysipchan has generate=yes', async () => {
  const emu = await chat({ generate: false });
  assert.equal((await emu.dispatch('xsip.generate', { method: 'MESSAGE', uri: 'sip:234@127.0.0.1:5070' })).handled, false);
});

test('a responder decides the far end\'s code and the headers of its answer', async () => {
  const emu = new Emulator();
  open.push(emu);
  emu.useYsipchan({ generate: true, responder: () => ({ code: 486, delay: 1, headers: [['Retry-After', '60']] }) });
  const r = await emu.dispatch('xsip.generate', { method: 'MESSAGE', uri: 'sip:1@h', wait: 'true' });
  assert.deepEqual(r.message.params.slice(-2), [['code', '486'], ['sip_retry-after', '60']]);
});

test('a native MESSAGE gets the code of the msg.execute that handled it, 405 when none did', async () => {
  const emu = await chat();
  const ysip = emu.ysipchan!;
  const base = { path: 'native' as const, caller: '123', type: 'text/plain', body: 'hi' };
  assert.equal(await ysip.receiveMessage({ ...base, called: '234' }), 405);
  assert.equal(await ysip.receiveMessage({ ...base, called: '999' }), 405);
  assert.equal(await ysip.receiveMessage({ ...base, called: '234', maxForwards: 1 }), 483);
  const h = emu.install('msg.execute', 50, (m) => { m.setParam('code', '202'); return true; });
  assert.equal(await ysip.receiveMessage({ ...base, called: '234' }), 202);
  emu.uninstall(h);
  emu.install('msg.execute', 50, (m) => { m.setParam('reason', 'busy'); return false; });
  assert.equal(await ysip.receiveMessage({ ...base, called: '234' }), 486);
  assert.equal(await ysip.receiveMessage({ ...base, called: '234', username: '' }), 401);
});

test('with msgExecuteRelay ysipchan delivers msg.execute callto=sip/... itself, as its source does', async () => {
  const emu = await chat({ msgExecuteRelay: true });
  const code = await emu.ysipchan!.receiveMessage({ path: 'native', caller: '123', called: '234', type: 'text/plain', body: 'hi' });
  assert.equal(code, 200);
  const req = emu.ysipchan!.sent[0]!;
  assert.deepEqual([req.via, req.method, req.uri, req.bodyBytes], ['msg.execute', 'MESSAGE', 'sip:234@127.0.0.1:5070', 'hi']);
});

test('a generic MESSAGE gets 200 when a handler takes it without a code, 405 when nobody does', async () => {
  const emu = await chat();
  const ysip = emu.ysipchan!;
  assert.equal(await ysip.receiveMessage({ path: 'generic', caller: '123', called: '234', type: 'text/plain', body: 'x' }), 405);
  const mod = puppet(emu, { start: ['%%>install:50:sip.message'], answers: { 'sip.message': ['%%<message:{id}:true:'] } });
  await waitForReplies(mod, 1);
  assert.equal(await ysip.receiveMessage({ path: 'generic', caller: '123', called: '234', type: 'text/plain', body: 'x' }), 200);
  emu.assertExactlyOnce();
});

test('rmanager commands reach engine.command with rmanager\'s params; external lists the scripts', async () => {
  const emu = await chat();
  const mod = puppet(emu, { start: ['%%>install:10:engine.command:line:chat stats'], answers: { 'engine.command': ['%%<message:{id}:true::7 messages%M%J'] } });
  await waitForReplies(mod, 1);
  const mine = await emu.rmanager.command('chat stats');
  assert.deepEqual([mine.handled, mine.text], [true, '7 messages\r\n']);
  assert.deepEqual(mine.message.params.map(([k]) => k), ['line', 'cmd_address', 'cmd_machine', 'cmd_admin']); // the relay is untracked
  const ext = await emu.rmanager.command('external');
  assert.match(ext.text, /^1\. \S+node .*emu-puppet\.mjs\r\n$/);
  assert.equal((await emu.rmanager.command('nonsense')).handled, false);
  const help = await emu.rmanager.help();
  assert.match(help.text, /external \[info\]/);
  emu.assertExactlyOnce();
});
