// Presence subscriptions through the emulated ysipchan ([methods] subscribe=yes) and the real
// module: SUBSCRIBE answered with Expires and Contact, NOTIFYs in the subscription's dialog
// carrying the presentity's PIDF on every change, refresh, unsubscribe, expiry, policy, bounds,
// a watcher that answers 481, and other events left untouched for other modules.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test, type TestContext } from 'node:test';
import type { Lab } from '../src/demo/lab.js';
import type { SipRequest, SubscribeOptions } from '../src/emulator/index.js';
import { localOf } from '../src/chat/presence/contact.js';
import { readPidf } from '../src/chat/presence/pidf-read.js';
import { command, header, rules, until, withLab } from './fixtures/chat-lab.js';

const WATCHER_CONTACT = 'sip:123@127.0.0.1:5080';
const pidf = (basic: string, note: string) =>
  `<?xml version="1.0"?><presence xmlns="urn:ietf:params:xml:ns:pidf" entity="sip:234@127.0.0.1"><tuple id="t"><status><basic>${basic}</basic></status><note>${note}</note></tuple></presence>`;

interface Answer { code: number; headers: Map<string, string>; dlgtag: string }

async function subscribe(lab: Lab, o: Partial<SubscribeOptions> = {}): Promise<Answer> {
  const code = await lab.sip.receiveSubscribe({ caller: '123', called: '234', contact: WATCHER_CONTACT, callid: 'sub-1@127.0.0.1', fromTag: 'watcher1', ...o });
  const rec = lab.sip.incoming.at(-1)!;
  return { code, headers: new Map(rec.answerHeaders.map(([k, v]) => [k, v])), dlgtag: rec.message.getParam('xsip_dlgtag') ?? '' };
}

const notifies = (lab: Lab): SipRequest[] => lab.sip.sent.filter((r) => r.method === 'NOTIFY');

/** Wait for the n-th NOTIFY (1-based) to be answered. */
function nthNotify(lab: Lab, n: number): Promise<SipRequest> {
  return until(`NOTIFY #${n}`, () => notifies(lab).filter((r) => r.code !== null)[n - 1]);
}

/** A PUBLISH from 234's device at `o.port` (another port is another device; default 5072). */
function publish(lab: Lab, body: string, o: { ifMatch?: string; expires?: number; port?: number } = {}): Promise<number> {
  const headers: [string, string][] = [['event', 'presence']];
  if (o.ifMatch) headers.push(['sip-if-match', o.ifMatch]);
  if (o.expires !== undefined) headers.push(['expires', String(o.expires)]);
  return lab.sip.receivePublish({ caller: '234', called: '234', headers, type: 'application/pidf+xml', body, ...(o.port ? { port: o.port } : {}) });
}

const tuples = (req: SipRequest) => [...req.bodyBytes!.matchAll(/<tuple id="[^"]*"><status>(?:<basic>(\w+)<\/basic>)?<\/status>(?:<note>([^<]*)<\/note>)?/g)].map((m) => `${m[1]} ${m[2] ?? ''}`.trim());

test('a SUBSCRIBE for presence is answered 200 with Expires and Contact, and the first NOTIFY goes out at once inside its dialog', async () => {
  await withLab({}, async (lab) => {
    await lab.register('123', 5080);
    const a = await subscribe(lab, { expires: 600 });
    assert.equal(a.code, 200);
    assert.equal(a.headers.get('Expires'), '600');
    assert.equal(a.headers.get('Contact'), '<sip:234@127.0.0.1:5060>');
    const n = await nthNotify(lab, 1);
    assert.equal(n.uri, WATCHER_CONTACT);
    assert.equal(header(n, 'From'), `<sip:234@127.0.0.1>;tag=${a.dlgtag}`, 'From: the presentity, with the To tag of our answer');
    assert.equal(header(n, 'To'), '"Sender 123" <sip:123@127.0.0.1>;tag=watcher1', 'To: the watcher\'s From, with its tag');
    assert.equal(header(n, 'Call-ID'), 'sub-1@127.0.0.1');
    assert.equal(header(n, 'CSeq'), '1 NOTIFY');
    assert.equal(header(n, 'Event'), 'presence');
    assert.match(header(n, 'Subscription-State') ?? '', /^active;expires=(600|599)$/);
    assert.equal(n.type, 'application/pidf+xml');
    assert.equal(n.params.find(([k]) => k === 'wait')?.[1], 'true');
    assert.match(n.bodyBytes!, /entity="sip:234@127\.0\.0\.1"/);
    // 234 was never seen registering and regfile has no route for it: closed.
    assert.deepEqual(readPidf(n.bodyBytes!).basic, 'closed');
  });
});

test('each change of the presentity makes a NOTIFY with a higher CSeq: register, PUBLISH, a second device, unregister', async () => {
  await withLab({}, async (lab) => {
    await lab.register('123', 5080);
    assert.equal((await subscribe(lab)).code, 200);
    await nthNotify(lab, 1);
    await lab.register('234', 5090);
    assert.deepEqual(tuples(await nthNotify(lab, 2)), ['open online']);
    assert.equal(await publish(lab, pidf('open', 'at my desk')), 200);
    assert.deepEqual(tuples(await nthNotify(lab, 3)), ['open at my desk']);
    assert.equal(await publish(lab, pidf('closed', 'phone in the drawer'), { port: 5091 }), 200);
    assert.deepEqual(tuples(await nthNotify(lab, 4)), ['open at my desk', 'closed phone in the drawer'], 'open devices first');
    await lab.sip.receiveRegister({ user: '234', contact: 'sip:234@127.0.0.1:5090', expires: 0 });
    assert.deepEqual(tuples(await nthNotify(lab, 5)), ['closed offline'], 'unregistered: closed, whatever was published');
    const cseqs = notifies(lab).map((r) => Number.parseInt(header(r, 'CSeq')!, 10));
    assert.deepEqual(cseqs, [1, 2, 3, 4, 5]);
    assert.ok(notifies(lab).every((r) => header(r, 'Call-ID') === 'sub-1@127.0.0.1'));
  });
});

test('a PUBLISH that changes nothing the watcher sees sends no NOTIFY; a modified note does', async () => {
  await withLab({}, async (lab) => {
    await lab.register('234', 5090);
    await lab.register('123', 5080);
    await subscribe(lab);
    await nthNotify(lab, 1);
    await publish(lab, pidf('open', 'first'));
    await nthNotify(lab, 2);
    const tag = lab.sip.incoming.at(-1)!.message.getParam('osip_SIP-ETag')!;
    // A body-less refresh keeps the state: nothing to tell.
    assert.equal(await lab.sip.receivePublish({ caller: '234', called: '234', headers: [['event', 'presence'], ['sip-if-match', tag], ['expires', '600']] }), 200);
    const fresh = lab.sip.incoming.at(-1)!.message.getParam('osip_SIP-ETag')!;
    assert.equal(await publish(lab, pidf('open', 'second'), { ifMatch: fresh }), 200);
    assert.deepEqual(tuples(await nthNotify(lab, 3)), ['open second'], 'the modified publication replaces the first');
    await command(lab, 'chat stats');
    assert.equal(notifies(lab).length, 3);
  });
});

test('a refresh in the dialog is answered 200 and NOTIFYs the state again; Expires 0 ends it with a terminated NOTIFY', async () => {
  await withLab({}, async (lab) => {
    await lab.register('123', 5080);
    const a = await subscribe(lab);
    await nthNotify(lab, 1);
    const r = await subscribe(lab, { toTag: a.dlgtag, expires: 300 });
    assert.equal(r.code, 200);
    assert.equal(r.headers.get('Expires'), '300');
    const second = await nthNotify(lab, 2);
    assert.equal(header(second, 'CSeq'), '2 NOTIFY');
    assert.match(header(second, 'Subscription-State') ?? '', /^active;expires=(300|299)$/);
    assert.equal(await command(lab, 'chat presence 234'), '234 no presence published, watched by 123\r\n');
    const u = await subscribe(lab, { toTag: a.dlgtag, expires: 0 });
    assert.equal(u.code, 200);
    assert.equal(u.headers.get('Expires'), '0');
    const last = await nthNotify(lab, 3);
    assert.equal(header(last, 'Subscription-State'), 'terminated;reason=timeout');
    assert.equal(header(last, 'CSeq'), '3 NOTIFY');
    assert.equal(await command(lab, 'chat presence'), 'no presence known\r\n');
    // The dialog is gone: a refresh now is 481.
    assert.equal((await subscribe(lab, { toTag: a.dlgtag, expires: 300 })).code, 481);
  });
});

test('Expires below presence.minExpires gets 423 with Min-Expires; above maxExpires it is cut; none gets the default', async () => {
  await withLab({ rules: rules({ presence: { minExpires: 120, maxExpires: 900, defaultExpires: 600 } }) }, async (lab) => {
    const short = await subscribe(lab, { expires: 30 });
    assert.equal(short.code, 423);
    assert.equal(short.headers.get('Min-Expires'), '120');
    assert.equal((await subscribe(lab, { expires: 5000, callid: 'long@h' })).headers.get('Expires'), '900');
    assert.equal((await subscribe(lab, { callid: 'none@h' })).headers.get('Expires'), '600');
  });
});

test('other events are left untouched for other modules: not processed, no code, no header set', async () => {
  await withLab({}, async (lab) => {
    for (const event of ['dialog', 'message-summary', 'presence.winfo', 'presencex']) {
      const a = await subscribe(lab, { event, callid: `${event}@h` });
      assert.equal(a.code, 405, `${event}: nobody here serves it (Yate's sipfeatures would answer 489)`);
      const m = lab.sip.incoming.at(-1)!.message;
      assert.equal(m.getParam('code'), undefined, event);
      assert.deepEqual(a.headers.size, 0, event);
    }
    assert.equal((await subscribe(lab, { event: null, callid: 'noevent@h' })).code, 405);
    await command(lab, 'chat stats');
    assert.equal(notifies(lab).length, 0);
  });
});

test('who may watch whom: deny lists and "local" refuse with 403, "anyone" lets any name be watched', async () => {
  await withLab({ rules: rules({ presence: { deny: { watchers: ['123'], presentities: ['/^5/'] } } }) }, async (lab) => {
    assert.equal((await subscribe(lab)).code, 403, 'denied watcher');
    assert.equal((await subscribe(lab, { caller: '234', called: '555', callid: 'x@h' })).code, 403, 'denied presentity');
    assert.equal((await subscribe(lab, { caller: '234', called: '123', callid: 'y@h' })).code, 200);
  });
  await withLab({}, async (lab) => {
    assert.equal((await subscribe(lab, { called: 'nobody', callid: 'a@h' })).code, 403, 'not a user of this server');
    assert.equal((await subscribe(lab, { called: '555', callid: 'b@h' })).code, 200, 'defined in regfile (routers say offline)');
    assert.equal((await subscribe(lab, { username: '', callid: 'c@h' })).code, 401, 'ysipchan challenges an unauthenticated SUBSCRIBE');
  });
  await withLab({ rules: rules({ presence: { watchers: 'anyone' } }) }, async (lab) => {
    assert.equal((await subscribe(lab, { called: 'nobody', callid: 'a@h' })).code, 200);
  });
});

test('subscriptions are bounded per watcher (403) and in total (503 with Retry-After)', async () => {
  await withLab({ rules: rules({ presence: { maxPerWatcher: 1, maxSubscriptions: 2 } }) }, async (lab) => {
    assert.equal((await subscribe(lab, { callid: '1@h' })).code, 200);
    assert.equal((await subscribe(lab, { callid: '2@h', called: '555' })).code, 403);
    assert.equal((await subscribe(lab, { caller: '234', called: '123', callid: '3@h' })).code, 200);
    const full = await subscribe(lab, { caller: '555', called: '123', callid: '4@h' });
    assert.equal(full.code, 503);
    assert.match(full.headers.get('Retry-After') ?? '', /^\d+$/);
  });
});

test('a NOTIFY answered 481 ends the subscription: later changes send nothing to that watcher', async () => {
  await withLab({ ysipchan: { responder: (req) => (req.method === 'NOTIFY' ? 481 : undefined) } }, async (lab) => {
    assert.equal((await subscribe(lab)).code, 200);
    assert.equal((await nthNotify(lab, 1)).code, 481);
    await until('the subscription to be gone', async () => (await command(lab, 'chat presence')) === 'no presence known\r\n');
    await publish(lab, pidf('open', 'anyone there?'));
    await command(lab, 'chat stats');
    assert.equal(notifies(lab).length, 1);
  });
});

test('a NOTIFY the watcher never answers (408) ends the subscription too', async () => {
  await withLab({}, async (lab) => {
    // The watcher's contact is not registered: the emulated far end gives 408.
    assert.equal((await subscribe(lab)).code, 200);
    assert.equal((await nthNotify(lab, 1)).code, 408);
    await until('the subscription to be gone', async () => (await command(lab, 'chat presence')) === 'no presence known\r\n');
  });
});

test('a subscription that is not refreshed expires with a terminated NOTIFY', async () => {
  await withLab({ rules: rules({ presence: { minExpires: 1 } }) }, async (lab) => {
    await lab.register('123', 5080);
    assert.equal((await subscribe(lab, { expires: 1 })).code, 200);
    await nthNotify(lab, 1);
    const last = await nthNotify(lab, 2);
    assert.equal(header(last, 'Subscription-State'), 'terminated;reason=timeout');
    assert.equal(await command(lab, 'chat presence'), 'no presence known\r\n');
  });
});

test('an expired PUBLISH of a watched user is told to its watchers', async () => {
  await withLab({}, async (lab) => {
    await lab.register('123', 5080);
    await lab.register('234', 5090);
    await subscribe(lab);
    await nthNotify(lab, 1);
    await publish(lab, pidf('closed', 'back in 2 s'), { expires: 1 });
    assert.deepEqual(tuples(await nthNotify(lab, 2)), ['closed back in 2 s']);
    assert.deepEqual(tuples(await nthNotify(lab, 3)), ['open online'], 'the publication expired: the registration speaks again');
  });
});

test('Expires 0 outside a dialog is a fetch: one terminated NOTIFY with the state, nothing kept', async () => {
  await withLab({}, async (lab) => {
    await lab.register('123', 5080);
    await lab.register('234', 5090);
    const a = await subscribe(lab, { expires: 0 });
    assert.equal(a.code, 200);
    const n = await nthNotify(lab, 1);
    assert.equal(header(n, 'Subscription-State'), 'terminated;reason=timeout');
    assert.deepEqual(tuples(n), ['open online']);
    assert.equal(await command(lab, 'chat presence'), 'no presence known\r\n');
  });
});

test('our Contact is the local address and port the SUBSCRIBE arrived on, not the request URI without a port, in the 200, every NOTIFY and a refresh', async () => {
  await withLab({ ysipchan: { localAddress: '127.0.0.1:34567' } }, async (lab) => {
    await lab.register('123', 5080);
    const a = await subscribe(lab, { expires: 600, uri: 'sip:234@127.0.0.1' });
    assert.equal(a.headers.get('Contact'), '<sip:234@127.0.0.1:34567>');
    assert.equal(header(await nthNotify(lab, 1), 'Contact'), '<sip:234@127.0.0.1:34567>');
    const r = await subscribe(lab, { expires: 600, uri: 'sip:234@127.0.0.1', toTag: a.dlgtag });
    assert.deepEqual([r.code, r.headers.get('Contact')], [200, '<sip:234@127.0.0.1:34567>']);
    assert.equal(header(await nthNotify(lab, 2), 'Contact'), '<sip:234@127.0.0.1:34567>');
  });
});

test('a listener bound to every address gives the port; the host is the one the watcher wrote, and TCP says so', async () => {
  await withLab({ ysipchan: { localAddress: '0.0.0.0:5070' }, rules: rules({ presence: { watchers: 'anyone' } }) }, async (lab) => {
    await lab.register('123', 5080);
    const udp = await subscribe(lab, { uri: 'sip:234@chat.example.com', to: '<sip:234@chat.example.com>' });
    assert.equal(udp.headers.get('Contact'), '<sip:234@chat.example.com:5070>');
    const tcp = await subscribe(lab, { uri: 'sip:234@[2001:db8::5]:5060', transport: 'TCP', connectionId: 'tcp-1', callid: 'sub-2@127.0.0.1' });
    assert.equal(tcp.headers.get('Contact'), '<sip:234@[2001:db8::5]:5070;transport=tcp>');
  });
});

test('when Yate does not say where the SUBSCRIBE arrived, our Contact is its request URI as written, and Yate\'s log says so once', async () => {
  await withLab({}, async (lab) => {
    // A module before ysipchan that answers every status request itself, with nothing in it.
    lab.emu.install('engine.status', 50, (m) => (m.getParam('module') ?? '').startsWith('sip transports'));
    await lab.register('123', 5080);
    assert.equal((await subscribe(lab, { uri: 'sip:234@127.0.0.1' })).headers.get('Contact'), '<sip:234@127.0.0.1>');
    assert.equal((await subscribe(lab, { uri: 'sip:234@127.0.0.1:5060', callid: 'sub-2@127.0.0.1' })).headers.get('Contact'), '<sip:234@127.0.0.1:5060>');
    await lab.emu.log.waitForLog(/ysipchan did not say the local address of its transport general/);
    assert.equal(lab.emu.log.grep(/did not say the local address/).length, 1);
  });
});

test('ysipchan\'s transport status line is read for its local address, IPv4 or IPv6', () => {
  assert.deepEqual(localOf('module=sip,protocol=SIP;name=general,protocol=UDP,status=Connected,statustime=208,local=127.0.0.1:57922,lines=,references=2,reason=\r\n'), { host: '127.0.0.1', port: '57922' });
  assert.deepEqual(localOf('module=sip,protocol=SIP;name=tcp-7,protocol=TCP,local=[2001:db8::1]:5061,remote=[2001:db8::2]:40000'), { host: '[2001:db8::1]', port: '5061' });
  assert.equal(localOf('module=sip,protocol=SIP;\r\n'), null);
  assert.equal(localOf('name=x,local=nonsense'), null);
});

test('malformed SUBSCRIBEs get a clear code: no Contact 400, an Accept without PIDF 406, a bad Expires 400', async () => {
  await withLab({}, async (lab) => {
    assert.equal((await subscribe(lab, { contact: null, callid: '1@h' })).code, 400);
    assert.equal((await subscribe(lab, { accept: 'application/xpidf+xml', callid: '2@h' })).code, 406);
    assert.equal((await subscribe(lab, { accept: 'application/pidf+xml, application/xpidf+xml', callid: '3@h' })).code, 200);
    assert.equal((await subscribe(lab, { headers: [['expires', 'soon']], callid: '4@h' })).code, 400);
    assert.equal((await subscribe(lab, { fromTag: '', from: '<sip:123@127.0.0.1>', callid: '5@h' })).code, 400);
  });
});

test('chat presence shows each presentity with its watchers; status counts the subscriptions', async () => {
  await withLab({}, async (lab) => {
    await lab.register('123', 5080);
    await subscribe(lab);
    await subscribe(lab, { caller: '555', callid: 'other@h', fromTag: 'w555', contact: 'sip:555@127.0.0.1:5081' });
    await publish(lab, pidf('open', 'here'));
    assert.match(await command(lab, 'chat presence'), /^234 open "here" since \S+ watched by 123, 555\r\n$/);
    assert.match(await command(lab, 'chat stats'), /^subscriptions: 2\r$/m);
  });
});

function tempDir(t: TestContext): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'yate-chat-subs-'));
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  return dir;
}

test('a subscription kept in SQLite survives a module restart: the next change reaches the watcher with a higher CSeq', async (t) => {
  const db = path.join(tempDir(t), 'chat.db');
  const sqlite = { offline: { store: { kind: 'sqlite', path: db } } };
  let dlgtag = '';
  await withLab({ rules: sqlite }, async (lab) => {
    await lab.register('123', 5080);
    await lab.register('234', 5090);
    dlgtag = (await subscribe(lab)).dlgtag;
    await nthNotify(lab, 1);
    await publish(lab, pidf('open', 'before the restart'));
    await nthNotify(lab, 2);
  });
  await withLab({ rules: sqlite }, async (lab) => {
    await lab.register('123', 5080);
    assert.match(await command(lab, 'chat presence'), /^234 no presence published, watched by 123\r\n$/);
    await publish(lab, pidf('open', 'after the restart'));
    const n = await nthNotify(lab, 1);
    assert.deepEqual(tuples(n), ['open after the restart']);
    assert.equal(header(n, 'CSeq'), '3 NOTIFY');
    assert.equal(header(n, 'From'), `<sip:234@127.0.0.1>;tag=${dlgtag}`);
    // The same dialog refreshes.
    assert.equal((await subscribe(lab, { toTag: dlgtag, expires: 600 })).code, 200);
  });
});

test('without [methods] subscribe=yes ysipchan answers SUBSCRIBE 501 and dispatches nothing', async () => {
  await withLab({ ysipchan: { subscribe: false } }, async (lab) => {
    assert.equal((await subscribe(lab)).code, 501);
  });
});

// Issue 21, finding 7: the limits were checked before the awaited save and counted after it, so
// SUBSCRIBEs arriving together all passed: 40 at once against 5/10 kept 14 (memory) and 40 (SQLite).
for (const kind of ['memory', 'sqlite'] as const) {
  test(`40 SUBSCRIBEs at once from 4 watchers stay within maxPerWatcher 5 and maxSubscriptions 10 (${kind} store)`, async () => {
    const store = kind === 'memory' ? { kind } : { kind, path: 'chat.db' };
    const presence = { watchers: 'anyone', maxPerWatcher: 5, maxSubscriptions: 10 };
    await withLab({ rules: rules({ presence, offline: { store }, rateLimit: false }), ysipchan: { responder: (r) => (r.method === 'NOTIFY' ? 200 : undefined) } }, async (lab) => {
      // w0 first (16 of them: past its 5, 403), then w1..w3 (past the 10 in all, 503).
      const watcherOf = (i: number) => (i < 16 ? 'w0' : `w${1 + (i % 3)}`);
      const asks = Array.from({ length: 40 }, (_, i) => ({ caller: watcherOf(i), called: `p${i}`, callid: `race-${i}@h`, fromTag: `t${i}`, contact: `sip:${watcherOf(i)}@127.0.0.1:5090` }));
      const codes = await Promise.all(asks.map((a) => lab.sip.receiveSubscribe(a)));
      const kept = asks.filter((_, i) => codes[i] === 200);
      assert.ok(kept.length <= 10, `${kept.length} kept`);
      for (const w of ['w0', 'w1', 'w2', 'w3']) assert.ok(kept.filter((a) => a.caller === w).length <= 5, `${w} holds more than 5`);
      assert.equal(kept.length, 10, 'the limits are reached, not undershot');
      assert.deepEqual(codes.filter((c) => ![200, 403, 503].includes(c)), []);
      assert.ok(codes.includes(403) && codes.includes(503), `codes ${codes.join(' ')}`);
      assert.match(await lab.emu.rmanager.status('yate-chat'), /subscriptions=10\b/);
    });
  });
}

// Issue 21, finding 3: NOTIFYs took the delivery slots, so a watcher whose phone never answers
// held them for whole SIP transactions: after one user's 20 SUBSCRIBEs a 28 ms MESSAGE took 2 s
// and got 202. And an in-dialog refresh took no rate-limit token.
test('NOTIFYs to a watcher whose phone never answers leave the deliveries\' slots free: a MESSAGE yate-chat delivers itself still gets its 200', async () => {
  const hung = (r: SipRequest) => (r.method === 'NOTIFY' ? { code: 408, delay: 6000 } : undefined);
  const presence = { watchers: 'anyone' };
  await withLab({ rules: rules({ presence, rateLimit: false, delivery: { inPlace: false, waitMs: 2000 } }), ysipchan: { responder: hung } }, async (lab) => {
    for (let i = 0; i < 20; i++) assert.equal((await subscribe(lab, { called: `p${i}`, callid: `hang-${i}@h`, fromTag: `h${i}` })).code, 200);
    await until('a NOTIFY in flight', () => notifies(lab).some((r) => r.code === null));
    await lab.register('234', 5070);
    assert.equal(await lab.sip.receiveMessage({ path: 'generic', caller: '555', called: '234', type: 'text/plain', body: 'still room?' }), 200);
    assert.ok(notifies(lab).filter((r) => r.code === null).length <= 2, 'at most the NOTIFY pool in flight');
  });
});

test('one watcher has one NOTIFY in flight at a time, however many subscriptions it holds', async () => {
  const c = { inFlight: 0, most: 0 };
  const responder = async (r: SipRequest) => {
    if (r.method !== 'NOTIFY') return undefined;
    c.inFlight++;
    c.most = Math.max(c.most, c.inFlight);
    await new Promise((resolve) => setTimeout(resolve, 150));
    c.inFlight--;
    return { code: 200, delay: 0 };
  };
  await withLab({ rules: rules({ presence: { watchers: 'anyone' }, rateLimit: false }), ysipchan: { responder } }, async (lab) => {
    for (let i = 0; i < 6; i++) assert.equal((await subscribe(lab, { called: `p${i}`, callid: `one-${i}@h`, fromTag: `o${i}` })).code, 200);
    await until('six NOTIFYs answered', () => notifies(lab).filter((r) => r.code === 200).length === 6);
    assert.equal(c.most, 1);
  });
});

test('an in-dialog refresh takes a token from the watcher\'s rate bucket like a new SUBSCRIBE; an unsubscribe does not', async () => {
  await withLab({ rules: rules({ rateLimit: { messages: 3, intervalSeconds: 3600 } }) }, async (lab) => {
    await lab.register('123', 5080);
    const first = await subscribe(lab, { expires: 600 });
    assert.equal(first.code, 200);
    const refresh = () => subscribe(lab, { expires: 600, toTag: first.dlgtag });
    assert.equal((await refresh()).code, 200);
    assert.equal((await refresh()).code, 200);
    const limited = await refresh();
    assert.equal(limited.code, 503);
    assert.match(limited.headers.get('Retry-After') ?? '', /^\d+$/);
    assert.equal((await subscribe(lab, { expires: 0, toTag: first.dlgtag })).code, 200, 'an unsubscribe is never refused for the rate');
  });
});

test('presence.allow limits who may watch a user: anyone else gets the 403 a name that does not exist gets; the user themselves, and users not named, follow presence.watchers', async () => {
  const presence = { allow: { '234': ['555', '/^boss-/'] } };
  await withLab({ rules: rules({ presence }) }, async (lab) => {
    await lab.register('234', 5090);
    assert.equal((await subscribe(lab, { caller: '123', callid: 'a1@h' })).code, 403, '123 is not on 234\'s list');
    assert.equal((await subscribe(lab, { caller: '123', called: 'nobody', callid: 'a2@h' })).code, 403, 'the same answer as for no such user');
    assert.equal((await subscribe(lab, { caller: '555', callid: 'a3@h', contact: 'sip:555@127.0.0.1:5081' })).code, 200);
    assert.equal((await subscribe(lab, { caller: 'boss-1', callid: 'a4@h', contact: 'sip:boss-1@127.0.0.1:5082' })).code, 200);
    assert.equal((await subscribe(lab, { caller: '234', callid: 'a5@h', contact: 'sip:234@127.0.0.1:5090' })).code, 200, 'a user may watch themselves');
    assert.equal((await subscribe(lab, { caller: '234', called: '555', callid: 'a6@h', contact: 'sip:234@127.0.0.1:5090' })).code, 200, '555 names no list');
    await lab.emu.log.waitForLog(/SUBSCRIBE 123 -> 234 presence => 403 234 does not let 123 watch \(presence\.allow\)/);
  });
});
