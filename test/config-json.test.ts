// The rules file's JSON scanner must accept exactly what JSON.parse accepts, and place
// errors where a person should look.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { lineColumn, readJson, stripComments } from '../src/config/json.js';

const parses = (text: string): boolean => {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
};

test('the scanner accepts exactly the JSON that JSON.parse accepts, and yields the same value', () => {
  // Valid JSON, then the same with one character inserted, replaced or deleted.
  const tweaked = fc.tuple(fc.json(), fc.nat(), fc.constantFrom('insert', 'replace', 'delete', 'none'), fc.constantFrom(...',:{}[]"\\ -.0e1tfn\n/\'x\u0001'.split('')))
    .map(([json, at, how, ch]) => {
      const i = json.length === 0 ? 0 : at % json.length;
      if (how === 'insert') return json.slice(0, i) + ch + json.slice(i);
      if (how === 'replace') return json.slice(0, i) + ch + json.slice(i + 1);
      if (how === 'delete') return json.slice(0, i) + json.slice(i + 1);
      return json;
    });
  fc.assert(
    fc.property(tweaked, (text) => {
      const r = readJson(text);
      assert.equal(r.ok, parses(text), `readJson and JSON.parse disagree on ${JSON.stringify(text)}`);
      if (r.ok) assert.deepEqual(r.value, JSON.parse(text));
    }),
    { numRuns: 3000 },
  );
});

test('a syntax error points at the offending character', () => {
  const r = readJson('{\n  "a": [1, 2 3]\n}');
  assert.deepEqual(r, { ok: false, problem: { message: 'expected "," or "]" after an array element, got "3"', line: 2, column: 14 } });
});

test('an unterminated string points at its opening quote', () => {
  const r = readJson('{\n  "a": "abc');
  assert.deepEqual(r, { ok: false, problem: { message: 'unterminated string', line: 2, column: 8 } });
});

test('single quotes are reported with a hint', () => {
  const r = readJson("{'a': 1}");
  assert.equal(r.ok, false);
  assert.match(r.ok ? '' : r.problem.message, /JSON strings use double quotes/);
});

test('nesting deeper than 64 levels is refused instead of overflowing the stack', () => {
  const r = readJson('['.repeat(100_000) + ']'.repeat(100_000));
  assert.equal(r.ok, false);
  assert.match(r.ok ? '' : r.problem.message, /at most 64 levels/);
});

test('duplicates are found at any depth but not among comment keys or inside comments', () => {
  const r = readJson('{"a": {"b": 1, "b": 2}, "//": 1, "//": 2, "$comment": {"c": 1, "c": 2}}');
  assert.ok(r.ok);
  assert.deepEqual(
    r.duplicates.map((d) => [d.path, d.line, d.column]),
    [[['a', 'b'], 1, 16]],
  );
});

test('stripComments removes comment keys at every depth and keeps everything else', () => {
  assert.deepEqual(stripComments({ '//': 1, a: [{ '$comment x': 2, b: 3 }], c: { '// d': 4, e: null } }), { a: [{ b: 3 }], c: { e: null } });
});

test('line and column count from 1 and restart after each newline', () => {
  assert.deepEqual(
    [0, 2, 3, 5].map((o) => lineColumn('ab\ncd\r\ne', o)),
    [
      { line: 1, column: 1 },
      { line: 1, column: 3 },
      { line: 2, column: 1 },
      { line: 2, column: 3 },
    ],
  );
});
