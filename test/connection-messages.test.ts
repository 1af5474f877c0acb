// The engine connection as a sender and as a link: dispatch / enqueue / watch, setlocal,
// install changes at run time, line limits, what Yate refuses, garbage from Yate, output/debug,
// and the two ways a stdio link ends (quit, stdin EOF). The module is the real Connection in a
// process the engine emulator starts like Yate does.
import assert from 'node:assert/strict';
import { test, type TestContext } from 'node:test';
import { Emulator, type EmulatorOptions, type LinkIO, type ModuleLink } from '../src/emulator/index.js';
import {
  answersTo, barrier, control, engineLines, handlerCalls, moduleLines, offeredId, reports, spawnModule, started, waitEvent,
} from './fixtures/conn-helpers.js';

function emulator(t: TestContext, opts: EmulatorOptions = {}): Emulator {
  const emu = new Emulator(opts);
  t.after(() => emu.close());
  return emu;
}

/** Close only the engine -> module pipe (the script's stdin). The emulator has no public call for
 *  it because Yate closes both directions together; a module must still cope with EOF first. */
function closeStdin(link: ModuleLink): void {
  (link as unknown as { io: LinkIO }).io.closeOut();
}

test('dispatch() resolves with Yate\'s answer: processed flag, return value and every param', async (t) => {
  const emu = emulator(t);
  emu.install('call.route', 100, (m) => {
    if (m.getParam('called') !== 'bob') return false;
    m.retval = 'sip/sip:bob@127.0.0.1:5070';
    m.setParam('oconnection_id', 'general');
    return true;
  }, { track: 'regfile' });
  const link = spawnModule(emu, { handlers: [{ label: 'own', name: 'call.route', priority: 50, returns: true }] });
  await started(emu);
  const [found, missing, nobody] = await control(emu, [
    { do: 'dispatch', label: 'found', name: 'call.route', params: [['called', 'bob'], ['route_type', 'msg']] },
    { do: 'dispatch', label: 'missing', name: 'call.route', params: [['called', 'carol']], retval: 'before' },
    { do: 'dispatch', label: 'nobody', name: 'nobody.home', params: [['x', 'y']] },
  ]);
  // Yate tracks every handler it reaches, ours at 50 too, although it does not offer us our own message
  assert.deepEqual(found, {
    label: 'found', ok: true, processed: true, name: 'call.route', retval: 'sip/sip:bob@127.0.0.1:5070',
    params: [['called', 'bob'], ['route_type', 'msg'], ['handlers', 'yate-chat:50,regfile:100'], ['oconnection_id', 'general']],
  });
  assert.deepEqual(missing, {
    label: 'missing', ok: true, processed: false, name: 'call.route', retval: 'before',
    params: [['called', 'carol'], ['handlers', 'yate-chat:50,regfile:100']],
  });
  assert.deepEqual(nobody, { label: 'nobody', ok: true, processed: false, name: 'nobody.home', retval: '', params: [['x', 'y']] });
  // Yate does not offer a module its own message (reenter is off)
  await barrier(emu);
  assert.deepEqual(handlerCalls(emu, 'own'), []);
  assert.equal(engineLines(link).some((l) => l.startsWith('%%>message:') && l.includes(':call.route:')), false);
  emu.assertExactlyOnce();
});

test('a dispatch with timeoutMs rejects with ENGINE_TIMEOUT, and Yate\'s late answer is ignored', async (t) => {
  const emu = emulator(t);
  let release: (v: boolean) => void = () => {};
  const reached = new Promise<void>((r) => emu.install('slow.route', 100, () => { r(); return new Promise<boolean>((res) => { release = res; }); }));
  const link = spawnModule(emu, {});
  await started(emu);
  const [late] = await control(emu, [{ do: 'dispatch', label: 'late', name: 'slow.route', timeoutMs: 300 }]);
  await reached;
  assert.equal(late?.code, 'ENGINE_TIMEOUT');
  release(true);
  await link.waitForTraffic(/^E: %%<message:[^:]+:true:slow\.route:/);
  const [state] = await control(emu, [{ do: 'state', label: 'after' }]);
  assert.equal(state?.state, 'open');
  await barrier(emu);
  assert.equal(reports(emu).filter((r) => r.event === 'result' && r.label === 'late').length, 1);
  emu.assertExactlyOnce();
});

test('enqueue() writes an empty id and gets no answer', async (t) => {
  const emu = emulator(t);
  const got = new Promise<string>((r) => emu.install('chat.log', 100, (m) => { r(m.getParam('text') ?? ''); return true; }));
  const link = spawnModule(emu, {});
  await started(emu);
  const [fire] = await control(emu, [{ do: 'enqueue', label: 'fire', name: 'chat.log', params: [['text', 'hi: 100%']] }]);
  assert.deepEqual(fire, { label: 'fire', ok: true });
  assert.equal(await got, 'hi: 100%');
  await new Promise((r) => setImmediate(r));
  await control(emu); // a round trip after the dispatch ended
  assert.ok(moduleLines(link).some((l) => /^%%>message::\d+:chat\.log::text=hi%z 100%%$/.test(l)));
  assert.deepEqual(engineLines(link).filter((l) => l.startsWith('%%<message:')), []);
  emu.assertExactlyOnce();
});

test('watchers get notifications with an empty id, never answered, and handlers are not called for them', async (t) => {
  const emu = emulator(t);
  emu.install('chat.note', 200, (m) => { m.retval = 'stored'; return true; });
  const link = spawnModule(emu, {
    watch: ['chat.note', 'user.notify'],
    handlers: [{ label: 'noter', name: 'chat.note', steps: [{ set: ['seen_by_module', 'yes'] }] }],
  });
  await started(emu);
  assert.ok(engineLines(link).includes('%%<watch:chat.note:true'));
  const r = await emu.dispatch('chat.note', { text: 'hello' });
  assert.equal(r.handled, true);
  const note = await waitEvent(emu, 'watch', (e) => e.name === 'chat.note');
  assert.deepEqual(note, {
    event: 'watch', name: 'chat.note', processed: true, retval: 'stored',
    params: [['text', 'hello'], ['handlers', 'yate-chat:100'], ['seen_by_module', 'yes']],
  });
  assert.ok(engineLines(link).some((l) => l.startsWith('%%<message::true:chat.note:stored:')));
  await emu.dispatch('user.notify', { user: 'bob' });
  const user = await waitEvent(emu, 'watch', (e) => e.name === 'user.notify');
  assert.deepEqual([user.processed, user.params], [false, [['user', 'bob']]]);

  await control(emu, [{ do: 'unwatch', label: 'unwatch', name: 'chat.note' }]);
  assert.ok(engineLines(link).includes('%%<unwatch:chat.note:true'));
  await emu.dispatch('chat.note', { text: 'again' });
  await barrier(emu);
  assert.equal(reports(emu).filter((e) => e.event === 'watch' && e.name === 'chat.note').length, 1);
  assert.equal(handlerCalls(emu, 'noter').length, 2); // once per offered message, never for a notification
  assert.equal(moduleLines(link).some((l) => l.startsWith('%%<message::')), false);
  emu.assertExactlyOnce();
});

test('a line longer than the bufsize Yate confirmed is refused with LINE_TOO_LONG, nothing is written, and the module stays connected', async (t) => {
  const emu = emulator(t);
  const link = spawnModule(emu, { options: { bufsize: 2048 } });
  assert.equal((await started(emu)).maxLine, 2048);
  const [fits, over, enq, out] = await control(emu, [
    { do: 'dispatchMax', label: 'fits', name: 'big.msg', fill: 'x', over: 0 },
    { do: 'dispatchMax', label: 'over', name: 'big.msg', fill: 'y', over: 1 },
    { do: 'enqueue', label: 'enq', name: 'big.msg', params: [['body', 'z'.repeat(3000)]] },
    { do: 'output', label: 'out', text: 'w'.repeat(3000) },
  ]);
  assert.equal(fits?.ok, true);
  assert.deepEqual([over?.ok, over?.code], [false, 'LINE_TOO_LONG']);
  assert.deepEqual([enq?.ok, enq?.code], [false, 'LINE_TOO_LONG']);
  assert.deepEqual([out?.ok, out?.code], [false, 'LINE_TOO_LONG']);
  await barrier(emu);
  // The longest line Yate reads with bufsize N is N-1 bytes with its '\n' (one byte is kept for a NUL).
  const longest = moduleLines(link).find((l) => l.includes('xxxxxxxx'));
  assert.equal(longest!.length + 1, 2047);
  assert.equal(moduleLines(link).some((l) => /yyyyyyyy|zzzzzzzz|wwwwwwww/.test(l)), false);
  assert.deepEqual(emu.log.grep(/Overflow|Lost data/), []);
  assert.equal(link.dead, false);
  await control(emu);
  emu.assertExactlyOnce();
});

test('Error in: for a message line the module wrote rejects that dispatch with ENGINE_REFUSED', async (t) => {
  const emu = emulator(t);
  const link = spawnModule(emu, {});
  await started(emu);
  const [bad, good] = await control(emu, [
    { do: 'dispatch', label: 'bad', name: 'bad.msg', params: [['body', 'a\u0000b']] }, // NUL: Yate refuses its escape %@
    { do: 'dispatch', label: 'good', name: 'good.msg' },
  ]);
  assert.deepEqual([bad?.ok, bad?.code], [false, 'ENGINE_REFUSED']);
  assert.deepEqual([good?.ok, good?.processed], [true, false]);
  assert.ok(engineLines(link).some((l) => l.startsWith('Error in: %%>message:') && l.includes(':bad.msg::body=a%@b')));
  emu.assertExactlyOnce();
});

test('malformed lines from the engine are logged and skipped (a message among them answered when its id can be read); the module keeps answering', async (t) => {
  const emu = emulator(t);
  const link = spawnModule(emu, { handlers: [{ label: 'ok', name: 'ok.msg', steps: [{ retval: 'fine' }], returns: true }] });
  await started(emu);
  for (const junk of [
    'garbage', '%%>message:', '%%>message:id1:notatime:x.msg:', '%%>message:id2:0:bad%1name:', '%%<install:abc:x:true',
    '%%<setlocal:nobody.asked:1:true', '%%<watch:never.asked:true', '%%<message:nobody:true:x.msg:', '%%<quit-ish',
    'Error in: %%>message:unknown:0:x.msg:', 'q'.repeat(200000), '\u00ff\u00fe binary \u0080',
  ]) link.output(junk);
  await emu.log.waitForLog(/ignored a line from Yate \(not an engine line\): garbage/);
  const r = await emu.dispatch('ok.msg');
  assert.deepEqual([r.handled, r.message.retval], [true, 'fine']);
  assert.equal(link.dead, false);
  // id1 and id2 stand for Yate threads waiting on messages the module could not read: released
  // with the short form (these were injected, so the emulator's ledger never sent them).
  assert.deepEqual(moduleLines(link).filter((l) => /^%%<message:(id1|id2|nobody):/.test(l)), ['%%<message:id1:false:', '%%<message:id2:false:']);
  assert.equal(moduleLines(link).some((l) => l.startsWith('Error')), false);
});

test('setlocal() resolves with the value Yate reports, ":" included, and rejects what Yate refuses', async (t) => {
  const emu = emulator(t, { config: { general: { colon: 'a:b:c' } } });
  const link = spawnModule(emu, {});
  await started(emu);
  const [reason, version, colon, unknown, bad] = await control(emu, [
    { do: 'setlocal', label: 'reason', name: 'reason', value: 'testing' },
    { do: 'setlocal', label: 'version', name: 'engine.version' },
    { do: 'setlocal', label: 'colon', name: 'config.general.colon' },
    { do: 'setlocal', label: 'unknown', name: 'no.such.thing', value: 'x' },
    { do: 'setlocal', label: 'bad', name: 'bad:name', value: 'x' },
  ]);
  assert.equal(reason?.value, 'testing');
  assert.equal(version?.value, '6.4.1');
  assert.equal(colon?.value, 'a:b:c');
  assert.deepEqual([unknown?.ok, unknown?.code], [false, 'ENGINE_REFUSED']);
  assert.deepEqual([bad?.ok, bad?.code], [false, 'BAD_ARGUMENT']);
  assert.equal(moduleLines(link).some((l) => l.includes('bad:name')), false);
  emu.assertExactlyOnce();
});

test('handlers installed or removed at run time change what Yate is asked for', async (t) => {
  const emu = emulator(t);
  const link = spawnModule(emu, {
    handlers: [{ label: 'low', name: 'u.msg', priority: 30 }, { label: 'high', name: 'u.msg', priority: 60 }],
  });
  await started(emu);
  assert.equal(link.installed.get('u.msg')?.priority, 30);
  await control(emu, [{ do: 'uninstall', label: 'rm-low', name: 'u.msg', handler: 'low' }]);
  assert.deepEqual(moduleLines(link).filter((l) => l.includes('u.msg')), ['%%>install:30:u.msg', '%%>uninstall:u.msg', '%%>install:60:u.msg']);
  assert.equal(link.installed.get('u.msg')?.priority, 60);
  await emu.dispatch('u.msg');
  await barrier(emu);
  assert.deepEqual([handlerCalls(emu, 'low').length, handlerCalls(emu, 'high').length], [0, 1]);

  await control(emu, [
    { do: 'uninstall', label: 'rm-all', name: 'u.msg' },
    { do: 'install', label: 'add', handler: { label: 'new', name: 'n.msg', priority: 15, returns: true } },
  ]);
  assert.equal(link.installed.has('u.msg'), false);
  assert.equal(link.installed.get('n.msg')?.priority, 15);
  assert.equal((await emu.dispatch('u.msg')).handled, false);
  assert.equal((await emu.dispatch('n.msg')).handled, true);
  await barrier(emu);
  assert.equal(handlerCalls(emu, 'high').length, 1);
  emu.assertExactlyOnce();
});

test('output() and debug() reach Yate\'s log, output raw line by line, debug escaped', async (t) => {
  const emu = emulator(t);
  const link = spawnModule(emu, {});
  await started(emu);
  await control(emu, [
    { do: 'output', label: 'o', text: 'hello from the module\nsecond: line' },
    { do: 'debug', label: 'd', level: 5, text: 'careful: 100% sure' },
  ]);
  await emu.log.waitForLog(/^hello from the module$/);
  await emu.log.waitForLog(/^second: line$/);
  await emu.log.waitForLog(/<node:WARN> careful: 100% sure$/);
  const sent = moduleLines(link);
  for (const l of ['%%>output:hello from the module', '%%>output:second: line', '%%>debug:5:careful%z 100%% sure']) {
    assert.ok(sent.includes(l), l);
  }
  emu.assertExactlyOnce();
});

test('quit() answers what is still pending, then says %%>quit; on %%<quit the module closes and exits with code 0', async (t) => {
  const emu = emulator(t);
  const link = spawnModule(emu, { handlers: [{ label: 'stuck', name: 'stuck.msg', steps: [{ never: true }], returns: true }] });
  await started(emu);
  const stuck = emu.dispatch('stuck.msg', { a: '1' }, 'keep');
  await waitEvent(emu, 'handler', (e) => e.label === 'stuck');
  await control(emu, [{ do: 'quit', label: 'bye' }]);
  const r = await stuck;
  assert.deepEqual([r.handled, r.message.retval], [false, 'keep']);
  await link.waitForTraffic(/^E: %%<quit$/);
  assert.equal((await waitEvent(emu, 'exit')).code, 0);
  assert.ok(reports(emu).some((e) => e.event === 'close'));
  const id = offeredId(link, 'stuck.msg');
  const sent = moduleLines(link);
  assert.deepEqual(answersTo(link, id), [`%%<message:${id}:false:`]);
  assert.ok(sent.indexOf(`%%<message:${id}:false:`) < sent.indexOf('%%>quit'));
  assert.equal(sent.at(-1), '%%>quit');
  emu.assertExactlyOnce();
});

test('on stdin EOF the module answers what is pending, unprocessed and unchanged, and exits with code 0', async (t) => {
  const emu = emulator(t);
  const link = spawnModule(emu, { handlers: [{ label: 'stuck', name: 'stuck.msg', steps: [{ never: true }], returns: true }] });
  await started(emu);
  const stuck = emu.dispatch('stuck.msg', { a: '1' }, 'keep');
  await waitEvent(emu, 'handler', (e) => e.label === 'stuck');
  closeStdin(link);
  const r = await stuck;
  assert.deepEqual([r.handled, r.message.retval], [false, 'keep']);
  assert.equal((await waitEvent(emu, 'exit')).code, 0);
  assert.ok(reports(emu).some((e) => e.event === 'close'));
  const id = offeredId(link, 'stuck.msg');
  assert.deepEqual(answersTo(link, id), [`%%<message:${id}:false:`]);
  emu.assertExactlyOnce();
});
