// Started the way Yate starts it (scripts/yate-chat, one argument, pipes), the module logs only
// through the protocol: `%%>output:` for info, `%%>debug:LEVEL:` for the rest. Any other text
// on its stdout would come back as `Error in:` from the engine.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import type { Lab } from '../src/demo/lab.js';
import { withLab } from './fixtures/chat-lab.js';
import { toText } from '../src/protocol/bytes.js';

const VERSION = (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version;


/** Nothing but protocol lines came from the module, and the engine complained about none. */
function assertOnlyProtocol(lab: Lab): void {
  const fromModule = lab.link.traffic.filter((t) => t.startsWith('A: '));
  assert.ok(fromModule.length > 0);
  for (const t of fromModule) assert.match(t, /^A: %%[<>]/, t);
  assert.deepEqual(lab.link.traffic.filter((t) => t.startsWith('E: Error in:')), []);
  assert.deepEqual(lab.emu.log.grep(/Error in:|ExtModReceiver/).map((e) => e.line), []);
  assert.deepEqual(lab.emu.log.entries.filter((e) => e.component === 'stderr').map((e) => e.line), []);
}

test('the ready banner reaches Yate\'s log as an output line and nothing else is written on stdout', async () => {
  await withLab({}, async (lab) => {
    const banner = lab.emu.log.grep(/yate-chat \S+ ready/);
    assert.equal(banner.length, 1);
    assert.equal(banner[0]!.component, 'output', 'written with %%>output:, not on stderr');
    assert.match(banner[0]!.text, new RegExp(`^yate-chat ${VERSION.replace(/\./g, '\\.')} ready on stdio: mode=confirmed, rules=${lab.rulesFile!.replace(/\./g, '\\.')}, store=memory, `));
    assert.ok(lab.link.traffic.some((t) => t.startsWith('A: %%>output:yate-chat ') && t.includes(' ready on stdio: ')));
    assertOnlyProtocol(lab);
  });
});

test('per-message log lines and admin commands keep stdout clean (body previews on)', async () => {
  await withLab({ rules: { offline: { store: { kind: 'memory' } }, logBodies: true } }, async (lab) => {
    await lab.register('234', 5070);
    assert.equal(await lab.sip.receiveMessage({ path: 'generic', caller: '123', called: '234', type: 'text/plain', body: 'line one\nline: two' }), 200);
    assert.equal(await lab.sip.receiveMessage({ path: 'native', caller: '123', called: '999', type: 'text/plain', body: 'x' }), 404);
    assert.equal(await lab.sip.receiveMessage({ path: 'generic', caller: '123', called: '234' }), 415);
    await lab.sip.receivePublish({ caller: '123', called: '123', type: 'text/plain', body: 'not pidf' });
    await lab.emu.rmanager.status();
    await lab.emu.rmanager.command('chat stats');
    await lab.emu.rmanager.command('chat send 123 234 hello');
    await lab.emu.rmanager.help('chat');
    // Log text is UTF-8 bytes on the wire; the newline of the body is shown as one symbol.
    const line = await lab.emu.log.waitForLog(/^MESSAGE 123 -> 234 \[text\/plain, 18 B\] "line one[^"]+line: two" => sent on to sip:234@127\.0\.0\.1:5070 by ysipchan/);
    assert.equal(line.component, 'output');
    assert.ok(toText(line.text).includes('"line one\u23celine: two"'), toText(line.text));
    await lab.emu.log.waitForLog(/^MESSAGE 123 -> 999 \[text\/plain, 1 B\] "x" => 404 /);
    await lab.emu.log.waitForLog(/^MESSAGE 123 -> 234 \[no type, 0 B\] "" => 415 /);
    await lab.emu.log.waitForLog(/^PUBLISH 123 \[text\/plain, 8 B\] => 415 presence must be application\/pidf\+xml$/);
    assertOnlyProtocol(lab);
  });
});

test('by default no message body and no presence note reaches Yate\'s log: who, to whom, type, size and outcome only', async () => {
  await withLab({}, async (lab) => {
    await lab.register('234', 5070);
    const secret = 'my PIN is 4711';
    assert.equal(await lab.sip.receiveMessage({ path: 'generic', caller: '123', called: '234', type: 'text/plain', body: secret }), 200);
    assert.equal(await lab.sip.receiveMessage({ path: 'native', caller: '123', called: '555', type: 'text/plain', body: secret }), 202);
    assert.equal(await lab.sip.receivePublish({ caller: '123', called: '123', type: 'application/pidf+xml', body: `<presence><tuple id="t"><status><basic>open</basic></status><note>${secret}</note></tuple></presence>` }), 200);
    await lab.emu.log.waitForLog(/^MESSAGE 123 -> 234 \[text\/plain, 14 B\] => sent on to sip:234@127\.0\.0\.1:5070 by ysipchan/);
    await lab.emu.log.waitForLog(/^MESSAGE 123 -> 555 \[text\/plain, 14 B\] => 202 stored for 555/);
    await lab.emu.log.waitForLog(/^PUBLISH 123 published presence open => 200$/);
    assert.deepEqual(lab.emu.log.grep(/4711/).map((e) => e.line), []);
    // Log lines only: a message that carries the body on to its recipient (an xsip.generate
    // yate-chat emits when it delivers itself) is delivery, not logging.
    const logLines = lab.link.traffic.filter((t) => /^A: %%>(output|debug):/.test(t));
    assert.ok(logLines.length > 0, 'the module logged something');
    assert.deepEqual(logLines.filter((t) => t.includes('4711')), []);
  });
});

test('errors go to Yate\'s log as debug lines with a level', async () => {
  // Without generate=yes nothing handles xsip.generate: the module says so at error level.
  await withLab({ ysipchan: { generate: false } }, async (lab) => {
    await lab.register('234', 5070);
    await lab.sip.receiveMessage({ path: 'generic', caller: '123', called: '234', type: 'text/plain', body: 'hi' });
    const e = await lab.emu.log.waitForLog(/xsip\.generate was not handled: set generate=yes/);
    assert.equal(e.level, 3, 'error -> DebugConf');
    assert.ok(lab.link.traffic.some((t) => /^A: %%>debug:3:xsip\.generate was not handled/.test(t)));
    assertOnlyProtocol(lab);
  });
});
