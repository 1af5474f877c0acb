// On a real Yate with sipfeatures loaded beside yate-chat: phone 123 subscribes to 234's presence
// with digest auth (ysipchan [methods] subscribe=yes) and gets a NOTIFY with 234's state; 234
// publishes a note and 123 gets a NOTIFY carrying it; 234 unregisters and 123 gets closed; the
// module is killed and Yate starts it again, and the subscription is still there (the next
// change reaches 123 in the same dialog, with a higher CSeq); 123 unsubscribes and gets
// terminated. A NOTIFY the phone answers 481 ends its subscription. sipfeatures keeps serving
// its own events (message-summary: its 423; an event nobody serves: its 489).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { BANNER_STDIO, withYate } from './engine.js';
import type { ReceivedRequest, Ua } from './sip-ua.js';
import { header, headerAll, tagOf, uriOf } from './sip-wire.js';
import { needsYate, registeredUa, until, yateInstall } from './suite.js';

const PIDF = (basic: string, note: string) =>
  `<?xml version="1.0" encoding="UTF-8"?><presence xmlns="urn:ietf:params:xml:ns:pidf" entity="sip:234@127.0.0.1"><tuple id="phone"><status><basic>${basic}</basic></status><note>${note}</note></tuple></presence>`;

const notifies = (ua: Ua) => ua.received.filter((r) => r.method === 'NOTIFY');
const cseqOf = (r: ReceivedRequest) => Number.parseInt(header(r.headers, 'CSeq') ?? '', 10);
/** The NOTIFY after the first `seen`, once it arrives. */
const nextNotify = (ua: Ua, seen: number) => until(`NOTIFY #${seen + 1}`, () => notifies(ua)[seen], 15000);

test('a phone subscribes to presence, is told of a note, an unregister, a module restart and its own unsubscribe', needsYate, async (t) => {
  await withYate(yateInstall(), { sipPath: 'generic', modules: ['sipfeatures'] }, async (yate) => {
    const alice = await registeredUa(t, yate, '123');
    const bob = await registeredUa(t, yate, '234');

    const { res, dialog } = await alice.subscribe('234', { expires: 600 });
    assert.equal(res.code, 200);
    assert.equal(header(res.headers, 'Expires'), '600');
    assert.ok(dialog.toTag, 'the answer carries the notifier\'s tag');
    const first = await nextNotify(alice, 0);
    assert.equal(first.uri, alice.contact, 'sent to the subscriber\'s Contact');
    for (const h of ['From', 'To', 'Call-ID', 'CSeq', 'Contact', 'Event', 'Subscription-State']) assert.equal(headerAll(first.headers, h).length, 1, `one ${h} header`);
    assert.match(header(first.headers, 'CSeq') ?? '', /^\d+ NOTIFY$/);
    assert.equal(header(first.headers, 'Call-ID'), dialog.callId);
    assert.equal(tagOf(header(first.headers, 'From') ?? ''), dialog.toTag);
    assert.equal(tagOf(header(first.headers, 'To') ?? ''), dialog.fromTag);
    assert.equal(uriOf(header(first.headers, 'From') ?? ''), 'sip:234@127.0.0.1');
    assert.equal(header(first.headers, 'Event'), 'presence');
    assert.match(header(first.headers, 'Subscription-State') ?? '', /^active;expires=\d+$/);
    assert.match(header(first.headers, 'Content-Type') ?? '', /^application\/pidf\+xml/);
    assert.match(first.body.toString('utf8'), /entity="sip:234@127\.0\.0\.1".*<basic>open<\/basic>/s);

    const published = await bob.publish(PIDF('open', 'in a meeting'), { expires: 600 });
    assert.equal(published.code, 200);
    const answeredAt = Date.now();
    const noted = await nextNotify(alice, 1);
    assert.match(noted.body.toString('utf8'), /<note>in a meeting<\/note>/);
    t.diagnostic(`NOTIFY with the note ${noted.at - answeredAt} ms after the PUBLISH was answered`);

    assert.equal((await bob.register(0)).code, 200);
    const closed = await nextNotify(alice, 2);
    assert.match(closed.body.toString('utf8'), /<basic>closed<\/basic>/);
    assert.doesNotMatch(closed.body.toString('utf8'), /<basic>open<\/basic>/);

    // The module dies; Yate starts it again; the subscription was kept in SQLite.
    const pid = await yate.modulePid();
    assert.ok(pid);
    const mark = yate.log().length;
    process.kill(pid, 'SIGKILL');
    await yate.waitForLog(BANNER_STDIO, 30000, mark);
    assert.notEqual(await yate.modulePid(), pid);
    assert.match(await yate.rmanager('chat presence 234'), /234 .*watched by 123/);
    assert.equal((await bob.register()).code, 200);
    const back = await nextNotify(alice, 3);
    assert.equal(header(back.headers, 'Call-ID'), dialog.callId, 'the same dialog after the restart');
    assert.ok(cseqOf(back) > cseqOf(closed), `CSeq ${cseqOf(back)} after ${cseqOf(closed)}`);
    assert.match(back.body.toString('utf8'), /<basic>open<\/basic>/);

    const bye = await alice.resubscribe(dialog, 0);
    assert.equal(bye.code, 200);
    const last = await nextNotify(alice, 4);
    assert.match(header(last.headers, 'Subscription-State') ?? '', /^terminated/);
    assert.deepEqual(notifies(alice).map(cseqOf), [...notifies(alice).map(cseqOf)].sort((a, b) => a - b), 'CSeq rises');
    assert.doesNotMatch(await yate.rmanager('chat presence'), /watched by/);
  });
});

test('a NOTIFY answered 481 ends the subscription, and sipfeatures still answers the events it serves', needsYate, async (t) => {
  await withYate(yateInstall(), { sipPath: 'generic', modules: ['sipfeatures'] }, async (yate) => {
    const alice = await registeredUa(t, yate, '123');
    await registeredUa(t, yate, '234');
    alice.answer = (req) => (req.method === 'NOTIFY' ? 481 : 200);
    assert.equal((await alice.subscribe('234', { expires: 600 })).res.code, 200);
    await nextNotify(alice, 0);
    await until('the subscription to be gone', async () => !/watched by/.test(await yate.rmanager('chat presence')));

    // sipfeatures' own answers: a message-summary subscription too short for it, and an event
    // nobody serves. yate-chat leaves both untouched.
    const mwi = await alice.subscribe('234', { event: 'message-summary', expires: 10, accept: 'application/simple-message-summary' });
    assert.equal(mwi.res.code, 423);
    assert.equal(header(mwi.res.headers, 'Min-Expires'), '60');
    assert.equal((await alice.subscribe('234', { event: 'no-such-package', expires: 600 })).res.code, 489);
  });
});
