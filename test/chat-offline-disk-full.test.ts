// A full disk (SQLITE_FULL) makes the write after a delivered message fail (issue 21, finding
// 8: message #0 then went out again at every REGISTER and retry pass, the rest of the queue
// waiting behind it). Device by device (issue 20) that write is the note that the device took it
// (doneWith), or the DELETE of a message kept while its first delivery was under way
// (delivered). The module runs in this process on a Connection to the engine emulator, on a
// store whose writes after a delivery fail while `full` is set, as SQLite's do on a full disk.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { YateChatError } from '../src/errors.js';
import { createMemoryStore, type MessageStore } from '../src/store/index.js';
import { until } from './fixtures/chat-lab.js';
import { chatRig } from './fixtures/chat-rig.js';

/** A memory store whose writes after a delivery (doneWith, delivered) fail like SQLite's on a
 *  full disk while `disk.full`. */
function fillableStore(): { store: MessageStore; disk: { full: boolean; writesRefused: number } } {
  const inner = createMemoryStore();
  const disk = { full: false, writesRefused: 0 };
  const refuse = (what: string) => {
    disk.writesRefused++;
    return Promise.reject(new YateChatError('STORE_FAILED', `store sqlite:/var/lib/yate-chat/yate-chat.db: ${what} failed: database or disk is full`));
  };
  const store: MessageStore = {
    ...inner,
    name: inner.name,
    delivered: (id) => (disk.full ? refuse('delivered') : inner.delivered(id)),
    doneWith: (id, device, lateUntil) => (disk.full ? refuse('doneWith') : inner.doneWith(id, device, lateUntil)),
  };
  return { store, disk };
}

test('on a full disk a delivered message whose write fails is never sent again, the rest of the queue goes out, and it is done with once the disk has room', async (t) => {
  const { store, disk } = fillableStore();
  const { sip, chat } = await chatRig(t, { offline: { store: { kind: 'memory' }, retryIntervalSeconds: 3600 }, rateLimit: false }, { store });
  for (const body of ['first', 'second', 'third']) {
    assert.equal(await sip.receiveMessage({ path: 'generic', caller: '123', called: '555', type: 'text/plain', body }), 202);
  }
  disk.full = true;
  const contact = 'sip:555@127.0.0.1:5075';
  const sentTo555 = () => sip.sent.filter((r) => r.uri === contact && r.code !== null).map((r) => r.body);
  await sip.receiveRegister({ user: '555', contact });
  await until('the three messages delivered', () => sentTo555().length >= 3);
  // Registering again, twice, and a retry pass: nothing more goes out.
  await sip.receiveRegister({ user: '555', contact });
  await sip.receiveRegister({ user: '555', contact });
  await until('the writes tried again', () => disk.writesRefused >= 6);
  assert.deepEqual(sentTo555(), ['first', 'second', 'third'], 'each sent once');
  assert.equal((await chat.queue('555')).total, 3, 'still waiting in the store: the writes failed');
  disk.full = false;
  await sip.receiveRegister({ user: '555', contact });
  await until('the delivered messages done with', async () => (await chat.queue('555')).total === 0);
  assert.deepEqual(sentTo555(), ['first', 'second', 'third'], 'and never sent again');
});
