// examples/auto-responder.ts (compiled) and examples/auto-responder.mjs (plain JavaScript, run as
// it is), the routing script the docs show on the light entry, each run the way Yate runs a
// script (one argument, over pipes) against the engine emulator with regfile and ysipchan on the
// generic path. They import 'yate-chat/extmodule' as a user's script does (the package resolves
// itself by name).
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { test, type TestContext } from 'node:test';
import { fileURLToPath } from 'node:url';
import { Emulator, type ModuleLink, type Ysipchan } from '../src/emulator/index.js';
import { fromText, toText } from '../src/protocol/bytes.js';

/** The compiled TypeScript example (dist/test -> dist/examples), run by node with it as argument;
 *  the JavaScript one from the source tree, executed itself (its shebang, its run bit) as Yate does. */
const VARIANTS = [
  { name: 'TypeScript', file: process.execPath, arg: fileURLToPath(new URL('../examples/auto-responder.js', import.meta.url)) },
  { name: 'JavaScript', file: fileURLToPath(new URL('../../examples/auto-responder.mjs', import.meta.url)), arg: undefined },
] as const;
type Variant = (typeof VARIANTS)[number];

async function withExample(t: TestContext, v: Variant): Promise<{ emu: Emulator; sip: Ysipchan; link: ModuleLink }> {
  const emu = new Emulator({ timeout: 10000 });
  t.after(() => emu.close());
  emu.useRegfile({ users: ['123', '234', '666', 'helpdesk'] });
  const sip = emu.useYsipchan({ generate: true });
  const link = emu.spawn(v.file, v.arg);
  await link.waitForTraffic(/^E: %%<install:50:sip\.message:true$/, 15000);
  return { emu, sip, link };
}

for (const v of VARIANTS) {
  test(`the ${v.name} auto-responder example answers a MESSAGE to helpdesk 200 and sends the sender its reply at the contact it registered`, async (t) => {
    const { emu, sip } = await withExample(t, v);
    assert.equal(await sip.receiveRegister({ user: '123', contact: 'sip:123@127.0.0.1:5071' }), 200);
    assert.equal(await sip.receiveMessage({ path: 'generic', caller: '123', called: 'helpdesk', type: 'text/plain', body: 'my phone is broken' }), 200);
    const reply = await waitFor(() => sip.sent.find((r) => r.uri === 'sip:123@127.0.0.1:5071'));
    assert.equal(reply.method, 'MESSAGE');
    assert.equal(toText(reply.bodyBytes!), 'Thanks! The helpdesk answers within a working day. ☺');
    assert.equal(reply.type, 'text/plain');
    assert.deepEqual([header(reply, 'From'), header(reply, 'To')], ['<sip:helpdesk@example.org>', '<sip:123@example.org>']);
    assert.equal(sip.sent.length, 1, 'one reply, nothing else sent');
    emu.assertExactlyOnce();
  });

  test(`the ${v.name} auto-responder example refuses a sender on its deny list with 403 and sends no reply`, async (t) => {
    const { emu, sip } = await withExample(t, v);
    await sip.receiveRegister({ user: '666', contact: 'sip:666@127.0.0.1:5072' });
    assert.equal(await sip.receiveMessage({ path: 'generic', caller: '666', called: 'helpdesk', type: 'text/plain', body: fromText('¿hola?') }), 403);
    assert.equal(await sip.receiveMessage({ path: 'generic', caller: '666', called: '234', type: 'text/plain', body: 'hi' }), 403);
    assert.deepEqual(sip.sent, []);
    emu.assertExactlyOnce();
  });

  test(`the ${v.name} auto-responder example leaves other MESSAGEs to the next handler, and logs when it finds no route back`, async (t) => {
    const { emu, sip } = await withExample(t, v);
    let seen = 0;
    emu.install('sip.message', 60, (m) => {
      seen++;
      m.setParam('code', '202');
      return true;
    });
    assert.equal(await sip.receiveMessage({ path: 'generic', caller: '123', called: '234', type: 'text/plain', body: 'hi' }), 202);
    assert.equal(seen, 1, 'the handler after the example got the MESSAGE');
    // 234 never registered: regfile has no route back, the sender still got its 200.
    assert.equal(await sip.receiveMessage({ path: 'generic', caller: '234', called: 'helpdesk', type: 'text/plain', body: 'x' }), 200);
    await emu.log.waitForLog(/no route back to 234/, 5000);
    assert.deepEqual(sip.sent, []);
    emu.assertExactlyOnce();
  });

  test(`the ${v.name} auto-responder example ends cleanly, exit 0 and nothing on stderr, when Yate closes the link before it answered install`, async () => {
    const child = spawn(v.file, v.arg ? [v.arg] : [], { stdio: ['pipe', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    // The first line out is the first request of the start-up: close stdin without answering it.
    child.stdout.once('data', () => child.stdin.end());
    const code = await new Promise<number | null>((resolve) => child.on('close', (c) => resolve(c)));
    assert.deepEqual([code, stderr], [0, '']);
  });
}

test('docs/library.md shows the example as examples/auto-responder.mjs has it, but for its opening comment', () => {
  const root = new URL('../../', import.meta.url);
  const page = readFileSync(new URL('docs/library.md', root), 'utf8');
  const shown = /```js\n(#!\/usr\/bin\/env node\n[\s\S]*?)```/.exec(page)?.[1];
  const source = readFileSync(new URL('examples/auto-responder.mjs', root), 'utf8').replace(/^(#!.*\n)(\/\/.*\n)+/, '$1');
  assert.equal(shown, source);
});

function header(req: { readonly headers: ReadonlyArray<readonly [string, string]> }, name: string): string | undefined {
  return req.headers.find(([h]) => h === name)?.[1];
}

async function waitFor<T>(f: () => T | undefined, ms = 5000): Promise<T> {
  for (const until = Date.now() + ms; ; await new Promise((r) => setTimeout(r, 5))) {
    const v = f();
    if (v !== undefined) return v;
    if (Date.now() > until) throw new Error(`nothing within ${ms} ms`);
  }
}

test('the JavaScript example is the TypeScript one without its type annotations, so the two never drift apart', () => {
  const root = new URL('../../', import.meta.url);
  const body = (file: string) => readFileSync(new URL(file, root), 'utf8').replace(/^(#!.*\n)(\/\/.*\n)+/, '$1');
  const stripped = body('examples/auto-responder.ts').replace(/\((\w+): \w+\)(: Promise<void>)?/g, '($1)');
  assert.equal(body('examples/auto-responder.mjs'), stripped);
});
