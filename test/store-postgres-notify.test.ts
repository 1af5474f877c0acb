// The notifications nodes send each other on the shared channel (no server needed): what a
// payload says, read back byte for byte, and anything else on the channel ignored.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { notification, readNotification } from '../src/store/postgres/shared.js';

const AWKWARD = 'b\xf6b\x00:%\r\n\xff';

test('a notification reads back as its event with the user byte for byte, on other nodes only for stored messages and known users', () => {
  assert.deepEqual(readNotification(notification('node-a', 'm', AWKWARD), 'node-b'), { kind: 'stored', recipient: AWKWARD });
  assert.deepEqual(readNotification(notification('node-a', 'k', AWKWARD), 'node-b'), { kind: 'known', user: AWKWARD });
  assert.equal(readNotification(notification('node-a', 'm', AWKWARD), 'node-a'), null);
  assert.equal(readNotification(notification('node-a', 'k', AWKWARD), 'node-a'), null);
  // Presence comes back to its own node too: every node reads the row again, in order.
  assert.deepEqual(readNotification(notification('node-a', 'p', AWKWARD), 'node-a'), { kind: 'presence', user: AWKWARD });
});

test('a payload is ASCII and below PostgreSQL\'s 8000 bytes; a user too long for it is left out and the notification ignored', () => {
  const payload = notification('node-a', 'm', '\xff'.repeat(100));
  assert.match(payload, /^[\x20-\x7e]+$/);
  const long = notification('node-a', 'm', 'x'.repeat(5000));
  assert.ok(Buffer.byteLength(long) < 8000);
  assert.equal(readNotification(long, 'node-b'), null);
});

test('anything else on the channel is ignored, never thrown', () => {
  for (const junk of ['', 'not json', 'null', '[]', '{}', '{"n":"x","k":"m"}', '{"n":"x","k":"z","u":"00"}', '{"n":"x","k":"m","u":"zz"}', '{"n":"x","k":"m","u":"abc"}', '{"n":1,"k":"m","u":"00"}', '{"n":"x","k":"__proto__","u":"00"}']) {
    assert.equal(readNotification(junk, 'node-b'), null, junk);
  }
});
