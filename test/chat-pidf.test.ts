// The PIDF reader (src/chat/presence/pidf-read.ts) a PUBLISH body goes through (issue 10, item 1): what it
// reads from well-formed documents (fast-check), and that its work is linear in the body's
// length whatever the body holds, counted in steps (no timing).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { NOTE_MAX_BYTES, readPidf, type Meter } from '../src/chat/presence/pidf-read.js';
import { fromText, toText } from '../src/protocol/bytes.js';

function steps(body: string): number {
  const meter: Meter = { steps: 0 };
  readPidf(body, meter);
  return meter.steps;
}

/** Fragments that make a naive reader backtrack or rescan: unclosed tags, comments, quotes, references. */
const FRAGMENTS = ['<basic>', '</basic>', '<note>', '</note>', '<p:basic>', '<!--', '-->', '<![CDATA[', ']]>', '<?', '?>', '<!',
  '<', '>', '/>', '"', "'", ' ', '\t', '\n', '&', '&amp;', '&#', '&#x', ';', 'open', 'a', '=', ':', '<x a="', '>">'];
const hostile = fc.array(fc.constantFrom(...FRAGMENTS), { maxLength: 400 }).map((a) => a.join(''));

test('reading a PIDF body looks at each character a bounded number of times, whatever the body holds', () => {
  fc.assert(fc.property(hostile, fc.string({ maxLength: 200 }), (frags, noise) => {
    const body = frags + noise;
    assert.ok(steps(body) <= 3 * body.length + 16, `${steps(body)} steps for ${body.length} chars`);
  }), { numRuns: 2000 });
});

test('the PUBLISH body that took 1.75 s ("<basic>" and 40 KB of blanks) and its relatives take linear steps', () => {
  const cases = (n: number) => [
    '<basic>' + ' '.repeat(n),
    '<basic>'.repeat(n / 7),
    '<note x="' + '>'.repeat(n),
    '<note>' + '&'.repeat(n),
    '<!--' + '<'.repeat(n),
    '<note><![CDATA[' + ']'.repeat(n),
  ];
  const small = cases(40_000).map(steps);
  const large = cases(80_000).map(steps);
  small.forEach((s, i) => {
    assert.ok(s <= 3 * 40_000 + 16, `case ${i}: ${s} steps for 40000 chars`);
    // Twice the body, at most about twice the work: linear, not quadratic.
    assert.ok(large[i]! <= 2 * s + 64, `case ${i}: ${s} -> ${large[i]} steps when the body doubles`);
  });
});

const xmlEscape = (s: string) => s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

test('basic and note are read from PIDF documents with any prefix, attributes, comments and references', () => {
  const prefix = fc.constantFrom('', 'p:', 'dm:', 'pidf:');
  const ws = fc.constantFrom('', ' ', '\n  ', '\t');
  const noteText = fc.string({ unit: fc.constantFrom('a', 'b', ' ', '<', '>', '&', '"', "'", 'é', '日', ':', '/'), minLength: 1, maxLength: 40 })
    .filter((s) => s.trim() !== '');
  fc.assert(fc.property(prefix, fc.constantFrom('open', 'closed', 'OPEN', 'busy'), noteText, ws, fc.boolean(), fc.boolean(),
    (p, basic, note, space, comment, cdata) => {
      const noteXml = cdata ? `<![CDATA[${note.replaceAll(']]>', '')}]]>` : xmlEscape(note);
      const expectedNote = (cdata ? note.replaceAll(']]>', '') : note).trim();
      const doc = `<?xml version="1.0" encoding="UTF-8"?>${comment ? '<!-- <basic>closed</basic> -->' : ''}`
        + `<${p}presence xmlns${p ? ':' + p.slice(0, -1) : ''}="urn:ietf:params:xml:ns:pidf" entity="sip:1@h">`
        + `<${p}tuple id="t>1"><${p}status>${space}<${p}basic>${space}${basic}${space}</${p}basic></${p}status>`
        + `<${p}note xml:lang="en">${space}${noteXml}${space}</${p}note></${p}tuple></${p}presence>`;
      const r = readPidf(fromText(doc));
      assert.equal(r.basic, basic === 'busy' ? 'unknown' : basic.toLowerCase());
      assert.equal(toText(r.note), expectedNote);
    }), { numRuns: 1000 });
});

test('character references decode to UTF-8, and what is not PIDF gives basic "unknown" and no note', () => {
  assert.deepEqual(readPidf('<note>caf&#233; &#x65E5; &lt;b&gt;</note><basic>open</basic>'), { basic: 'open', note: fromText('café 日 <b>') });
  assert.deepEqual(readPidf('hello'), { basic: 'unknown', note: '' });
  assert.deepEqual(readPidf('<basic>open'), { basic: 'unknown', note: '' });
  assert.deepEqual(readPidf('<basic><x/>open</basic>'), { basic: 'unknown', note: '' });
  assert.deepEqual(readPidf('<note>&bogus; &#0; &#xD800; a&b</note>'), { basic: 'unknown', note: '&bogus; &#0; &#xD800; a&b' });
});

test(`a presence note is kept to ${NOTE_MAX_BYTES} bytes, never cutting a UTF-8 character in two`, () => {
  const r = readPidf(fromText(`<note>${'é'.repeat(1000)}</note>`));
  assert.equal(r.note.length, NOTE_MAX_BYTES);
  assert.equal(toText(r.note), 'é'.repeat(NOTE_MAX_BYTES / 2));
  const odd = readPidf(fromText(`<note>a${'é'.repeat(1000)}</note>`));
  assert.equal(toText(odd.note), 'a' + 'é'.repeat(NOTE_MAX_BYTES / 2 - 1));
});
