// What a watcher is told: the publications of each device kept apart (RFC 3903 entity tags),
// and the PIDF composed from them or from the registration, escaped and readable back.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { readPidf } from '../src/chat/presence/pidf-read.js';
import { composePidf, presentityTuples, xmlEscape } from '../src/chat/presence/pidf-write.js';
import { MAX_PUBLICATIONS, PresenceBook } from '../src/chat/presence/book.js';
import { loadConfig } from '../src/config/index.js';
import { fromText } from '../src/protocol/bytes.js';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const doc = (basic: string, note = '') => `<presence xmlns="urn:ietf:params:xml:ns:pidf"><tuple id="a"><status><basic>${basic}</basic></status>${note ? `<note>${note}</note>` : ''}</tuple></presence>`;

test('each PUBLISH without SIP-If-Match is a device of its own; SIP-If-Match modifies that one and keeps its tuple id', () => {
  const book = new PresenceBook();
  const desk = book.publish('234', doc('open', 'desk'), 60, 1000) as { etag: string; id: string };
  const phone = book.publish('234', doc('closed', 'phone'), 60, 2000) as { etag: string; id: string };
  assert.deepEqual(book.all('234', 3000).map((p) => p.note), ['phone', 'desk'], 'the latest first');
  const moved = book.publish('234', doc('open', 'meeting room'), 60, 4000, desk.etag) as { etag: string; id: string };
  assert.equal(moved.id, desk.id);
  assert.notEqual(moved.etag, desk.etag);
  assert.deepEqual(book.all('234', 5000).map((p) => p.note), ['meeting room', 'phone']);
  assert.equal(book.publish('234', doc('open'), 60, 5000, 'stale'), 'nomatch');
  assert.equal(book.refresh('234', phone.etag, 0, 6000), null, 'Expires 0 with the tag removes that device');
  assert.deepEqual(book.all('234', 7000).map((p) => p.note), ['meeting room']);
});

test('a new PUBLISH without SIP-If-Match from a device already publishing replaces that device\'s publication, keeping its tuple id', () => {
  const book = new PresenceBook();
  const first = book.publish('555', doc('unknown'), 600, 1000, undefined, 'source UDP 127.0.0.1:5073') as { etag: string; id: string };
  const other = book.publish('555', doc('closed', 'desk'), 600, 1500, undefined, 'source UDP 127.0.0.1:5074') as { id: string };
  const second = book.publish('555', doc('open'), 600, 2000, undefined, 'source UDP 127.0.0.1:5073') as { etag: string; id: string };
  assert.equal(second.id, first.id);
  assert.notEqual(second.etag, first.etag);
  assert.equal(second.id, PresenceBook.deviceId('source UDP 127.0.0.1:5073'));
  assert.deepEqual(book.all('555', 3000).map((p) => [p.basic, p.id]), [['open', first.id], ['closed', other.id]]);
  assert.equal(book.refresh('555', first.etag, 600, 3000), 'nomatch', 'the replaced tag is gone');
});

test('a user keeps at most MAX_PUBLICATIONS devices, the oldest dropped first; nextExpiry is the soonest', () => {
  const book = new PresenceBook();
  for (let i = 0; i < MAX_PUBLICATIONS + 2; i++) book.publish('234', doc('open', `d${i}`), 100 + i, 1000);
  const notes = book.all('234', 1000).map((p) => p.note);
  assert.equal(notes.length, MAX_PUBLICATIONS);
  assert.ok(!notes.includes('d0') && !notes.includes('d1'));
  assert.equal(book.nextExpiry('234'), 1000 + 102 * 1000);
  assert.equal(book.all('234', 1000 + 102 * 1000).length, MAX_PUBLICATIONS - 1, 'expired at its instant');
  assert.equal(book.nextExpiry('nobody'), Infinity);
});

test('the composed PIDF puts open devices first, reads back with the same basic and note, and escapes what the publisher wrote', () => {
  const book = new PresenceBook();
  book.publish('234', doc('closed', 'asleep'), 60, 1000);
  book.publish('234', doc('open', 'R&amp;D &lt;lab&gt; "quoted" ' + fromText('café ☕')), 60, 2000);
  const tuples = presentityTuples(book.all('234', 3000), true);
  assert.deepEqual(tuples.map((t) => t.basic), ['open', 'closed']);
  const xml = composePidf('sip:234@example.org', tuples);
  assert.match(xml, /^<\?xml version="1\.0" encoding="UTF-8"\?>\r\n<presence xmlns="urn:ietf:params:xml:ns:pidf" entity="sip:234@example\.org">/);
  assert.match(xml, /<note>R&amp;D &lt;lab&gt; &quot;quoted&quot; café ☕<\/note>/);
  const back = readPidf(fromText(xml));
  assert.equal(back.basic, 'open');
  assert.equal(Buffer.from(back.note, 'latin1').toString('utf8'), 'R&D <lab> "quoted" café ☕');
});

test('without publications the registration speaks: open "online" or closed "offline"; known unregistered overrides publications', () => {
  const book = new PresenceBook();
  assert.deepEqual(presentityTuples([], true), [{ id: 'registration', basic: 'open', note: 'online' }]);
  assert.deepEqual(presentityTuples([], false), [{ id: 'registration', basic: 'closed', note: 'offline' }]);
  assert.deepEqual(presentityTuples([], null), [{ id: 'registration', basic: 'closed', note: 'offline' }]);
  book.publish('234', doc('open', 'here'), 60, 1000);
  assert.deepEqual(presentityTuples(book.all('234', 1000), false).map((t) => t.note), ['offline']);
  assert.deepEqual(presentityTuples(book.all('234', 1000), null).map((t) => t.note), ['here']);
});

test('xmlEscape drops the characters XML cannot carry and escapes the five specials', () => {
  assert.equal(xmlEscape('a\x00b\x07c\x1bd\te\nf'), 'abcd\te\nf');
  assert.equal(xmlEscape(`<&>"'`), '&lt;&amp;&gt;&quot;&apos;');
  assert.equal(xmlEscape('x\ud800y\udc00z😀'), 'xyz😀');
});

function rulesFile(content: unknown): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'yate-chat-presence-rules-'));
  const file = path.join(dir, 'rules.json');
  fs.writeFileSync(file, JSON.stringify(content));
  return file;
}

test('presence rules: defaults, the default Expires kept within the bounds, and min above max refused with the field', () => {
  const env = { YATE_CHAT_DATA: os.tmpdir() };
  const d = loadConfig(undefined, { env }).presence;
  assert.deepEqual({ ...d, deny: undefined, allow: { ...d.allow } }, { subscribe: true, watchers: 'local', deny: undefined, allow: {}, minExpires: 60, maxExpires: 3600, defaultExpires: 3600, maxPerWatcher: 50, maxSubscriptions: 10000, maxPublishExpires: 3600 });
  assert.equal(loadConfig(rulesFile({ presence: { maxExpires: 600 } }), { env }).presence.defaultExpires, 600);
  assert.throws(() => loadConfig(rulesFile({ presence: { minExpires: 900, maxExpires: 600 } }), { env }), /presence\.maxExpires: expected at least minExpires \(900\), got 600/);
  assert.throws(() => loadConfig(rulesFile({ presence: { watchers: 'friends' } }), { env }), /presence\.watchers: expected "local" or "anyone", got "friends"/);
  assert.throws(() => loadConfig(rulesFile({ presence: { deny: { watchers: ['/(a+)+$/'] } } }), { env }), /presence\.deny\.watchers\[0\]: expected a regex that runs in linear time/);
});
