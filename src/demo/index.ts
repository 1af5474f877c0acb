// `yate-chat demo`: the real module against the engine emulator on an embedded scenario,
// printed for a person to read (this is a terminal command: stdout is theirs).
import { toText } from '../protocol/bytes.js';
import { startLab, type Lab } from './lab.js';

const say = (text: string) => process.stdout.write(text + '\n');

export async function runDemo(): Promise<number> {
  say('yate-chat demo: the real module, started like Yate starts it, talking to the engine emulator');
  say('(regfile users 123, 234, 555; lateroute; ysipchan with generate=yes)\n');
  const lab = await startLab();
  let shown = 0;
  const moduleLog = () => {
    for (const e of lab.emu.log.entries.slice(shown)) if (/yate-chat|MESSAGE|PUBLISH/.test(e.line)) say(`    yate log | ${toText(e.line)}`);
    shown = lab.emu.log.entries.length;
  };
  const step = async (title: string, act: (l: Lab) => Promise<number>) => {
    say(`> ${title}`);
    const sentBefore = lab.sip.sent.length;
    const code = await act(lab);
    for (const r of lab.sip.sent.slice(sentBefore)) {
      const date = r.headers.find(([h]) => h === 'Date');
      say(`    ysipchan sent ${r.method} ${r.uri} From ${r.headers.find(([h]) => h === 'From')?.[1] ?? '?'}${date ? ` Date ${date[1]}` : ''} body ${JSON.stringify(toText(r.body ?? ''))} -> ${r.code ?? '...'}`);
    }
    await new Promise((r) => setTimeout(r, 50));
    moduleLog();
    say(`    sender got: ${code}\n`);
  };
  try {
    moduleLog();
    await step('234 registers at sip:234@127.0.0.1:5070', (l) => l.register('234', 5070));
    await step('123 sends "hello" to 234 (generic path: sip.message)', (l) =>
      l.sip.receiveMessage({ path: 'generic', caller: '123', called: '234', type: 'text/plain', body: 'hello' }));
    await step('123 sends "hello again" to 234 (native path: call.route + msg.execute)', (l) =>
      l.sip.receiveMessage({ path: 'native', caller: '123', called: '234', type: 'text/plain', body: 'hello again' }));
    await step('123 sends to 999, a user nobody knows', (l) =>
      l.sip.receiveMessage({ path: 'generic', caller: '123', called: '999', type: 'text/plain', body: 'anyone?' }));
    await step('123 sends a MESSAGE without Content-Type', (l) =>
      l.sip.receiveMessage({ path: 'generic', caller: '123', called: '234' }));
    await step('123 sends to 555, defined but offline: kept for later', (l) =>
      l.sip.receiveMessage({ path: 'generic', caller: '123', called: '555', type: 'text/plain', body: 'call me when you are back' }));
    await step('555 registers: the stored message goes out with its original Date', async (l) => {
      const code = await l.register('555', 5071);
      await l.emu.log.waitForLog(/offline|stored/, 2000).catch(() => null);
      await new Promise((r) => setTimeout(r, 200));
      return code;
    });
    await step('123 PUBLISHes presence "open"', (l) =>
      l.sip.receivePublish({
        caller: '123', called: '123', type: 'application/pidf+xml',
        body: '<?xml version="1.0"?><presence xmlns="urn:ietf:params:xml:ns:pidf" entity="sip:123@127.0.0.1"><tuple id="t1"><status><basic>open</basic></status></tuple></presence>',
      }));
    say('> rmanager: status yate-chat');
    say((await lab.emu.rmanager.status('yate-chat')).replace(/^/gm, '    ').trimEnd());
    say('> rmanager: chat presence');
    say((await lab.emu.rmanager.command('chat presence')).text.replace(/^/gm, '    ').trimEnd());
    lab.emu.assertExactlyOnce();
    say('\nevery message Yate offered the module was answered exactly once.');
    return 0;
  } catch (err) {
    process.stderr.write(`demo failed: ${(err as Error).stack}\n`);
    return 1;
  } finally {
    await lab.close();
  }
}
