// Property tests of the pure wire codec (fast-check): escaping round trips, line round trips,
// and the decoders' promise never to throw.
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  decodeEngineLine, decodeModuleLine, encodeLine, escape, unescape,
} from '../src/protocol/index.js';
import type { AnswerLine, Line, MalformedLine, MessageLine, ParamOp } from '../src/protocol/index.js';

const RUNS = { numRuns: 1000 };

const chr = (c: number) => String.fromCharCode(c);
/** The chars the escaping is about, drawn often so that every run exercises them. */
const special = fc.constantFrom(':', '%', '=', '\n', '\r', '\t', ' ', 'z', '}', '@', 'J', 'M', '_', '\x7f', '\xa0', '\xff');
const control = fc.integer({ min: 1, max: 0x1f }).map(chr);
const anyByte = fc.integer({ min: 1, max: 0xff }).map(chr);
/** One wire byte, never NUL (NUL cannot be carried: its escape `%@` is refused). */
const byteChar = fc.oneof({ arbitrary: special, weight: 3 }, { arbitrary: control, weight: 1 }, { arbitrary: anyByte, weight: 3 });
/** A byte string (chars 1..255) heavy in ':', '%', '=' and control chars. */
const bytes = fc.string({ unit: byteChar, maxLength: 40 });
const nonEmptyBytes = fc.string({ unit: byteChar, minLength: 1, maxLength: 20 });
/** Bytes 0..255 including NUL. */
const bytesWithNul = fc.string({ unit: fc.oneof(byteChar, fc.constant('\0')), maxLength: 40 });
/** Arbitrary UTF-16 (lone surrogates included) without NUL, mixed with the special chars. */
const unicode = fc.string({ unit: fc.oneof(special, control, fc.string({ unit: 'binary', minLength: 1, maxLength: 1 })), maxLength: 40 })
  .map((s) => s.replaceAll('\0', '\x01'));

/** Parameter names: a small pool so names repeat, including ones that would break an object. */
const paramName = fc.oneof(
  fc.constantFrom('username', 'a', 'handlers', '__proto__', 'name', 'handled', 'tag=x', 'x:y', '%', '=', 'k=v=w'),
  nonEmptyBytes,
);
const paramOp: fc.Arbitrary<ParamOp> = fc.tuple(paramName, fc.option(bytes, { nil: null, freq: 4 }));
const params = fc.array(paramOp, { maxLength: 12 });

const messageLine: fc.Arbitrary<MessageLine> = fc.record({
  type: fc.constant('message' as const),
  id: bytes,
  time: fc.oneof(fc.constant(0), fc.constant(0xffffffff), fc.integer({ min: 0, max: 0xffffffff })),
  name: bytes,
  retval: bytes,
  params,
}, { noNullPrototype: true }); // plain objects, as the decoder returns

const answerLine: fc.Arbitrary<AnswerLine> = fc.record({
  type: fc.constant('answer' as const),
  id: bytes,
  processed: fc.boolean(),
  change: fc.option(fc.record({ name: bytes, retval: bytes, params }, { noNullPrototype: true }), { nil: null, freq: 3 }),
}, { noNullPrototype: true });

/** Yate writes '=' in a parameter name as `%}` but refuses it on a module line. */
const hasEqInName = (ops: readonly ParamOp[]): boolean => ops.some(([n]) => n.includes('='));

/** The decoders' contract: some typed value, or a malformed carrying the line and a reason. */
function assertDecoded(v: { type: string }, line: string): void {
  assert.equal(typeof v.type, 'string');
  if (v.type === 'malformed') {
    const m = v as MalformedLine;
    assert.equal(m.line, line);
    assert.equal(typeof m.reason, 'string');
    assert.ok(m.reason.length > 0);
  }
}

function decodeBoth(line: string): void {
  assertDecoded(decodeEngineLine(line), line);
  assertDecoded(decodeModuleLine(line), line);
}

/** Valid lines of every kind, for prefix and mutation properties. */
const validLine: fc.Arbitrary<string> = fc.oneof(
  messageLine.map(encodeLine),
  answerLine.map(encodeLine),
  fc.constantFrom(
    '%%>install:50:call.route:route_type:msg', '%%>install::engine.status', '%%<install:100:engine.status:true',
    '%%>uninstall:x', '%%<uninstall:0:nosuch.handler:false', '%%>watch:user.register', '%%<watch:user.register:true',
    '%%>unwatch:a', '%%<unwatch:a:true', '%%>setlocal:bufsize:65536', '%%<setlocal:config.general.modload:disable:true',
    '%%>output:50% done: yes', '%%>debug:5:escaped%Jline', '%%>connect:global', '%%>quit', '%%<quit', 'Error in: %%>bogus:1:2',
  ),
);

const KEYWORD_PREFIXES = [
  '', '%%', '%%>', '%%<', '%%>message:', '%%<message:', '%%>message:i:1:n:r:', '%%<message:i:true:n:r:',
  '%%>install:', '%%<install:', '%%>uninstall:', '%%<uninstall:', '%%>watch:', '%%<watch:', '%%>unwatch:',
  '%%<unwatch:', '%%>setlocal:', '%%<setlocal:', '%%>output:', '%%>debug:', '%%>debug:1:', '%%>connect:', 'Error in: ',
];

describe('escape and unescape', () => {
  test('unescape undoes escape for any byte string without NUL', () => {
    fc.assert(fc.property(bytes, (s) => {
      assert.deepEqual(unescape(escape(s)), { ok: true, value: s });
    }), RUNS);
  });

  test('unescape with name set undoes escape with name set, = included', () => {
    fc.assert(fc.property(bytes, (s) => {
      assert.deepEqual(unescape(escape(s, true), true), { ok: true, value: s });
    }), RUNS);
  });

  test('unescape undoes escape for arbitrary unicode strings, chars above 0xff passing through untouched', () => {
    fc.assert(fc.property(unicode, (s) => {
      assert.deepEqual(unescape(escape(s)), { ok: true, value: s });
      assert.deepEqual(unescape(escape(s, true), true), { ok: true, value: s });
    }), RUNS);
  });

  test('a string with NUL escapes to %@ which unescape refuses; without NUL the round trip holds', () => {
    fc.assert(fc.property(bytesWithNul, (s) => {
      const u = unescape(escape(s));
      if (s.includes('\0')) {
        assert.equal(u.ok, false);
        assert.ok(!u.ok && escape(s).slice(u.offset - 1, u.offset + 1) === '%@');
      } else {
        assert.deepEqual(u, { ok: true, value: s });
      }
    }), RUNS);
  });

  test('escaped output never contains a colon or a char below 0x20', () => {
    fc.assert(fc.property(fc.oneof(bytesWithNul, unicode), fc.boolean(), (s, name) => {
      assert.doesNotMatch(escape(s, name), /[\x00-\x1f:]/);
    }), RUNS);
  });

  test('names escaped with name set never contain =, values keep = raw', () => {
    fc.assert(fc.property(fc.oneof(bytesWithNul, unicode), (s) => {
      assert.ok(!escape(s, true).includes('='));
      assert.equal(escape(s).split('=').length, s.split('=').length);
    }), RUNS);
  });

  test('every % in escaped output starts a two-char escape Yate accepts', () => {
    fc.assert(fc.property(bytes, fc.boolean(), (s, name) => {
      const out = escape(s, name);
      for (let i = 0; i < out.length; i++) {
        if (out[i] !== '%') continue;
        assert.match(out[i + 1] ?? '', name ? /[A-Z[\\\]^_z%}]/ : /[A-Z[\\\]^_z%]/, `${JSON.stringify(out)} at ${i}`);
        i++;
      }
    }), RUNS);
  });

  test('escape leaves a string without control chars, colon, percent (and = for names) unchanged', () => {
    const plain = fc.string({ unit: fc.integer({ min: 0x20, max: 0xff }).filter((c) => c !== 0x3a && c !== 0x25 && c !== 0x3d).map(chr) });
    fc.assert(fc.property(plain, (s) => {
      assert.equal(escape(s), s);
      assert.equal(escape(s, true), s);
    }), RUNS);
  });

  test('unescape accepts after % exactly A.._, z and % (and } only in names), for every char code', () => {
    for (let c = 0; c <= 0xffff; c++) {
      const ch = chr(c);
      const valid = (c >= 0x41 && c <= 0x5f) || c === 0x7a || c === 0x25;
      const u = unescape('x%' + ch + 'y');
      assert.equal(u.ok, valid, `%${JSON.stringify(ch)}`);
      if (u.ok) assert.equal(u.value, 'x' + (c === 0x25 ? '%' : chr(c - 64)) + 'y');
      else assert.equal(u.offset, 2);
      assert.equal(unescape('%' + ch, true).ok, valid || c === 0x7d);
    }
  });

  test('unescape refuses any raw char below 0x20 at its offset, and accepts every other raw char', () => {
    fc.assert(fc.property(bytes, fc.nat(), (s, at) => {
      const u = unescape(s);
      const unesc = unescape(escape(s));
      assert.ok(unesc.ok);
      const firstBad = [...s].findIndex((ch) => ch.charCodeAt(0) < 0x20);
      // A raw string is valid escaped text only if it has no control char and every % is a valid escape.
      if (firstBad >= 0 && !s.slice(0, firstBad).includes('%')) assert.deepEqual(u, { ok: false, offset: firstBad });
      const ctl = chr((at % 0x1f) + 1);
      const i = s.length ? at % s.length : 0;
      const withCtl = escape(s.slice(0, i)) + ctl + escape(s.slice(i));
      assert.deepEqual(unescape(withCtl), { ok: false, offset: escape(s.slice(0, i)).length });
    }), RUNS);
  });
});

describe('line round trips', () => {
  test('a message line decodes from its encoding to the same value (engine side)', () => {
    fc.assert(fc.property(messageLine, (m) => {
      assert.deepEqual(decodeEngineLine(encodeLine(m)), m);
    }), RUNS);
  });

  test('on the module side a message line decodes to the same value, unless a parameter name holds = (refused, as Yate does)', () => {
    fc.assert(fc.property(messageLine, (m) => {
      const line = encodeLine(m);
      if (hasEqInName(m.params)) assert.equal(decodeModuleLine(line).type, 'malformed', line);
      else assert.deepEqual(decodeModuleLine(line), m);
    }), RUNS);
  });

  test('an answer line, short form or full form, decodes from its encoding to the same value', () => {
    fc.assert(fc.property(answerLine, (a) => {
      const line = encodeLine(a);
      assert.deepEqual(decodeEngineLine(line), a);
      if (hasEqInName(a.change?.params ?? [])) assert.equal(decodeModuleLine(line).type, 'malformed', line);
      else assert.deepEqual(decodeModuleLine(line), a);
      // The short form is exactly "%%<message:ID:PROCESSED:" with nothing after it.
      if (a.change === null) assert.equal(line, `%%<message:${escape(a.id)}:${a.processed}:`);
      else assert.ok(line.length > `%%<message:${escape(a.id)}:${a.processed}:`.length);
    }), RUNS);
  });

  test('an encoded message or answer is one line of printable chars: no char below 0x20 anywhere', () => {
    fc.assert(fc.property(fc.oneof(messageLine, answerLine), (l) => {
      assert.doesNotMatch(encodeLine(l), /[\x00-\x1f]/);
    }), RUNS);
  });

  test('the raw-field lines (output, setlocal, install, watch) never carry a line break either', () => {
    const raw = fc.string({ unit: fc.oneof(byteChar, fc.constant('\0')), maxLength: 30 });
    const lines: fc.Arbitrary<Line> = fc.oneof(
      raw.map((text) => ({ type: 'output' as const, text })),
      fc.tuple(raw, raw).map(([name, value]) => ({ type: 'setlocal' as const, name, value })),
      fc.tuple(raw, raw, raw).map(([name, fn, fv]) => ({ type: 'install' as const, priority: 50, name, filter: { name: fn, value: fv } })),
      raw.map((name) => ({ type: 'watch' as const, name })),
      raw.map((name) => ({ type: 'uninstall' as const, name })),
      fc.tuple(fc.nat(10), bytesWithNul).map(([level, text]) => ({ type: 'debug' as const, level, text })),
    );
    fc.assert(fc.property(lines, (l) => {
      assert.doesNotMatch(encodeLine(l), /[\x00-\x1f]/);
    }), RUNS);
  });

  test('repeated parameter names survive a round trip as separate pairs in their original order', () => {
    fc.assert(fc.property(fc.array(fc.tuple(fc.constantFrom('username', '__proto__', 'a'), bytes), { minLength: 2, maxLength: 8 }), (ps) => {
      const m: MessageLine = { type: 'message', id: 'x', time: 0, name: 'n', retval: '', params: ps };
      const v = decodeEngineLine(encodeLine(m));
      assert.ok(v.type === 'message');
      assert.deepEqual(v.params, ps);
    }), RUNS);
  });
});

describe('decoders never throw', () => {
  test('arbitrary strings decode to a value or to a malformed with a reason', () => {
    fc.assert(fc.property(fc.oneof(fc.string({ unit: 'binary' }), bytesWithNul, unicode), (s) => decodeBoth(s)), RUNS);
  });

  test('keyword prefixes followed by random garbage decode to a value or to a malformed with a reason', () => {
    fc.assert(fc.property(fc.constantFrom(...KEYWORD_PREFIXES), fc.oneof(bytesWithNul, unicode), (p, s) => decodeBoth(p + s)), RUNS);
  });

  test('every prefix of a valid line decodes to a value or to a malformed with a reason', () => {
    fc.assert(fc.property(validLine, (line) => {
      for (let i = 0; i <= line.length; i++) decodeBoth(line.slice(0, i));
    }), { numRuns: 300 });
  });

  test('a valid line with a char inserted, deleted or replaced decodes to a value or to a malformed with a reason', () => {
    fc.assert(fc.property(validLine, fc.nat(), fc.oneof(byteChar, fc.constant('\0')), fc.constantFrom('insert', 'delete', 'replace'), (line, at, ch, op) => {
      const i = line.length ? at % line.length : 0;
      const mutated = op === 'insert' ? line.slice(0, i) + ch + line.slice(i)
        : op === 'delete' ? line.slice(0, i) + line.slice(i + 1)
          : line.slice(0, i) + ch + line.slice(i + 1);
      decodeBoth(mutated);
    }), RUNS);
  });

  test('%% followed by every possible char, and % followed by every possible char inside each field, never throws', () => {
    const tails = ['', ':', ':a:b', 'message:i:1:n:r:k=v', '<message:i:true:'];
    const inField = (c: string) => [
      `%%>message:i${c}:1:n:r:k=v`, `%%>message:i:1:n${c}:r:k=v`, `%%>message:i:1:n:r${c}:k=v`,
      `%%>message:i:1:n:r:k${c}=v`, `%%>message:i:1:n:r:k=v${c}`, `%%<message:i:true:n:r:k${c}`,
      `%%>install:1:n:f${c}:v`, `%%>debug:1:t${c}`,
    ];
    for (let c = 0; c <= 0xffff; c++) {
      const ch = chr(c);
      for (const t of tails) decodeBoth('%%' + ch + t);
      for (const l of inField('%' + ch)) decodeBoth(l);
    }
  });

  test('a line of any length made only of separators and percent signs decodes without throwing', () => {
    fc.assert(fc.property(fc.constantFrom(...KEYWORD_PREFIXES), fc.string({ unit: fc.constantFrom(':', '%', '=', '}', 'z'), maxLength: 200 }), (p, s) => decodeBoth(p + s)), RUNS);
    decodeBoth('%%>message:' + ':'.repeat(100_000));
    decodeBoth('%%>output:' + ' '.repeat(100_000) + 'x' + ' '.repeat(100_000));
  });
});
