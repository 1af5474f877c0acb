// On a real Yate: a voice call (INVITE) between two registered users never reaches the module,
// whose handlers are for MESSAGE routing only. Two observables: the module's own `offered`
// counter (status yate-chat) does not move across the call, while a MESSAGE moves it; and
// Yate's message sniffer (msgsniff) shows no msg.execute and no message that went through the
// module's handlers (trackparam `yate-chat` in the `handlers` param) during the call.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { SipPath } from './configs.js';
import { withYate, type RunningYate } from './engine.js';
import { statusFields } from './rmanager.js';
import { needsYate, registeredUa, sleep, uaFor, until, yateInstall } from './suite.js';

const PATHS: SipPath[] = ['generic', 'native'];

async function offered(yate: RunningYate): Promise<number> {
  const fields = statusFields(await yate.rmanager('status yate-chat'), 'yate-chat');
  assert.ok(fields?.offered !== undefined, `status yate-chat has no offered= counter: ${JSON.stringify(fields)}`);
  return Number(fields.offered);
}

interface Sniffed { readonly name: string; readonly handlers: string }

/** What msgsniff logged as dispatched ("Returned ... 'NAME'" blocks), with their handlers param. */
function sniffed(log: string): Sniffed[] {
  const out: Sniffed[] = [];
  for (const block of log.split(/\n(?=\d{14}\.\d{6} )/)) {
    const m = /^\d{14}\.\d{6} Returned (?:true|false) '([^']+)'/.exec(block);
    if (m) out.push({ name: m[1]!, handlers: /param\['handlers'\] = '([^']*)'/.exec(block)?.[1] ?? '' });
  }
  return out;
}

for (const sipPath of PATHS) {
  test(`${sipPath} path: a voice call, busy or answered and hung up, is never offered to the module, while a MESSAGE is`, needsYate, async (t) => {
    await withYate(yateInstall(), { sipPath, modules: ['msgsniff'] }, async (yate) => {
      assert.match(await yate.rmanager('sniffer on'), /sniffer: on/i);
      const bob = await registeredUa(t, yate, '234');
      const alice = await uaFor(t, yate, '123');
      // What one `status yate-chat` adds by itself (the engine.status it is offered, if counted).
      const before = await offered(yate);
      const perQuery = (await offered(yate)) - before;
      const mark = yate.log().length;

      bob.answer = (r) => (r.method === 'INVITE' ? 486 : 200);
      const busy = await alice.invite('234');
      assert.equal(busy.final.code, 486, 'the callee\'s 486 reaches the caller');
      bob.answer = () => 200;
      const answered = await alice.invite('234', { hangupAfterMs: 200 });
      assert.equal(answered.final.code, 200);
      assert.equal(answered.bye?.code, 200);
      await bob.waitForRequest((r) => r.method === 'BYE');
      assert.equal(bob.received.filter((r) => r.method === 'INVITE').length, 2);
      await until('both calls to be over in Yate', () => (yate.log().slice(mark).match(/Returned \w+ 'chan\.hangup'/g) ?? []).length >= 4);

      const afterCalls = await offered(yate);
      const during = sniffed(yate.log().slice(mark));
      assert.ok(during.some((m) => m.name === 'call.execute'), 'the sniffer saw the calls');
      assert.deepEqual(during.filter((m) => m.name === 'msg.execute'), [], 'a voice call dispatches no msg.execute');
      assert.deepEqual(during.filter((m) => m.name !== 'engine.status' && m.name !== 'engine.command' && m.handlers.split(',').some((h) => h.startsWith('yate-chat:'))), []);
      assert.equal(afterCalls - before, 2 * perQuery, `offered went from ${before} to ${afterCalls} across the calls`);

      assert.equal((await alice.message('234', 'and a text')).code, 200);
      await sleep(100);
      assert.ok((await offered(yate)) - afterCalls > perQuery, 'a MESSAGE is offered to the module');
    });
  });
}
