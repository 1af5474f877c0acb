// What the presence book gives to and takes from a shared store (several nodes, chat/presence/cluster.ts):
// each publication recorded or removed here, another node's set taken as it is, and entity tags and tuple ids that two nodes never both hand out.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MAX_PUBLICATIONS, PresenceBook, type Presence } from '../src/chat/presence/book.js';

const doc = (basic: string, note: string) => `<presence xmlns="urn:ietf:params:xml:ns:pidf"><tuple id="a"><status><basic>${basic}</basic></status><note>${note}</note></tuple></presence>`;

test('onChange hears each publication recorded here and the tuple ids of those removed, the oldest over MAX_PUBLICATIONS too, and nothing of apply', () => {
  const book = new PresenceBook();
  const heard: [string, string | null, readonly string[]][] = [];
  book.onChange((user, saved, removed) => heard.push([user, saved && saved.note, removed]));
  const desk = book.publish('234', doc('open', 'desk'), 60, 1000) as Presence;
  const phone = book.publish('234', doc('closed', 'phone'), 60, 2000) as Presence;
  const refreshed = book.refresh('234', desk.etag, 60, 3000) as Presence;
  assert.equal(refreshed.id, desk.id, 'a refresh keeps the tuple id: the store replaces that row');
  book.refresh('234', phone.etag, 0, 3000);
  book.publish('234', '', 0, 4000);
  book.apply('555', [{ ...desk, user: '555', note: 'elsewhere' }], 4000);
  assert.deepEqual(heard, [['234', 'desk', []], ['234', 'phone', []], ['234', 'desk', []], ['234', null, [phone.id]], ['234', null, [desk.id]]]);
  heard.length = 0;
  const first = book.publish('888', doc('open', 'd0'), 60, 5000) as Presence;
  for (let i = 1; i <= MAX_PUBLICATIONS; i++) book.publish('888', doc('open', `d${i}`), 60, 5000 + i);
  assert.deepEqual(heard.at(-1), ['888', `d${MAX_PUBLICATIONS}`, [first.id]]);
});

test('apply takes another node\'s set in its order without the expired ones, and says whether it differs from what was held', () => {
  const other = new PresenceBook();
  const desk = other.publish('234', doc('open', 'desk'), 60, 1000) as Presence;
  const phone = other.publish('234', doc('closed', 'phone'), 60, 2000) as Presence;
  const old = { ...phone, etag: 'old', id: 'old', expiresAt: 2500 };
  const book = new PresenceBook();
  assert.equal(book.apply('234', [old, desk, phone], 3000), true);
  assert.deepEqual(book.all('234', 3000), [phone, desk], 'the latest first, the expired one left out');
  assert.equal(book.apply('234', [desk, phone], 3000), false, 'the same set again changes nothing');
  assert.equal(book.refresh('234', desk.etag, 60, 3000) !== 'nomatch', true, 'another node\'s tag refreshes here');
  assert.equal(book.apply('234', [], 4000), true);
  assert.equal(book.get('234', 4000), null);
  assert.equal(book.apply('234', [], 4000), false);
});

test('two books publishing at the same moment hand out different entity tags and tuple ids', () => {
  const [a, b] = [new PresenceBook(), new PresenceBook()];
  const pa = a.publish('234', doc('open', 'a'), 60, 1000) as Presence;
  const pb = b.publish('234', doc('open', 'b'), 60, 1000) as Presence;
  assert.notEqual(pa.etag, pb.etag);
  assert.notEqual(pa.id, pb.id);
});
