import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createMemoryStore, openStore } from '../src/store/index.js';
import { runStoreSuite } from './store-common.case.js';

runStoreSuite('memory', async (opts) => {
  const store = createMemoryStore(opts);
  return { store, cleanup: () => store.close() };
});

test('openStore with kind memory gives a memory store', async () => {
  const store = await openStore({ kind: 'memory' });
  assert.equal(store.name, 'memory');
  await store.close();
});
