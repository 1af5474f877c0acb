// The engine connection as Yate's handler: the start-up handshake, local handler chains, and
// every message Yate offers answered exactly once — by the real Connection in a module process
// that the engine emulator starts like Yate does (node with one argument, protocol on stdio).
import assert from 'node:assert/strict';
import { test, type TestContext } from 'node:test';
import { Emulator, type EmulatorOptions, type Param } from '../src/emulator/index.js';
import { decodeEngineLine, decodeModuleLine } from '../src/protocol/index.js';
import {
  answersTo, barrier, engineLines, handlerCalls, moduleLines, offeredId, reports, spawnModule, started, waitEvent,
} from './fixtures/conn-helpers.js';

function emulator(t: TestContext, opts: EmulatorOptions = {}): Emulator {
  const emu = new Emulator(opts);
  t.after(() => emu.close());
  return emu;
}

const without = (params: readonly Param[], name: string): Param[] => params.filter(([n]) => n !== name);

test('at start the module names its tracking param, raises bufsize, reads the timeout, and installs with priority and filter', async (t) => {
  const emu = emulator(t, { timeout: 1500 });
  const link = spawnModule(emu, {
    options: { trackName: 'conn-test' },
    handlers: [
      { label: 'plain', name: 'hs.plain', priority: 70, returns: true },
      { label: 'filtered', name: 'hs.filtered', priority: 40, filter: { name: 'kind', value: 'text' }, returns: true },
    ],
  });
  const s = await started(emu);
  assert.deepEqual([s.maxLine, s.timeout, s.deadline], [65536, 1500, 500]);
  const sent = moduleLines(link);
  assert.deepEqual(sent.slice(0, 3), ['%%>setlocal:trackparam:conn-test', '%%>setlocal:bufsize:65536', '%%>setlocal:timeout:']);
  assert.deepEqual(sent.filter((l) => l.startsWith('%%>install:')).sort(), [
    '%%>install:100:conn-test.control', '%%>install:40:hs.filtered:kind:text', '%%>install:70:hs.plain',
  ]);
  const got = engineLines(link);
  for (const reply of [
    '%%<setlocal:trackparam:conn-test:true', '%%<setlocal:bufsize:65536:true', '%%<setlocal:timeout:1500:true',
    '%%<install:70:hs.plain:true', '%%<install:40:hs.filtered:true',
  ]) assert.ok(got.includes(reply), `missing ${reply} in\n${got.join('\n')}`);

  const text = await emu.dispatch('hs.filtered', { kind: 'text' });
  assert.equal(text.handled, true);
  assert.equal(text.message.getParam('handlers'), 'conn-test:40');
  await barrier(emu);
  assert.deepEqual(handlerCalls(emu, 'filtered')[0]?.params, [['kind', 'text'], ['handlers', 'conn-test:40']]);
  const voice = await emu.dispatch('hs.filtered', { kind: 'voice' });
  assert.equal(voice.handled, false);
  assert.equal(voice.message.getParam('handlers'), undefined); // Yate's filter kept it from us
  assert.equal(engineLines(link).filter((l) => l.startsWith('%%>message:') && l.includes(':hs.filtered:')).length, 1);
  const plain = await emu.dispatch('hs.plain');
  assert.equal(plain.message.getParam('handlers'), 'conn-test:70');
  emu.assertExactlyOnce();
});

test('two local handlers for one name install once in Yate and run in priority order; the first returning true stops the chain', async (t) => {
  const emu = emulator(t);
  const before: string[] = [];
  const after: Param[][] = [];
  emu.install('chain.msg', 10, (m) => { before.push(m.getParam('stop') ?? ''); return false; });
  emu.install('chain.msg', 60, (m) => { after.push(m.snapshot()); return true; });
  const link = spawnModule(emu, {
    handlers: [ // registered out of priority order on purpose
      { label: 'last', name: 'chain.msg', priority: 80, steps: [{ set: ['last', 'yes'] }] },
      { label: 'first', name: 'chain.msg', priority: 20, steps: [{ set: ['first', 'yes'] }] },
      { label: 'stopper', name: 'chain.msg', priority: 50, steps: [{ set: ['stopper', 'yes'] }, { when: ['stop', 'yes'], return: true }] },
    ],
  });
  await started(emu);
  assert.deepEqual(moduleLines(link).filter((l) => l.includes('chain.msg')), ['%%>install:20:chain.msg']);

  const stopped = await emu.dispatch('chain.msg', { stop: 'yes' });
  assert.equal(stopped.handled, true);
  assert.deepEqual(without(stopped.message.params, 'handlers'), [['stop', 'yes'], ['first', 'yes'], ['stopper', 'yes']]);
  await barrier(emu);
  assert.deepEqual(reports(emu).filter((r) => r.event === 'handler').map((r) => r.label), ['first', 'stopper']);
  assert.equal(after.length, 0); // processed: Yate's later handlers never saw it

  const through = await emu.dispatch('chain.msg', { stop: 'no' });
  assert.equal(through.handled, true); // by the native handler at 60
  await barrier(emu);
  assert.deepEqual(reports(emu).filter((r) => r.event === 'handler').map((r) => r.label), ['first', 'stopper', 'first', 'stopper', 'last']);
  assert.deepEqual(without(after[0]!, 'handlers'), [['stop', 'no'], ['first', 'yes'], ['stopper', 'yes'], ['last', 'yes']]);
  assert.deepEqual(before, ['yes', 'no']);
  emu.assertExactlyOnce();
});

test('a handler that throws is answered unprocessed and unchanged in the short form, and the module keeps running', async (t) => {
  const emu = emulator(t);
  const link = spawnModule(emu, {
    handlers: [
      { label: 'boom', name: 'boom.async', steps: [{ set: ['touched', 'yes'] }, { retval: 'changed' }, { throw: 'kaboom' }], returns: true },
      { label: 'boom-sync', name: 'boom.sync', syncThrow: 'sync kaboom' },
      { label: 'fine', name: 'fine.msg', steps: [{ retval: 'fine' }], returns: true },
    ],
  });
  await started(emu);
  for (const name of ['boom.async', 'boom.sync']) {
    const r = await emu.dispatch(name, { a: '1' }, 'orig');
    assert.equal(r.handled, false);
    assert.equal(r.message.retval, 'orig');
    assert.deepEqual(without(r.message.params, 'handlers'), [['a', '1']]);
    const id = offeredId(link, name);
    assert.deepEqual(answersTo(link, id), [`%%<message:${id}:false:`]);
  }
  await emu.log.waitForLog(/handler for boom\.async failed: Error: kaboom/);
  await emu.log.waitForLog(/handler for boom\.sync failed: Error: sync kaboom/);
  const fine = await emu.dispatch('fine.msg');
  assert.deepEqual([fine.handled, fine.message.retval], [true, 'fine']);
  assert.equal(link.dead, false);
  emu.assertExactlyOnce();
});

test('a handler past its deadline is answered unprocessed before Yate gives up, the chain stops, and no late answer follows', async (t) => {
  const emu = emulator(t, { timeout: 1500 }); // deadline: 1500 - 1000 = 500 ms
  const link = spawnModule(emu, {
    handlers: [
      { label: 'slow', name: 'slow.work', priority: 10, steps: [{ sleep: 2500 }, { set: ['late', 'yes'] }, { retval: 'late' }], returns: true },
      { label: 'after-slow', name: 'slow.work', priority: 20, returns: true },
      { label: 'patient', name: 'abort.work', steps: [{ waitAbort: true }, { set: ['late', 'yes'] }], returns: true },
    ],
  });
  assert.equal((await started(emu)).deadline, 500);

  const r = await emu.dispatch('slow.work', { a: '1' }, 'orig');
  assert.deepEqual([r.handled, r.message.retval], [false, 'orig']);
  assert.deepEqual(without(r.message.params, 'handlers'), [['a', '1']]);
  const id = offeredId(link, 'slow.work');
  assert.deepEqual(answersTo(link, id), [`%%<message:${id}:false:`]);
  await emu.log.waitForLog(/handler for slow\.work passed its 500 ms deadline; answered unprocessed/);

  const aborted = await emu.dispatch('abort.work', {}, 'orig');
  assert.deepEqual([aborted.handled, aborted.message.retval], [false, 'orig']);
  await waitEvent(emu, 'handler-aborted', (e) => e.label === 'patient'); // ctx.signal told the handler

  // Let the slow handler finish, then make a round trip: whatever it caused has been read by now.
  await waitEvent(emu, 'handler-done', (e) => e.label === 'slow');
  await barrier(emu);
  assert.deepEqual(answersTo(link, id), [`%%<message:${id}:false:`]);
  const abortId = offeredId(link, 'abort.work');
  assert.deepEqual(answersTo(link, abortId), [`%%<message:${abortId}:false:`]);
  assert.deepEqual(handlerCalls(emu, 'after-slow'), []);
  assert.deepEqual(emu.log.grep(/did not return|Unmatched/), []);
  emu.assertExactlyOnce();
});

test('a handler that changes nothing answers in the short form, so the engine.status return value survives', async (t) => {
  const emu = emulator(t);
  const link = spawnModule(emu, { handlers: [{ label: 'status', name: 'engine.status', priority: 100 }] });
  await started(emu);
  const text = await emu.rmanager.status();
  assert.match(text, /^name=rmanager,[^\r]*\r\nname=engine,[^\r]*\r\nname=extmodule,[^\r]*\r\n$/);
  const id = offeredId(link, 'engine.status');
  assert.deepEqual(answersTo(link, id), [`%%<message:${id}:false:`]);
  await barrier(emu);
  const seen = handlerCalls(emu, 'status')[0];
  assert.match(String(seen?.retval), /^name=rmanager,.*\r\nname=engine,.*\r\n$/s); // the module saw what it must keep
  emu.assertExactlyOnce();
});

test('a handler that only sets a param answers with the current return value, which therefore survives', async (t) => {
  const emu = emulator(t);
  let seenLater = '';
  emu.install('tag.msg', 50, (m) => { m.retval += 'from-50;'; return false; });
  emu.install('tag.msg', 150, (m) => { seenLater = m.retval; return false; });
  const link = spawnModule(emu, { handlers: [{ label: 'tagger', name: 'tag.msg', steps: [{ set: ['tagged', 'yes'] }] }] });
  await started(emu);
  const r = await emu.dispatch('tag.msg', {}, 'orig;');
  assert.deepEqual([r.handled, r.message.retval, r.message.getParam('tagged')], [false, 'orig;from-50;', 'yes']);
  assert.equal(seenLater, 'orig;from-50;');
  const id = offeredId(link, 'tag.msg');
  assert.deepEqual(answersTo(link, id), [`%%<message:${id}:false::orig;from-50;:tagged=yes`]);
  emu.assertExactlyOnce();
});

test('a rename is seen only by later handlers: later local handlers of the old name are skipped', async (t) => {
  const emu = emulator(t);
  const calls: string[] = [];
  let final: Param[] = [];
  emu.install('route.b', 50, () => { calls.push('native route.b:50'); return false; });
  emu.install('route.a', 150, () => { calls.push('native route.a:150'); return false; });
  emu.install('route.b', 200, (m) => { calls.push('native route.b:200'); final = m.snapshot(); return true; });
  const link = spawnModule(emu, {
    handlers: [
      { label: 'renamer', name: 'route.a', priority: 100, steps: [{ rename: 'route.b' }, { set: ['renamed', 'yes'] }] },
      { label: 'a-later', name: 'route.a', priority: 110, returns: true },
      { label: 'b-local', name: 'route.b', priority: 120, steps: [{ set: ['b_local', 'yes'] }] },
    ],
  });
  await started(emu);
  const r = await emu.dispatch('route.a', { x: '1' });
  assert.deepEqual([r.handled, r.message.name], [true, 'route.b']);
  assert.deepEqual(calls, ['native route.b:200']);
  assert.deepEqual(without(final, 'handlers'), [['x', '1'], ['renamed', 'yes'], ['b_local', 'yes']]);
  await barrier(emu);
  assert.deepEqual(handlerCalls(emu, 'a-later'), []);
  const b = handlerCalls(emu, 'b-local'); // Yate offered it again, under the new name, to our later install
  assert.equal(b.length, 1);
  assert.equal(b[0]!.name, 'route.b');
  const id = offeredId(link, 'route.a');
  assert.deepEqual(answersTo(link, id), [`%%<message:${id}:false:route.b::renamed=yes`]);
  emu.assertExactlyOnce();
});

test('params a handler sets, adds or deletes and its return value reach Yate; repeated names stay as they were', async (t) => {
  const emu = emulator(t);
  const link = spawnModule(emu, {
    handlers: [{
      label: 'editor', name: 'edit.msg', returns: true,
      steps: [{ set: ['a', 'one'] }, { delete: 'b' }, { set: ['c', '3'] }, { set: ['__proto__', 'plain'] }, { retval: 'r1' }],
    }],
  });
  await started(emu);
  const r = await emu.dispatch('edit.msg', [['a', '1'], ['b', '2'], ['dup', 'x'], ['dup', 'y']], 'r0');
  assert.equal(r.handled, true);
  assert.equal(r.message.retval, 'r1');
  assert.deepEqual(without(r.message.params, 'handlers'), [['a', 'one'], ['dup', 'x'], ['dup', 'y'], ['c', '3'], ['__proto__', 'plain']]);
  await barrier(emu);
  assert.deepEqual(handlerCalls(emu, 'editor')[0]?.params, [['a', '1'], ['b', '2'], ['dup', 'x'], ['dup', 'y'], ['handlers', 'yate-chat:100']]);
  const id = offeredId(link, 'edit.msg');
  assert.deepEqual(answersTo(link, id), [`%%<message:${id}:true::r1:a=one:c=3:__proto__=plain:b`]);
  emu.assertExactlyOnce();
});

test('200 messages offered at once are all answered exactly once, each with its own result, out of order', async (t) => {
  const emu = emulator(t);
  const link = spawnModule(emu, {
    handlers: [{
      label: 'load', name: 'load.msg', quiet: true,
      steps: [
        { when: ['seq', '0'], waitFor: ['done', '199'] }, // the first one offered waits for the last to finish
        { sleepRandom: 20 },
        { set: ['reply', 'r${p:seq}'] },
        { when: ['seq', '199'], signal: ['done', '199'] },
        { when: ['parity', 'even'], return: true },
      ],
    }],
  });
  await started(emu);
  const n = 200;
  const results = await Promise.all(Array.from({ length: n }, (_, i) =>
    emu.dispatch('load.msg', { seq: String(i), parity: i % 2 ? 'odd' : 'even' })));
  results.forEach((r, i) => {
    assert.equal(r.handled, i % 2 === 0, `seq ${i}`);
    assert.equal(r.message.getParam('reply'), `r${i}`);
  });
  const seqOf = new Map<string, number>();
  for (const l of engineLines(link)) {
    const d = decodeEngineLine(l);
    if (d.type === 'message' && d.name === 'load.msg') seqOf.set(d.id, Number(d.params.find(([k]) => k === 'seq')![1]));
  }
  assert.equal(seqOf.size, n);
  const answered: number[] = [];
  for (const l of moduleLines(link)) {
    const d = decodeModuleLine(l);
    if (d.type === 'answer' && seqOf.has(d.id)) answered.push(seqOf.get(d.id)!);
  }
  assert.equal(answered.length, n);
  assert.equal(new Set(answered).size, n);
  assert.ok(answered.indexOf(0) > answered.indexOf(199), 'seq 0 was answered after seq 199');
  emu.assertExactlyOnce();
});

test('a message no local handler wants is answered unprocessed and unchanged', async (t) => {
  const emu = emulator(t);
  const link = spawnModule(emu, {
    handlers: [
      { label: 'want-a', name: 'picky.msg', filter: { name: 'kind', value: 'a' }, returns: true },
      { label: 'want-b', name: 'picky.msg', filter: { name: 'kind', value: 'b' }, returns: true },
    ],
  });
  await started(emu);
  // the filters differ, so Yate is asked for everything and the module filters itself
  assert.deepEqual(moduleLines(link).filter((l) => l.includes('picky.msg')), ['%%>install:100:picky.msg']);
  const none = await emu.dispatch('picky.msg', { kind: 'c' }, 'keep');
  assert.deepEqual([none.handled, none.message.retval], [false, 'keep']);
  const id = offeredId(link, 'picky.msg', ['kind', 'c']);
  assert.deepEqual(answersTo(link, id), [`%%<message:${id}:false:`]);
  const b = await emu.dispatch('picky.msg', { kind: 'b' });
  assert.equal(b.handled, true);
  await barrier(emu);
  assert.deepEqual([handlerCalls(emu, 'want-a').length, handlerCalls(emu, 'want-b').length], [0, 1]);
  emu.assertExactlyOnce();
});

test('an answer Yate could not read (longer than its buffer, a NUL byte, a param without a name or with = in it) is replaced by an unprocessed, unchanged one', async (t) => {
  const emu = emulator(t, { timeout: 3000 });
  const link = spawnModule(emu, {
    handlers: [
      { label: 'huge', name: 'huge.msg', steps: [{ set: ['body', 'x'.repeat(70000)] }], returns: true },
      { label: 'nul', name: 'nul.msg', steps: [{ set: ['body', 'a\u0000b'] }], returns: true },
      { label: 'noname', name: 'noname.msg', steps: [{ set: ['', 'b'] }, { set: ['body', 'b'] }], returns: true },
      { label: 'eqname', name: 'eqname.msg', steps: [{ set: ['a=b', 'c'] }, { set: ['body', 'b'] }], returns: true },
    ],
  });
  await started(emu);
  for (const name of ['huge.msg', 'nul.msg', 'noname.msg', 'eqname.msg']) {
    const r = await emu.dispatch(name, { a: '1' }, 'keep');
    assert.deepEqual([r.handled, r.message.retval, r.message.getParam('body')], [false, 'keep', undefined], name);
    const id = offeredId(link, name);
    assert.deepEqual(answersTo(link, id), [`%%<message:${id}:false:`]);
  }
  assert.deepEqual(emu.log.grep(/Overflow|did not return|Unmatched/), []);
  assert.equal(link.dead, false);
  emu.assertExactlyOnce();
});
