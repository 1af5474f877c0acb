// Replays the traffic recorded between a real Yate 6.4.1 and an external module script
// (test/fixtures/transcripts/, see its README) through the pure wire codec.
// `A: ` lines are module -> engine, `E: ` lines engine -> module.
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  decodeEngineLine, decodeModuleLine, encodeLine, setlocalValue,
} from '../src/protocol/index.js';
import type { AnswerLine, EngineLine, MalformedLine, MessageLine, ModuleLine } from '../src/protocol/index.js';

/** The folder holding package.json, walking up from this file (test/ or dist-* /test/). */
function repoRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    if (existsSync(join(dir, 'package.json'))) return dir;
    const up = dirname(dir);
    if (up === dir) throw new Error(`no package.json above ${fileURLToPath(import.meta.url)}`);
    dir = up;
  }
}

const TRANSCRIPTS = join(repoRoot(), 'test', 'fixtures', 'transcripts');
const FILES = ['native-message.txt', 'probe-native.txt', 'seed-generic-message.txt'] as const;

interface Entry { readonly file: string; readonly no: number; readonly dir: 'A' | 'E'; readonly text: string }

/** Read as latin1 (one char per byte), as the connection reads the wire. */
function load(file: string): Entry[] {
  const lines = readFileSync(join(TRANSCRIPTS, file), 'latin1').split('\n');
  if (lines.at(-1) === '') lines.pop();
  return lines.map((line, i) => {
    const dir = line.slice(0, 3);
    if (dir !== 'A: ' && dir !== 'E: ') throw new Error(`${file}:${i + 1}: neither "A: " nor "E: ": ${line}`);
    return { file, no: i + 1, dir: dir[0] as 'A' | 'E', text: line.slice(3) };
  });
}

const byFile = new Map(FILES.map((f) => [f, load(f)] as const));
const all = [...byFile.values()].flat();
const engine = all.filter((e) => e.dir === 'E');
const mod = all.filter((e) => e.dir === 'A');

/** The module lines Yate refused, read off its own `Error in: <line>` answers. */
const refused = new Set(engine.filter((e) => e.text.startsWith('Error in: ')).map((e) => e.text.slice('Error in: '.length)));

/**
 * Lines Yate accepted whose re-encoding is NOT byte-identical, with the canonical form
 * encodeLine gives instead. Keep this list explicit: anything not listed must round-trip exactly.
 */
const NON_CANONICAL = new Map<string, string>([
  // probe-native.txt: the probe answered engine.status with an empty NAME, an empty RETVAL and a
  // third, EMPTY chunk where a parameter would go. Yate skips empty chunks ("a::b"), so that last
  // ':' carries nothing and the decoded value re-encodes without it. (The same answer is also the
  // trap the transcripts' README describes: the empty RETVAL erased the status lines.)
  ['%%<message:0x7f39e10ee760.269329854:false:::', '%%<message:0x7f39e10ee760.269329854:false::'],
  ['%%<message:0x7f39e10ee760.2007643319:false:::', '%%<message:0x7f39e10ee760.2007643319:false::'],
]);

function where(e: Entry): string {
  return `${e.file}:${e.no} ${e.dir}: ${e.text.length > 120 ? e.text.slice(0, 120) + '...' : e.text}`;
}

function decodeEntry(e: Entry): EngineLine | ModuleLine | MalformedLine {
  return e.dir === 'E' ? decodeEngineLine(e.text) : decodeModuleLine(e.text);
}

function notMalformed<T extends { type: string }>(v: T | MalformedLine, e: Entry): T {
  if (v.type === 'malformed') assert.fail(`${where(e)}\n  decoded as malformed: ${(v as MalformedLine).reason}`);
  return v as T;
}

/** The first E: line in `file` that is a message or answer named `name` and matches `pick`. */
function engineMessage(file: string, type: 'message', name: string, pick?: (m: MessageLine) => boolean): MessageLine;
function engineMessage(file: string, type: 'answer', name: string, pick?: (m: AnswerLine) => boolean): AnswerLine;
function engineMessage(file: string, type: 'message' | 'answer', name: string, pick: (m: never) => boolean = () => true): MessageLine | AnswerLine {
  for (const e of byFile.get(file as (typeof FILES)[number]) ?? []) {
    if (e.dir !== 'E') continue;
    const v = decodeEngineLine(e.text);
    if (v.type === 'message' && type === 'message' && v.name === name && pick(v as never)) return v;
    if (v.type === 'answer' && type === 'answer' && v.change?.name === name && pick(v as never)) return v;
  }
  assert.fail(`no ${type} ${name} in ${file}`);
}

function paramValues(params: MessageLine['params'], name: string): (string | null)[] {
  return params.filter(([n]) => n === name).map(([, v]) => v);
}

describe('transcript replay', () => {
  test('the three transcript files are found in test/fixtures/transcripts and hold only A: and E: lines', () => {
    const present = readdirSync(TRANSCRIPTS).filter((f) => f.endsWith('.txt')).sort();
    assert.deepEqual(present, [...FILES]);
    for (const f of FILES) assert.ok(byFile.get(f)!.length > 10, `${f} looks truncated`);
    assert.ok(engine.length > 0 && mod.length > 0);
  });

  test('every line Yate wrote decodes as an engine line', () => {
    for (const e of engine) notMalformed(decodeEngineLine(e.text), e);
  });

  test('Yate answered Error in: for exactly three module lines, and they are lines the module wrote', () => {
    assert.deepEqual([...refused].sort(), ['%%>bogus:1:2', '%%>message:bad', 'this is not a protocol line']);
    for (const line of refused) assert.ok(mod.some((e) => e.text === line), `refused line never written: ${line}`);
  });

  test('every module line Yate accepted decodes, and every line it refused decodes as malformed with a reason', () => {
    for (const e of mod) {
      const v = decodeModuleLine(e.text);
      if (refused.has(e.text)) {
        assert.equal(v.type, 'malformed', `${where(e)}\n  Yate refused it, but it decoded as ${v.type}`);
        assert.equal((v as MalformedLine).line, e.text);
        assert.ok((v as MalformedLine).reason.length > 0);
      } else {
        notMalformed(v, e);
      }
    }
  });

  test('re-encoding a decoded transcript line gives back the identical line, except the listed non-canonical ones', () => {
    const seen = new Set<string>();
    let checked = 0;
    for (const e of all) {
      const v = decodeEntry(e);
      if (v.type === 'malformed') continue; // the three refused lines, checked above
      const again = encodeLine(v);
      const canonical = NON_CANONICAL.get(e.text);
      if (canonical === undefined) {
        assert.equal(again, e.text, where(e));
      } else {
        seen.add(e.text);
        assert.equal(again, canonical, where(e));
        // Not identical, but the same meaning: the canonical form decodes to the same value.
        assert.deepEqual(decodeEntry({ ...e, text: canonical }), v, where(e));
      }
      checked++;
    }
    assert.equal(checked, all.length - refused.size);
    assert.deepEqual([...seen].sort(), [...NON_CANONICAL.keys()].sort(), 'a NON_CANONICAL entry is stale');
  });

  test('sip.message carries username twice, and both stay in wire order', () => {
    const m = engineMessage('seed-generic-message.txt', 'message', 'sip.message');
    const names = m.params.map(([n]) => n);
    assert.deepEqual(names.slice(0, 12), [
      'called', 'caller', 'callername', 'username', 'realm', 'newcall', 'domain',
      'connection_id', 'connection_reliable', 'username', 'antiloop', 'ip_host',
    ]);
    assert.deepEqual(paramValues(m.params, 'username'), ['123', '123']);
    assert.equal(m.params.filter(([n]) => n === 'username').length, 2);
    // ysipchan's native path (call.route) carries it twice as well.
    const route = engineMessage('native-message.txt', 'message', 'call.route');
    assert.deepEqual(paramValues(route.params, 'username'), ['123', '123']);
  });

  test('the engine.status return value holds one CR LF terminated line per module after decoding', () => {
    const m = engineMessage('probe-native.txt', 'message', 'engine.status', (x) => x.retval !== '');
    assert.ok(m.retval.includes('\r\n'));
    const rows = m.retval.split('\r\n');
    assert.equal(rows.at(-1), '', 'the return value ends with CR LF');
    assert.deepEqual(rows.slice(0, -1).map((r) => r.slice(0, r.indexOf(','))), [
      'name=rmanager', 'name=engine', 'name=rex_debug', 'name=regfile',
    ]);
    // %z inside the return value is ':', and its raw '=' stays.
    assert.ok(rows[3]!.endsWith(';234=sip/sip:234@127.0.0.1:5070'), rows[3]);
    assert.deepEqual(paramValues(m.params, 'cmd_address'), ['127.0.0.1:50764']);
    assert.deepEqual(paramValues(m.params, 'handlers'), ['engine:90,rex_debug:100,regfile:100,probe:100']);
    // `status extmodule` sets module= and has an empty return value so far.
    const one = engineMessage('probe-native.txt', 'message', 'engine.status', (x) => x.retval === '');
    assert.deepEqual(paramValues(one.params, 'module'), ['extmodule']);
  });

  test('sip_from keeps the raw = of its tag inside the value, split only at the first =', () => {
    const m = engineMessage('native-message.txt', 'message', 'call.route');
    assert.deepEqual(paramValues(m.params, 'sip_from'), ['"Sender 123" <sip:123@127.0.0.1>;tag=7806msg1']);
    assert.deepEqual(paramValues(m.params, 'sip_content-type'), ['text/plain;charset=utf-8']);
    assert.deepEqual(paramValues(m.params, 'xsip_body'), ['hello Monica\r\n']);
    const pub = engineMessage('seed-generic-message.txt', 'message', 'sip.publish');
    const body = paramValues(pub.params, 'xsip_body')[0]!;
    assert.ok(body.startsWith('<?xml version="1.0"?><presence xmlns="urn:ietf:params:xml:ns:pidf" entity="sip:123@127.0.0.1">'), body);
    assert.ok(body.endsWith('</presence>\r\n'));
    // An empty value is a value, not a delete.
    const exec = engineMessage('seed-generic-message.txt', 'message', 'msg.execute');
    assert.deepEqual(paramValues(exec.params, 'body_encoding'), ['']);
    assert.deepEqual(paramValues(exec.params, 'callto'), ['lateroute/234']);
  });

  test('the watched user.register arrives as an answer with an empty id', () => {
    const w = engineMessage('probe-native.txt', 'answer', 'user.register');
    assert.equal(w.id, '');
    assert.equal(w.processed, true);
    assert.equal(w.change!.retval, '');
    assert.deepEqual(paramValues(w.change!.params, 'data'), ['sip/sip:234@127.0.0.1:5070']);
    assert.deepEqual(paramValues(w.change!.params, 'sip_contact'), ['<sip:234@127.0.0.1:5070>']);
    assert.deepEqual(paramValues(w.change!.params, 'handlers'), ['regfile:100']);
  });

  test('setlocal answers keep NAME:VALUE whole and setlocalValue reads the value for the name asked', () => {
    const replies = engine.map((e) => decodeEngineLine(e.text)).filter((v) => v.type === 'setlocal-reply');
    const find = (name: string) => {
      const r = replies.find((x) => x.type === 'setlocal-reply' && setlocalValue(x.rest, name) !== null);
      assert.ok(r && r.type === 'setlocal-reply', `no setlocal reply for ${name}`);
      return { value: setlocalValue(r.rest, name), ok: r.ok };
    };
    assert.deepEqual(decodeEngineLine('%%<setlocal:config.general.modload:disable:true'),
      { type: 'setlocal-reply', rest: 'config.general.modload:disable', ok: true });
    assert.deepEqual(find('config.general.modload'), { value: 'disable', ok: true });
    assert.deepEqual(find('engine.version'), { value: '6.4.1', ok: true });
    assert.deepEqual(find('loaded.ysipchan'), { value: 'true', ok: true });
    assert.deepEqual(find('timeout'), { value: '10000', ok: true });
    assert.deepEqual(find('nosuchparam'), { value: '1', ok: false });
    assert.equal(setlocalValue('config.general.modload:disable', 'config.general'), null);
  });

  test('install and uninstall answers carry the priority Yate used, including 100 for an empty one and 0 for a failure', () => {
    assert.deepEqual(decodeModuleLine('%%>install::engine.status'), { type: 'install', priority: null, name: 'engine.status', filter: null });
    assert.deepEqual(decodeEngineLine('%%<install:100:engine.status:true'), { type: 'install-reply', priority: 100, name: 'engine.status', ok: true });
    assert.deepEqual(decodeModuleLine('%%>install:50:call.route:route_type:msg'),
      { type: 'install', priority: 50, name: 'call.route', filter: { name: 'route_type', value: 'msg' } });
    assert.deepEqual(decodeEngineLine('%%<uninstall:0:nosuch.handler:false'), { type: 'uninstall-reply', priority: 0, name: 'nosuch.handler', ok: false });
    assert.deepEqual(decodeEngineLine('%%<uninstall:10:engine.command:true'), { type: 'uninstall-reply', priority: 10, name: 'engine.command', ok: true });
    assert.deepEqual(decodeEngineLine('%%<unwatch:user.register:true'), { type: 'unwatch-reply', name: 'user.register', ok: true });
  });

  test('Error in: answers decode to the refused line, and the module lines behind them are malformed', () => {
    assert.deepEqual(decodeEngineLine('Error in: %%>bogus:1:2'), { type: 'error-in', line: '%%>bogus:1:2' });
    assert.deepEqual(decodeEngineLine('Error in: this is not a protocol line'), { type: 'error-in', line: 'this is not a protocol line' });
    for (const line of ['%%>bogus:1:2', '%%>message:bad', 'this is not a protocol line']) {
      assert.equal(decodeModuleLine(line).type, 'malformed', line);
    }
  });

  test('module lines decode to what the probe meant: escaped debug text, raw output text, bodies with % and :', () => {
    assert.deepEqual(decodeModuleLine('%%>debug:5:escaped%Jdebug line'), { type: 'debug', level: 5, text: 'escaped\ndebug line' });
    assert.deepEqual(decodeModuleLine('%%>output:probe ready: colon: and percent % stay raw here'),
      { type: 'output', text: 'probe ready: colon: and percent % stay raw here' });
    const gen = mod.map((e) => decodeModuleLine(e.text)).find((v) => v.type === 'message' && v.id === 'probe.3');
    assert.ok(gen && gen.type === 'message');
    assert.deepEqual(paramValues(gen.params, 'xsip_body'), ['hi there\nline two with % and : colon']);
    assert.deepEqual(paramValues(gen.params, 'sip_From'), ['<sip:123@127.0.0.1>']);
    const fire = mod.map((e) => decodeModuleLine(e.text)).find((v) => v.type === 'message' && v.name === 'probe.fireandforget');
    assert.ok(fire && fire.type === 'message');
    assert.equal(fire.id, '');
    assert.equal(fire.time, 1795666942);
    const lit = decodeEngineLine('%%<message:probe.5:false:probe.unhandled::x=%%literal');
    assert.ok(lit.type === 'answer');
    assert.deepEqual(lit.change!.params, [['x', '%literal']]);
  });

  test('the results of the probe\'s own messages: a found route, a missing one, and delivery codes', () => {
    const found = engineMessage('probe-native.txt', 'answer', 'call.route', (a) => a.id === 'probe.1');
    assert.equal(found.processed, true);
    assert.equal(found.change!.retval, 'sip/sip:234@127.0.0.1:5070');
    assert.deepEqual(paramValues(found.change!.params, 'oconnection_id'), ['general']);
    const missing = engineMessage('probe-native.txt', 'answer', 'call.route', (a) => a.id === 'probe.2');
    assert.equal(missing.processed, false);
    assert.equal(missing.change!.retval, '');
    const codes = ['probe.3', 'probe.4'].map((id) =>
      paramValues(engineMessage('probe-native.txt', 'answer', 'xsip.generate', (a) => a.id === id).change!.params, 'code'));
    assert.deepEqual(codes, [['200'], ['408']]);
  });

  test('the module\'s answers are the short form that changes nothing, or an answer that erases the return value', () => {
    const answers = mod.map((e) => decodeModuleLine(e.text)).filter((v) => v.type === 'answer');
    assert.ok(answers.length >= 10);
    for (const a of answers) {
      assert.ok(a.type === 'answer');
      assert.equal(a.processed, false);
      if (a.change !== null) assert.deepEqual(a.change, { name: '', retval: '', params: [] });
    }
    assert.equal(answers.filter((a) => a.type === 'answer' && a.change !== null).length, NON_CANONICAL.size);
  });

});
