// Params (an ordered list in which a name may repeat, never object properties) and the answer a
// handler's changes turn into (answerChange).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { answerChange, Message, snapshot } from '../src/engine/message.js';
import { Params } from '../src/engine/params.js';
import { encodeLine } from '../src/protocol/index.js';

test('names like __proto__, constructor and hasOwnProperty are plain params', () => {
  const p = new Params([['__proto__', 'a'], ['constructor', 'b'], ['hasOwnProperty', 'c'], ['toString', 'd']]);
  assert.deepEqual([p.get('__proto__'), p.get('constructor'), p.get('hasOwnProperty'), p.get('toString')], ['a', 'b', 'c', 'd']);
  assert.equal(p.has('valueOf'), false);
  assert.equal(p.get('valueOf'), undefined);
  p.set('__proto__', 'x');
  assert.deepEqual([...p], [['__proto__', 'x'], ['constructor', 'b'], ['hasOwnProperty', 'c'], ['toString', 'd']]);
  const o = p.toObject();
  assert.equal(Object.getPrototypeOf(o), null);
  assert.equal(o['__proto__'], 'x');
  assert.deepEqual(Object.keys(o), ['__proto__', 'constructor', 'hasOwnProperty', 'toString']);
  assert.equal(({} as Record<string, unknown>)['polluted'], undefined);
});

test('a record with a __proto__ key made by JSON.parse becomes a param too', () => {
  const p = new Params(JSON.parse('{"__proto__":"evil","name":"n","handled":"true"}') as Record<string, string>);
  assert.deepEqual([...p], [['__proto__', 'evil'], ['name', 'n'], ['handled', 'true']]);
});

test('repeated names are kept in order; get() is the first, set() replaces the first, delete() removes all', () => {
  const p = new Params([['username', 'alice'], ['x', '1'], ['username', 'bob']]);
  assert.equal(p.get('username'), 'alice');
  assert.deepEqual(p.getAll('username'), ['alice', 'bob']);
  p.set('username', 'carol');
  assert.deepEqual([...p], [['username', 'carol'], ['x', '1'], ['username', 'bob']]);
  p.add('x', 2);
  assert.deepEqual(p.getAll('x'), ['1', '2']);
  p.set('new', true);
  assert.equal(p.get('new'), 'true');
  assert.equal(p.delete('username'), true);
  assert.equal(p.delete('username'), false);
  assert.deepEqual([...p], [['x', '1'], ['x', '2'], ['new', 'true']]);
  assert.equal(p.size, 3);
  assert.deepEqual(p.toObject(), Object.assign(Object.create(null), { x: '1', new: 'true' }));
});

test('iteration and clone() hand out copies: changing them does not change the list', () => {
  const p = new Params({ a: 1, b: false });
  for (const pair of p) pair[1] = 'changed';
  const c = p.clone();
  c.set('a', 'other');
  assert.deepEqual([...p], [['a', '1'], ['b', 'false']]);
  assert.deepEqual([...c], [['a', 'other'], ['b', 'false']]);
});

test('answerChange is null when nothing changed, so the short form cannot erase anything', () => {
  const m = new Message('engine.status', [['module', ''], ['handlers', 'x:1']], 'name=engine\r\n', 'id1');
  const before = snapshot(m);
  assert.equal(answerChange(before, m), null);
  m.params.delete('module');
  m.params.add('module', ''); // same first value again: no change
  m.retval = 'name=engine\r\n';
  assert.equal(answerChange(before, m), null);
  assert.equal(encodeLine({ type: 'answer', id: 'id1', processed: false, change: answerChange(before, m) }), '%%<message:id1:false:');
});

test('answerChange carries the current return value with any change, a new name only when renamed, and deletions last', () => {
  const m = new Message('call.route', [['a', '1'], ['b', '2'], ['__proto__', 'p']], 'keep me', 'id1');
  const before = snapshot(m);
  m.set('c', '3').set('a', 'one').set('__proto__', 'q');
  m.params.delete('b');
  assert.deepEqual(answerChange(before, m), { name: '', retval: 'keep me', params: [['a', 'one'], ['__proto__', 'q'], ['c', '3'], ['b', null]] });
  m.name = 'msg.route';
  assert.deepEqual(answerChange(before, m)?.name, 'msg.route');
  const change = answerChange(before, m);
  assert.equal(encodeLine({ type: 'answer', id: 'id1', processed: true, change }), '%%<message:id1:true:msg.route:keep me:a=one:__proto__=q:c=3:b');
});

test('answerChange reports an emptied return value (it is a real change), and a repeated name by its first value', () => {
  const m = new Message('sip.message', [['username', 'alice'], ['username', 'bob']], 'old', 'id1');
  const before = snapshot(m);
  m.retval = '';
  assert.deepEqual(answerChange(before, m), { name: '', retval: '', params: [] });
  m.retval = 'old';
  // Yate can only address the first of a repeated name: a change to a later one is not expressible
  m.params.delete('username');
  m.params.add('username', 'alice').add('username', 'zed');
  assert.equal(answerChange(before, m), null);
  m.params.delete('username');
  m.params.add('username', 'zed').add('username', 'bob');
  assert.deepEqual(answerChange(before, m)?.params, [['username', 'zed']]);
});

test('a param set to the empty string differs from a deleted one', () => {
  const m = new Message('x', [['a', 'v'], ['b', 'v']]);
  const before = snapshot(m);
  m.set('a', '');
  m.params.delete('b');
  assert.deepEqual(answerChange(before, m)?.params, [['a', ''], ['b', null]]);
});

test('deleteIf removes every pair whose name passes, and the answer deletes each name once, or sets it back when re-added with another first value', () => {
  const m = new Message('sip.message', [['sip_to', '<sip:b@h>'], ['caller', 'a'], ['sip_via', 'v1'], ['sip_via', 'v2'], ['id', 'x'], ['sip_from', 'f']], '', 'id1');
  const before = snapshot(m);
  m.params.deleteIf((n) => n.startsWith('sip_') || n === 'id');
  assert.deepEqual([...m.params], [['caller', 'a']]);
  assert.deepEqual(answerChange(before, m)?.params, [['sip_to', null], ['sip_via', null], ['id', null], ['sip_from', null]]);
  m.set('sip_via', 'v1'); // the first value it had: the delete is undone, not a change
  m.set('sip_from', 'g');
  assert.deepEqual(answerChange(before, m)?.params, [['sip_from', 'g'], ['sip_to', null], ['id', null]]);
});
