// rmanager's `chat ...` commands (engine.command), `help` (engine.help) and tab completion,
// against the real module over pipes in the engine emulator.
import assert from 'node:assert/strict';
import { existsSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { Lab } from '../src/demo/lab.js';
import { withLab } from './fixtures/chat-lab.js';
import { fromText, toText } from '../src/protocol/bytes.js';


/** Every line of an rmanager answer ends with CRLF, and there is no bare CR or LF. */
const CRLF_LINES = /^(?:[^\r\n]*\r\n)+$/;

/** `chat ...` as typed at the rmanager console: claimed by us, CRLF-terminated; the lines. */
async function chat(lab: Lab, line: string): Promise<string[]> {
  const r = await lab.emu.rmanager.command(line);
  assert.equal(r.handled, true, `${line} was not handled`);
  assert.match(r.text, CRLF_LINES, `${line}: ${JSON.stringify(r.text)}`);
  return toText(r.text).split('\r\n').slice(0, -1);
}

const USAGE = 'usage: chat {stats|presence [USER]|devices USER|queue [USER]|purge USER|send FROM TO TEXT|reload|group ...|history USER [PEER]|forget USER}';
const ISO = '\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{3}Z';
const OFFLINE_OFF = { rules: { offline: { enabled: false } } };

function pidf(user: string, basic: 'open' | 'closed', note?: string): string {
  return `<?xml version="1.0"?><presence xmlns="urn:ietf:params:xml:ns:pidf" entity="sip:${user}@127.0.0.1">`
    + `<tuple id="t1"><status><basic>${basic}</basic></status>${note ? `<note>${note}</note>` : ''}</tuple></presence>`;
}

// ---------------------------------------------------------------- stats and unknown subcommands

test('chat stats prints the status counters one per line', async () => {
  await withLab({}, async (lab) => {
    await lab.register('234', 5070);
    assert.equal(await lab.sip.receiveMessage({ path: 'generic', caller: '123', called: '234', type: 'text/plain', body: 'hi' }), 200);
    assert.equal(await lab.sip.receiveMessage({ path: 'generic', caller: '123', called: '999', type: 'text/plain', body: 'x' }), 404);
    const out = await chat(lab, 'chat stats');
    assert.deepEqual(out.slice(0, 12), [
      'name: yate-chat', 'type: misc', 'mode: confirmed', 'received: 2', 'handed: 1', 'delivered: 0', 'stored: 0',
      'offline_delivered: 0', 'rejected: 1', 'rejected_404: 1', 'rate_limited: 0', 'presence: 0',
    ]);
    assert.equal(out[12], 'store: memory');
    assert.match(out[13]!, /^rtt_p50_ms: \d+\.\d$/);
    for (const l of out) assert.match(l, /^[a-z0-9_]+: [^\s,;]+$/, l);
  });
});

test('chat with an unknown subcommand, or none, answers the usage line', async () => {
  await withLab({}, async (lab) => {
    assert.deepEqual(await chat(lab, 'chat frobnicate'), [USAGE]);
    assert.deepEqual(await chat(lab, 'chat'), [USAGE]);
    assert.deepEqual(await chat(lab, '  chat   STATS  '), [USAGE]);
  });
});

test('command lines that are not ours are left to the other modules', async () => {
  await withLab({}, async (lab) => {
    for (const line of ['chatter', 'status', 'sip show', 'chats stats']) {
      const r = await lab.emu.rmanager.command(line);
      assert.equal(r.handled, false, line);
      assert.equal(r.text, '', line);
    }
    // extmodule's own command still answers (our handler sits beside it at 100).
    const ext = await lab.emu.rmanager.command('external');
    assert.equal(ext.handled, true);
    assert.match(ext.text, /^1\. .*scripts\/yate-chat /);
  });
});

// ---------------------------------------------------------------- presence

test('chat presence says none before any PUBLISH, then lists the latest one, per user too', async () => {
  await withLab({}, async (lab) => {
    assert.deepEqual(await chat(lab, 'chat presence'), ['no presence known']);
    assert.equal(await lab.sip.receivePublish({ caller: '123', called: '123', type: 'application/pidf+xml', body: pidf('123', 'open', 'at lunch') }), 200);
    assert.equal(await lab.sip.receivePublish({ caller: '555', called: '555', type: 'application/pidf+xml', body: pidf('555', 'closed') }), 200);
    const all = await chat(lab, 'chat presence');
    assert.equal(all.length, 2);
    assert.match(all[0]!, new RegExp(`^123 open "at lunch" since ${ISO}$`));
    assert.match(all[1]!, new RegExp(`^555 closed since ${ISO}$`));
    const one = await chat(lab, 'chat presence 555');
    assert.deepEqual(one, [all[1]]);
    assert.deepEqual(await chat(lab, 'chat presence 999'), ['no presence for 999']);
    // A later PUBLISH replaces the earlier one.
    await lab.sip.receivePublish({ caller: '123', called: '123', type: 'application/pidf+xml', body: pidf('123', 'closed') });
    assert.match((await chat(lab, 'chat presence 123'))[0]!, new RegExp(`^123 closed since ${ISO}$`));
  });
});

test('chat presence keeps a publisher\'s note on its one line, even with CR/LF and quotes in it', async () => {
  await withLab({}, async (lab) => {
    await lab.sip.receivePublish({ caller: '123', called: '123', type: 'application/pidf+xml', body: pidf('123', 'open', 'back\r\nrules reloaded from "x"') });
    const r = await lab.emu.rmanager.command('chat presence');
    assert.match(r.text, CRLF_LINES);
    const out = toText(r.text).split('\r\n').slice(0, -1);
    assert.equal(out.length, 1, JSON.stringify(r.text));
    assert.match(out[0]!, new RegExp(`^123 open "back\\\\r\\\\nrules reloaded from \\\\"x\\\\"" since ${ISO}$`));
  });
});

test('chat presence forgets a user whose PUBLISH had Expires: 0', async () => {
  await withLab({}, async (lab) => {
    await lab.sip.receivePublish({ caller: '123', called: '123', type: 'application/pidf+xml', body: pidf('123', 'open') });
    assert.equal((await chat(lab, 'chat presence')).length, 1);
    assert.equal(await lab.sip.receivePublish({
      caller: '123', called: '123', type: 'application/pidf+xml', body: pidf('123', 'open'), headers: [['event', 'presence'], ['expires', '0']],
    }), 200);
    assert.deepEqual(await chat(lab, 'chat presence'), ['no presence known']);
    assert.deepEqual(await chat(lab, 'chat presence 123'), ['no presence for 123']);
  });
});

test('a PUBLISH that is not PIDF is refused with 415 and leaves presence unchanged', async () => {
  await withLab({}, async (lab) => {
    assert.equal(await lab.sip.receivePublish({ caller: '123', called: '123', type: 'text/plain', body: 'open' }), 415);
    assert.deepEqual(await chat(lab, 'chat presence'), ['no presence known']);
    assert.ok((await chat(lab, 'chat stats')).includes('rejected_415: 1'));
  });
});

// ---------------------------------------------------------------- queue and purge

test('chat queue and purge say the offline store is off when it is', async () => {
  await withLab(OFFLINE_OFF, async (lab) => {
    assert.deepEqual(await chat(lab, 'chat queue'), ['offline store is off']);
    assert.deepEqual(await chat(lab, 'chat queue 555'), ['offline store is off']);
    assert.deepEqual(await chat(lab, 'chat purge 555'), ['offline store is off']);
    assert.deepEqual(await chat(lab, 'chat purge'), ['usage: chat purge USER']);
  });
});

test('chat queue counts stored messages per recipient and lists one user\'s, purge deletes them', async () => {
  await withLab({}, async (lab) => {
    assert.deepEqual(await chat(lab, 'chat queue'), ['no stored messages']);
    assert.deepEqual(await chat(lab, 'chat queue 555'), ['no stored messages for 555']);
    // 555 is defined in regfile but not registered: kept for later (202).
    assert.equal(await lab.sip.receiveMessage({ path: 'generic', caller: '123', called: '555', type: 'text/plain', body: 'call me' }), 202);
    assert.equal(await lab.sip.receiveMessage({ path: 'generic', caller: '234', called: '555', type: 'text/plain', body: fromText('zurück') }), 202);
    assert.equal(await lab.sip.receiveMessage({ path: 'generic', caller: '555', called: '123', type: 'text/plain', body: 'later' }), 202);
    const counts = await chat(lab, 'chat queue');
    assert.equal(counts.length, 2);
    assert.ok(counts.some((l) => new RegExp(`^555: 2 waiting, oldest ${ISO}$`).test(l)), counts.join('\n'));
    assert.ok(counts.some((l) => new RegExp(`^123: 1 waiting, oldest ${ISO}$`).test(l)), counts.join('\n'));
    const list = await chat(lab, 'chat queue 555');
    assert.equal(list.length, 2);
    assert.match(list[0]!, new RegExp(`^#\\d+ ${ISO} from 123 "call me" \\(attempts 0\\)$`));
    assert.match(list[1]!, new RegExp(`^#\\d+ ${ISO} from 234 "zurück" \\(attempts 0\\)$`));
    assert.deepEqual(await chat(lab, 'chat purge'), ['usage: chat purge USER']);
    assert.deepEqual(await chat(lab, 'chat purge 555 123'), ['usage: chat purge USER']);
    assert.deepEqual(await chat(lab, 'chat purge 555'), ['purged 2 message(s) for 555']);
    assert.deepEqual(await chat(lab, 'chat purge 555'), ['purged 0 message(s) for 555']);
    assert.deepEqual(await chat(lab, 'chat queue 555'), ['no stored messages for 555']);
    assert.equal((await chat(lab, 'chat queue')).length, 1);
    const f = await chat(lab, 'chat stats');
    assert.ok(f.includes('stored: 3'), f.join('\n'));
  });
});

test('chat queue and purge report a store that could not be opened instead of failing', async () => {
  // A store path under a regular file: the folder cannot be made, the module runs on without it.
  const unusable = fileURLToPath(new URL('../../package.json/yate-chat.db', import.meta.url));
  await withLab({ rules: { offline: { store: { kind: 'sqlite', path: unusable } } } }, async (lab) => {
    for (const line of ['chat queue', 'chat queue 555', 'chat purge 555']) {
      const out = await chat(lab, line);
      assert.equal(out.length, 1, line);
      assert.ok(out[0]!.startsWith(`store error: store sqlite:${unusable} is unavailable: `), out[0]);
    }
  });
});

// ---------------------------------------------------------------- send

test('chat send delivers the text to a registered user through ysipchan', async () => {
  await withLab({}, async (lab) => {
    await lab.register('234', 5070);
    const before = lab.sip.sent.length;
    const out = await chat(lab, fromText('chat send 123@127.0.0.1 234 hello there, wörld'));
    assert.equal(out.length, 1);
    assert.match(out[0]!, /^200 delivered to sip\/sip:234@127\.0\.0\.1:5070$/);
    const sent = lab.sip.sent.slice(before);
    assert.equal(sent.length, 1);
    const req = sent[0]!;
    assert.equal(req.method, 'MESSAGE');
    assert.equal(req.via, 'xsip.generate');
    assert.equal(req.uri, 'sip:234@127.0.0.1:5070');
    assert.equal(req.type, 'text/plain');
    assert.equal(toText(req.bodyBytes ?? ''), 'hello there, wörld');
    assert.equal(req.code, 200);
    assert.deepEqual(req.headers.filter(([h]) => h === 'From'), [['From', '<sip:123@127.0.0.1>']]);
    assert.ok(!req.headers.some(([h]) => /^contact$/i.test(h)), 'a MESSAGE carries no Contact');
  });
});

test('chat send to an unknown user answers 404 and sends nothing', async () => {
  await withLab({}, async (lab) => {
    assert.deepEqual(await chat(lab, 'chat send 123 999 anyone there?'), ['404 no route to 999']);
    assert.equal(lab.sip.sent.length, 0);
  });
});

test('chat send to a defined user who is offline keeps the text for later', async () => {
  await withLab({}, async (lab) => {
    const out = await chat(lab, 'chat send 123 555 see you');
    assert.match(out[0]!, /^202 stored for 555/);
    assert.match((await chat(lab, 'chat queue 555'))[0]!, /from 123 "see you"/);
  });
});

test('chat send without a text answers its usage', async () => {
  await withLab({}, async (lab) => {
    for (const line of ['chat send', 'chat send 123', 'chat send 123 234', 'chat send 123 234   ']) {
      assert.deepEqual(await chat(lab, line), ['usage: chat send FROM TO TEXT'], line);
    }
    assert.equal(lab.sip.sent.length, 0);
  });
});

// ---------------------------------------------------------------- reload

test('chat reload applies a good rules file: a caller denied afterwards gets 403', async () => {
  await withLab({}, async (lab) => {
    await lab.register('234', 5070);
    const msg = () => lab.sip.receiveMessage({ path: 'generic', caller: '123', called: '234', type: 'text/plain', body: 'hi' });
    assert.equal(await msg(), 200);
    writeFileSync(lab.rulesFile!, JSON.stringify({ offline: { store: { kind: 'memory' } }, deny: { callers: ['123'] } }));
    assert.deepEqual(await chat(lab, 'chat reload'), [`rules reloaded from ${lab.rulesFile}`]);
    assert.equal(await msg(), 403);
    assert.equal(await lab.sip.receiveMessage({ path: 'generic', caller: '555', called: '234', type: 'text/plain', body: 'hi' }), 200);
  });
});

test('chat reload of a broken file keeps the old rules and names the bad field', async () => {
  await withLab({}, async (lab) => {
    await lab.register('234', 5070);
    const msg = () => lab.sip.receiveMessage({ path: 'generic', caller: '123', called: '234', type: 'text/plain', body: 'hi' });
    writeFileSync(lab.rulesFile!, JSON.stringify({ offline: { store: { kind: 'memory' } }, deny: { callers: ['123'] } }));
    await chat(lab, 'chat reload');
    assert.equal(await msg(), 403);
    writeFileSync(lab.rulesFile!, JSON.stringify({ offline: { store: { kind: 'memory' } }, rateLimit: { messages: 0 } }));
    const out = await chat(lab, 'chat reload');
    assert.equal(out[0], 'reload failed, the old rules stay in force:');
    const why = out.slice(1).join('\n');
    assert.ok(why.includes(lab.rulesFile!), why);
    assert.match(why, /rateLimit\.messages: expected a positive integer/);
    assert.equal(await msg(), 403, 'the deny rule of the last good file still holds');
    // Not JSON at all: also refused, also said why.
    writeFileSync(lab.rulesFile!, '{ "deny": ');
    const out2 = await chat(lab, 'chat reload');
    assert.equal(out2[0], 'reload failed, the old rules stay in force:');
    assert.ok(out2.length > 1);
    assert.equal(await msg(), 403);
  });
});

// Issue 21, finding 9: the reload checked its regexes on the module's thread, and a MESSAGE
// waited for it (4.8 s).
test('chat reload keeps routing: a MESSAGE offered while the reload checks new regexes is answered before the reload is', async () => {
  await withLab({}, async (lab) => {
    await lab.register('234', 5070);
    // Safe regexes the checker takes a while over (Unicode classes), new to the module.
    const slow = ['/^\\p{L}[\\p{L}\\p{N}]*$/u', '/^[\\p{L}\\p{N}._-]{1,64}$/u', '/^(?:\\p{Lu}|\\p{Ll}){1,30}$/u', '/^[\\p{L}\\p{N}]{1,30}@[\\p{L}]{1,30}$/u'];
    writeFileSync(lab.rulesFile!, JSON.stringify({ offline: { store: { kind: 'memory' } }, deny: { callees: slow } }));
    const order: string[] = [];
    const reloading = chat(lab, 'chat reload').then((out) => void order.push(`reload: ${out[0]}`));
    await lab.link.waitForTraffic(/^E: %%>message:[^:]*:\d+:engine\.command:.*chat reload/);
    const code = await lab.sip.receiveMessage({ path: 'generic', caller: '123', called: '234', type: 'text/plain', body: 'during the reload' });
    order.push(`MESSAGE: ${code}`);
    await reloading;
    assert.deepEqual(order, ['MESSAGE: 200', `reload: rules reloaded from ${lab.rulesFile}`]);
  });
});

test('chat reload after a change of offline.store says a restart is needed and keeps the store it runs with', async () => {
  await withLab({}, async (lab) => {
    await lab.register('234', 5070);
    const dbPath = path.join(lab.dir, 'new.db');
    writeFileSync(lab.rulesFile!, JSON.stringify({ offline: { store: { kind: 'sqlite', path: dbPath } }, deny: { callers: ['666'] } }));
    assert.deepEqual(await chat(lab, 'chat reload'), [
      `rules reloaded from ${lab.rulesFile}, but not these changes, which the module reads only at start:`,
      '  offline.store',
      'they keep their old values until the module restarts (a Yate restart; in socket mode, the yate-chat service\'s)',
    ]);
    // What could be applied was: 666 is refused now. The store is still the one it started with.
    assert.equal(await lab.sip.receiveMessage({ path: 'generic', caller: '666', called: '234', type: 'text/plain', body: 'hi' }), 403);
    assert.match(await lab.emu.rmanager.status('yate-chat'), /,store=memory,/);
    assert.equal(existsSync(dbPath), false, 'no new store opened');
    // Back to the rules it started with: nothing waits for a restart any more.
    writeFileSync(lab.rulesFile!, JSON.stringify({ offline: { store: { kind: 'memory' } } }));
    assert.deepEqual(await chat(lab, 'chat reload'), [`rules reloaded from ${lab.rulesFile}`]);
  });
});

test('chat reload names every start-only field the file changes: the store\'s limits, the retry period, presence.subscribe and http', async () => {
  await withLab({}, async (lab) => {
    writeFileSync(lab.rulesFile!, JSON.stringify({
      offline: { store: { kind: 'memory' }, quotaPerRecipient: 5, retryIntervalSeconds: 30 },
      presence: { subscribe: false },
      http: { listen: '127.0.0.1:0' },
      log: 'debug',
    }));
    const out = await chat(lab, 'chat reload');
    assert.equal(out[1], '  offline.quotaPerRecipient, offline.retryIntervalSeconds, presence.subscribe, http');
    // Presence subscriptions are still served: the handler stays installed until a restart.
    await lab.register('234', 5070);
    assert.equal(await lab.sip.receiveSubscribe({ caller: '123', called: '234', contact: 'sip:123@127.0.0.1:5071', callid: 'sub-1@127.0.0.1', fromTag: 'w1' }), 200);
  });
});

test('chat reload without a rules file at start says there is nothing to reload', async () => {
  await withLab({ noRules: true }, async (lab) => {
    assert.deepEqual(await chat(lab, 'chat reload'), ['no rules file was given at start; nothing to reload']);
  });
});

// ---------------------------------------------------------------- help and completion

test('help lists the chat command and help chat gives the detailed help', async () => {
  await withLab({}, async (lab) => {
    const all = await lab.emu.rmanager.help();
    assert.equal(all.handled, false, 'the help overview is everybody\'s');
    assert.match(all.text, CRLF_LINES);
    assert.ok(all.text.includes('  chat {stats|presence [USER]|devices USER|queue [USER]|purge USER|send FROM TO TEXT|reload|group ...|history USER [PEER]|forget USER}\r\n'), all.text);
    assert.ok(all.text.includes('  external [info]'), 'extmodule\'s help line survives');
    const one = await lab.emu.rmanager.help('chat');
    assert.equal(one.handled, true);
    assert.match(one.text, CRLF_LINES);
    for (const sub of ['chat stats', 'chat presence [USER]', 'chat devices USER', 'chat queue [USER]', 'chat purge USER', 'chat send FROM TO TEXT', 'chat reload', 'chat group [NAME]', 'chat group delete NAME', 'chat history USER [PEER] [before=CURSOR]', 'chat forget USER']) {
      assert.match(one.text, new RegExp(`^  ${sub.replace(/[[\]]/g, '\\$&')}  +\\S`, 'm'), sub);
    }
    const other = await lab.emu.rmanager.help('external');
    assert.doesNotMatch(other.text, /chat/);
  });
});

test('completion offers chat for the first word and the subcommands after it', async () => {
  await withLab({}, async (lab) => {
    const complete = async (partline: string, partword: string, retval = '') => {
      const r = await lab.emu.dispatch('engine.command', [['partline', partline], ['partword', partword]], retval);
      assert.equal(r.handled, false, 'completion is shared: nobody claims it');
      return r.message.retval;
    };
    assert.equal(await complete('', 'ch'), 'chat');
    assert.equal(await complete('', 'x'), '');
    assert.equal(await complete('', 'ch', 'channels'), 'channels\tchat');
    assert.equal(await complete('chat', 'p'), 'presence\tpurge');
    assert.equal(await complete('chat', 're'), 'reload');
    assert.equal(await complete('chat', ''), 'stats\tpresence\tdevices\tqueue\tpurge\tsend\treload\tgroup\thistory\tforget');
    assert.equal(await complete('chat', 'z'), '');
    assert.equal(await complete('help', 'c'), 'chat');
    assert.equal(await complete('status', 'yate'), 'yate-chat');
    assert.equal(await complete('external', 'p'), '');
  });
});
