// Literal wire lines at the edges of the extmodule format, each checked against what Yate does
// (docs/yate-module.md; engine/String.cpp msgUnescape, engine/Message.cpp commonDecode,
// modules/extmodule.cpp ExtModReceiver::processLine).
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import {
  decodeEngineLine, decodeModuleLine, encodeLine, escape, fromText, parseBool, setlocalValue, toText, unescape,
} from '../src/protocol/index.js';
import type { Line, MalformedLine, MessageLine } from '../src/protocol/index.js';

type Decoder = (line: string) => Line | MalformedLine;

/** Decode a line that must be a message (engine side unless told) and return it. */
function message(line: string, decode: Decoder = decodeEngineLine): MessageLine {
  const v = decode(line);
  assert.equal(v.type, 'message', `${line}: ${(v as MalformedLine).reason ?? ''}`);
  return v as MessageLine;
}

function assertMalformed(v: { type: string }, line?: string): void {
  assert.equal(v.type, 'malformed', `expected malformed, got ${JSON.stringify(v)}`);
  const m = v as MalformedLine;
  if (line !== undefined) assert.equal(m.line, line);
  assert.ok(m.reason.length > 0);
}

/** Both directions use Yate's commonDecode for messages and answers. */
const BOTH: readonly Decoder[] = [decodeEngineLine, decodeModuleLine];

describe('escapes inside a field', () => {
  test('%@ would be NUL and is refused, at the offset of the char after %', () => {
    assert.deepEqual(unescape('a%@b'), { ok: false, offset: 2 });
    for (const d of BOTH) assertMalformed(d('%%>message:i:0:n:r:k=a%@b'));
    // So NUL can never be carried: encoding it yields a line every decoder refuses, never a wrong value.
    const line = encodeLine({ type: 'message', id: 'i', time: 0, name: 'n', retval: '', params: [['k', 'a\0b']] });
    assert.equal(line, '%%>message:i:0:n::k=a%@b');
    assertMalformed(decodeEngineLine(line));
  });

  test('a % at the end of a field is refused, even when a separator follows on the line', () => {
    assert.equal(unescape('abc%').ok, false);
    assert.equal(unescape('%').ok, false);
    for (const d of BOTH) {
      assertMalformed(d('%%>message:i:0:n:r:k=v%'));
      assertMalformed(d('%%>message:i:0:n:r:k=v%:x=y'));
      assertMalformed(d('%%>message:i%:0:n:r'));
      assertMalformed(d('%%<message:i:true:n%:r'));
    }
  });

  test('%z is a colon, %% a percent sign, %J and %M are LF and CR, %A..%_ are 0x01..0x1f', () => {
    assert.deepEqual(unescape('a%zb'), { ok: true, value: 'a:b' });
    assert.deepEqual(unescape('100%%'), { ok: true, value: '100%' });
    assert.deepEqual(unescape('%%z'), { ok: true, value: '%z' });
    assert.deepEqual(unescape('%M%J'), { ok: true, value: '\r\n' });
    assert.deepEqual(unescape('%A%I%[%_'), { ok: true, value: '\x01\t\x1b\x1f' });
    assert.deepEqual(message('%%>message:a%zb:0:n%zm:r%%:k%z1=v%z2%J').params, [['k:1', 'v:2\n']]);
  });

  test('lowercase and other chars after % are refused: %j %a %Z? %{ %` %? %~ %0 %=', () => {
    for (const bad of ['%j', '%a', '%{', '%`', '%?', '%~', '%0', '%=', '% ', '%\x7f', '%\xa0', '%\t']) {
      assert.equal(unescape('x' + bad).ok, false, JSON.stringify(bad));
      assert.equal(unescape('x' + bad, true).ok, false, JSON.stringify(bad));
    }
  });

  test('%} in a parameter name is = on an engine line, the way Yate escapes = in names', () => {
    const m = message('%%>message:i:0:n:r:a%}b=c=d:%}x=1:y%}');
    assert.deepEqual(m.params, [['a=b', 'c=d'], ['=x', '1'], ['y=', null]]);
    assert.equal(escape('a=b', true), 'a%}b');
    assert.deepEqual(unescape('a%}b', true), { ok: true, value: 'a=b' });
  });

  test('%} in a parameter name is refused on a module line, as Yate 6.4.1 answers it Error in:', () => {
    // Message::commonDecode unescapes the whole chunk with no extra escape char, and a running
    // 6.4.1 answered `Error in:` to this very line (docs/yate-module.md): a module cannot send
    // a parameter name holding '='.
    for (const line of ['%%>message:i:0:n:r:a%}b=c', '%%<message:i:false:n:r:a%}b=c', '%%<message:i:true::r:x=1:%}']) {
      const v = decodeModuleLine(line);
      assert.equal(v.type, 'malformed', line);
      assert.match((v as MalformedLine).reason, /bad escape in parameter name/);
    }
    assert.deepEqual(message('%%>message:i:0:n:r:ab=c', decodeModuleLine).params, [['ab', 'c']]);
  });

  test('%} anywhere but a parameter name is refused: id, message name, return value, parameter value', () => {
    assert.equal(unescape('a%}b').ok, false);
    for (const d of BOTH) {
      for (const line of [
        '%%>message:i%}:0:n:r', '%%>message:i:0:n%}:r', '%%>message:i:0:n:r%}', '%%>message:i:0:n:r:k=v%}',
        '%%<message:i%}:true:n:r', '%%<message:i:true:n:r:k=%}',
      ]) assertMalformed(d(line), line);
    }
    assertMalformed(decodeModuleLine('%%>debug:1:a%}b'));
    assertMalformed(decodeModuleLine('%%>install:1:n:f%}:v'));
  });

  test('a raw control byte inside an escaped field is refused wherever it sits', () => {
    assert.deepEqual(unescape('ab\tc'), { ok: false, offset: 2 });
    assert.deepEqual(unescape('%%a\rb'), { ok: false, offset: 3 });
    for (const d of BOTH) {
      for (const line of [
        '%%>message:i\t:0:n:r', '%%>message:i:0:n\x01:r', '%%>message:i:0:n:r\r', '%%>message:i:0:n:r:k\x1f=v',
        '%%>message:i:0:n:r:k=a\tb', '%%>message:i:0:n:r:k=a\x1bb', '%%<message:i:true:n:r:k=\n',
      ]) assertMalformed(d(line), line);
    }
    assertMalformed(decodeModuleLine('%%>debug:1:a\tb'));
  });
});

describe('parameters', () => {
  test('empty chunks between parameters are skipped, as Yate skips a::b', () => {
    assert.deepEqual(message('%%>message:i:0:n:r:a=1::b=2:').params, [['a', '1'], ['b', '2']]);
    assert.deepEqual(message('%%>message:i:0:n:r::::').params, []);
  });

  test('a chunk =x has an empty name and is malformed', () => {
    for (const d of BOTH) {
      assertMalformed(d('%%>message:i:0:n:r:=x'));
      assertMalformed(d('%%>message:i:0:n:r:a=1:='));
      assertMalformed(d('%%<message:i:false:n:r:=x'));
    }
  });

  test('a bare name is a delete op and name= sets an empty value', () => {
    const a = decodeModuleLine('%%<message:i:true:n:r:k:e=');
    assert.ok(a.type === 'answer');
    assert.deepEqual(a.change!.params, [['k', null], ['e', '']]);
    assert.equal(encodeLine(a), '%%<message:i:true:n:r:k:e=');
  });

  test('the first raw = splits name from value and later ones stay in the value', () => {
    assert.deepEqual(message('%%>message:i:0:n:r:sip_from="A" <sip%z1@h>;tag=x=y').params, [['sip_from', '"A" <sip:1@h>;tag=x=y']]);
    assert.deepEqual(message('%%>message:i:0:n:r:k==').params, [['k', '=']]);
    // A raw '=' in the return value or message name is just a char.
    const m = message('%%>message:i:0:a=b:c=d');
    assert.equal(m.name, 'a=b');
    assert.equal(m.retval, 'c=d');
  });

  test('parameters are a list of pairs: repeated names and __proto__, name, handled are ordinary', () => {
    const m = message('%%>message:i:0:n:r:username=1:__proto__=x:name=y:handled=z:username=2:constructor');
    assert.deepEqual(m.params, [['username', '1'], ['__proto__', 'x'], ['name', 'y'], ['handled', 'z'], ['username', '2'], ['constructor', null]]);
    assert.ok(Array.isArray(m.params));
  });

  test('a name with = is written as %} and a value with = keeps it raw', () => {
    const line = encodeLine({ type: 'message', id: '', time: 0, name: 'n', retval: '', params: [['a=b', 'c=d'], ['x:y', '50%']] });
    assert.equal(line, '%%>message::0:n::a%}b=c=d:x%zy=50%%');
  });
});

describe('messages and answers', () => {
  test('the short answer %%<message:id:false: changes nothing (change null)', () => {
    for (const d of BOTH) {
      assert.deepEqual(d('%%<message:id:false:'), { type: 'answer', id: 'id', processed: false, change: null });
    }
    assert.equal(encodeLine({ type: 'answer', id: 'id', processed: false, change: null }), '%%<message:id:false:');
  });

  test('%%<message:id:true:: has an empty name and an empty return value, which erases it', () => {
    for (const d of BOTH) {
      assert.deepEqual(d('%%<message:id:true::'), { type: 'answer', id: 'id', processed: true, change: { name: '', retval: '', params: [] } });
    }
  });

  test('an answer without a field after PROCESSED, or without a return value field, is malformed', () => {
    for (const d of BOTH) {
      assertMalformed(d('%%<message:id:true'));
      assertMalformed(d('%%<message:id'));
      assertMalformed(d('%%<message:id:true:name'));
      assertMalformed(d('%%<message:id:maybe:'));
      assertMalformed(d('%%<message:id::'));
    }
  });

  test('PROCESSED accepts Yate\'s boolean words and nothing else', () => {
    for (const w of ['true', 'yes', 'on', 'enable', 't']) assert.equal(parseBool(w), true);
    for (const w of ['false', 'no', 'off', 'disable', 'f']) assert.equal(parseBool(w), false);
    for (const w of ['', 'TRUE', 'True', '1', '0', 'truex', 'true ']) assert.equal(parseBool(w), null);
    const a = decodeEngineLine('%%<message:x:yes:');
    assert.ok(a.type === 'answer' && a.processed);
  });

  test('a non-numeric time is malformed, an empty time means now (0)', () => {
    for (const d of BOTH) {
      for (const t of ['abc', '12a', 'a12', '1.5', '-5', '1 ', ' ', '+', '0x', '4294967296', '9'.repeat(400)]) {
        assertMalformed(d(`%%>message:i:${t}:n:r`), `%%>message:i:${t}:n:r`);
      }
      assert.equal(message('%%>message:i::n:r', d).time, 0);
      assert.equal(message('%%>message:i:0:n:r', d).time, 0);
      assert.equal(message('%%>message:i:4294967295:n:r', d).time, 4294967295);
      // strtoul skips leading white space and takes a '+', as Yate's `String >> unsigned` does.
      assert.equal(message('%%>message:i: 7:n:r', d).time, 7);
      assert.equal(message('%%>message:i:+7:n:r', d).time, 7);
    }
  });

  test('a message without the time or name separators is malformed', () => {
    for (const d of BOTH) {
      assertMalformed(d('%%>message:bad'), '%%>message:bad');
      assertMalformed(d('%%>message:i:0'));
      assertMalformed(d('%%>message:i:0:name'));
    }
    assert.deepEqual(message('%%>message:i:0:name:'), { type: 'message', id: 'i', time: 0, name: 'name', retval: '', params: [] });
  });

  test('an empty id decodes as the empty string: fire-and-forget from a module, a watched message from Yate', () => {
    assert.equal(message('%%>message::0:n:', decodeModuleLine).id, '');
    const w = decodeEngineLine('%%<message::true:user.register::number=234');
    assert.ok(w.type === 'answer' && w.id === '' && w.change!.name === 'user.register');
  });
});

describe('install, uninstall, watch', () => {
  test('%%>install::engine.status has no priority (Yate uses 100)', () => {
    const v = decodeModuleLine('%%>install::engine.status');
    assert.deepEqual(v, { type: 'install', priority: null, name: 'engine.status', filter: null });
    assert.equal(encodeLine(v as never), '%%>install::engine.status');
    assert.deepEqual(decodeModuleLine('%%>install:engine.status'), v);
  });

  test('%%>install:50:call.route:route_type:msg has a filter', () => {
    assert.deepEqual(decodeModuleLine('%%>install:50:call.route:route_type:msg'),
      { type: 'install', priority: 50, name: 'call.route', filter: { name: 'route_type', value: 'msg' } });
  });

  test('the filter name and value are unescaped, the handler name is taken raw', () => {
    assert.deepEqual(decodeModuleLine('%%>install:50:a%zb:called:sip%z1:2'),
      { type: 'install', priority: 50, name: 'a%zb', filter: { name: 'called', value: 'sip:1:2' } });
    const line = encodeLine({ type: 'install', priority: 5, name: 'call.route', filter: { name: 'k', value: 'a:b%' } });
    assert.equal(line, '%%>install:5:call.route:k:a%zb%%');
    assertMalformed(decodeModuleLine('%%>install:1:n:f:v%'));
  });

  test('a priority may be negative or signed, and an empty filter name means no filter', () => {
    assert.deepEqual(decodeModuleLine('%%>install:-5:x'), { type: 'install', priority: -5, name: 'x', filter: null });
    assert.deepEqual(decodeModuleLine('%%>install:+5:x'), { type: 'install', priority: 5, name: 'x', filter: null });
    assert.deepEqual(decodeModuleLine('%%>install:-0:x'), { type: 'install', priority: 0, name: 'x', filter: null });
    assert.deepEqual(decodeModuleLine('%%>install:5:x::'), { type: 'install', priority: 5, name: 'x', filter: null });
  });

  test('without a priority field Yate skips past the first colon anywhere, so the name is what follows it', () => {
    // `id >> prio >> ":"`: String >> ":" is strstr. A module must always write the PRIO field.
    assert.deepEqual(decodeModuleLine('%%>install:call.route:route_type:msg'),
      { type: 'install', priority: null, name: 'route_type', filter: { name: 'msg', value: '' } });
  });

  test('uninstall, watch and unwatch take the rest of the line raw', () => {
    assert.deepEqual(decodeModuleLine('%%>uninstall:nosuch.handler'), { type: 'uninstall', name: 'nosuch.handler' });
    assert.deepEqual(decodeModuleLine('%%>watch:a%zb'), { type: 'watch', name: 'a%zb' });
    assert.deepEqual(decodeModuleLine('%%>unwatch:user.register'), { type: 'unwatch', name: 'user.register' });
    assert.deepEqual(decodeEngineLine('%%<watch:user.register:false'), { type: 'watch-reply', name: 'user.register', ok: false });
  });

  test('install and uninstall answers without a numeric priority or success flag are malformed', () => {
    for (const line of ['%%<install:x:n:true', '%%<install:1:n:maybe', '%%<install:1', '%%<uninstall::n:true', '%%<watch:n']) {
      assertMalformed(decodeEngineLine(line), line);
    }
  });
});

describe('output, debug, setlocal, connect, quit', () => {
  test('output text is raw (not unescaped) and trimmed of spaces and tabs', () => {
    assert.deepEqual(decodeModuleLine('%%>output:  50% done: %z stays %J \t'), { type: 'output', text: '50% done: %z stays %J' });
    assert.deepEqual(decodeModuleLine('%%>output:'), { type: 'output', text: '' });
  });

  test('trimming keeps byte 0xA0, the last byte of a UTF-8 à, as Yate trims only spaces and tabs', () => {
    const v = decodeModuleLine('%%>output:' + fromText('voilà') + ' ');
    assert.ok(v.type === 'output');
    assert.equal(toText(v.text), 'voilà');
    const s = decodeModuleLine('%%>setlocal:trackparam:' + fromText('à'));
    assert.ok(s.type === 'setlocal');
    assert.equal(toText(s.value), 'à');
  });

  test('setlocal value is raw and trimmed, and may hold colons', () => {
    assert.deepEqual(decodeModuleLine('%%>setlocal:timeout: \t5000 '), { type: 'setlocal', name: 'timeout', value: '5000' });
    assert.deepEqual(decodeModuleLine('%%>setlocal:engine.version:'), { type: 'setlocal', name: 'engine.version', value: '' });
    assert.deepEqual(decodeModuleLine('%%>setlocal:trackparam:a:b%z'), { type: 'setlocal', name: 'trackparam', value: 'a:b%z' });
    assertMalformed(decodeModuleLine('%%>setlocal::x'));
    assertMalformed(decodeModuleLine('%%>setlocal:x'));
  });

  test('a setlocal answer keeps NAME:VALUE whole; setlocalValue needs the name that was asked', () => {
    const r = decodeEngineLine('%%<setlocal:config.a.b:x:y:false');
    assert.deepEqual(r, { type: 'setlocal-reply', rest: 'config.a.b:x:y', ok: false });
    assert.equal(setlocalValue('config.a.b:x:y', 'config.a.b'), 'x:y');
    assert.equal(setlocalValue('config.a.b:x:y', 'config.a'), null);
    assert.equal(setlocalValue('bufsize:', 'bufsize'), '');
    assertMalformed(decodeEngineLine('%%<setlocal:bufsize:8192'));
  });

  test('debug text is escaped and its level must be a number', () => {
    assert.deepEqual(decodeModuleLine('%%>debug:5:a%zb%Jc'), { type: 'debug', level: 5, text: 'a:b\nc' });
    assert.equal(encodeLine({ type: 'debug', level: 5, text: 'a:b\nc' }), '%%>debug:5:a%zb%Jc');
    assertMalformed(decodeModuleLine('%%>debug:x:y'));
    assertMalformed(decodeModuleLine('%%>debug:5'));
    assertMalformed(decodeModuleLine('%%>debug:5:bad%'));
  });

  test('raw fields cannot carry a line break: the encoder turns control chars into spaces', () => {
    assert.equal(encodeLine({ type: 'output', text: 'a\nb\rc' }), '%%>output:a b c');
    assert.equal(encodeLine({ type: 'setlocal', name: 'trackparam', value: 'x\ny' }), '%%>setlocal:trackparam:x y');
  });

  test('connect, quit and Error in: decode and re-encode as written', () => {
    for (const line of ['%%>connect:global', '%%>connect:channel:id1', '%%>connect:play:ourstream/1:audio', '%%>quit']) {
      assert.equal(encodeLine(decodeModuleLine(line) as never), line);
    }
    assert.deepEqual(decodeModuleLine('%%>connect:global'), { type: 'connect', role: 'global', channel: '', kind: '' });
    assert.deepEqual(decodeEngineLine('%%<quit'), { type: 'quit-reply' });
    assert.deepEqual(decodeEngineLine('Error in: '), { type: 'error-in', line: '' });
    assertMalformed(decodeEngineLine('Error in:x'));
  });

  test('each decoder refuses the other direction\'s lines and anything that is not a protocol line', () => {
    for (const line of ['%%>install:1:x', '%%>output:x', '%%>setlocal:a:b', '%%>quit', '', 'hello', '%%', '%%>']) {
      assertMalformed(decodeEngineLine(line), line);
    }
    for (const line of ['%%<install:1:x:true', '%%<setlocal:a:b:true', '%%<quit', 'Error in: x', '', 'hello', '%%>bogus:1:2', '%%>quit ']) {
      assertMalformed(decodeModuleLine(line), line);
    }
  });
});
