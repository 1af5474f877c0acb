// Decoders for both directions of the extmodule protocol. Pure: a string in, a typed value out.
// A line that does not parse is returned as a MalformedLine, never thrown.
//
// decodeEngineLine() reads what Yate writes to a module; decodeModuleLine() reads what a module
// writes to Yate and is as strict as Yate's ExtModReceiver::processLine (the engine emulator
// uses it to answer `Error in:` exactly where Yate would).
import { unescape } from './escape.js';
import type {
  AnswerChange, AnswerLine, EngineLine, MalformedLine, MessageLine, ModuleLine, ParamOp,
} from './types.js';

const MESSAGE = '%%>message:';
const ANSWER = '%%<message:';
const ERROR_IN = 'Error in: ';

/** Yate's String >> bool: these words and nothing else. */
export function parseBool(text: string): boolean | null {
  switch (text) {
    case 'true': case 'yes': case 'on': case 'enable': case 't': return true;
    case 'false': case 'no': case 'off': case 'disable': case 'f': return false;
    default: return null;
  }
}

function malformed(line: string, reason: string): MalformedLine {
  return { type: 'malformed', line, reason };
}

const CONTROL = /[\x00-\x1f]/;

/** A field as written: `clean` says the whole line holds no byte below 0x20 (checked once, not
 *  per field), so a field without '%' is taken as it is. */
function field(line: string, raw: string, what: string, name = false, clean = false): string | MalformedLine {
  if (raw.indexOf('%') < 0 && (clean || !CONTROL.test(raw))) return raw; // most fields: nothing to undo
  const u = unescape(raw, name);
  return u.ok ? u.value : malformed(line, `bad escape in ${what} at offset ${u.offset}`);
}

/** Yate's String::trimBlanks: spaces and tabs only. (JS trim() would also strip byte 0xA0, a
 *  UTF-8 continuation byte: "à" is C3 A0.) A loop, not /[ \t]+$/, which is quadratic. */
function trimBlanks(s: string): string {
  let a = 0;
  let b = s.length;
  while (a < b && (s.charCodeAt(a) === 0x20 || s.charCodeAt(a) === 0x09)) a++;
  while (b > a && (s.charCodeAt(b - 1) === 0x20 || s.charCodeAt(b - 1) === 0x09)) b--;
  return s.slice(a, b);
}

/**
 * NAME:RETVAL[:k=v|:k ...] as Message::commonDecode reads it.
 * `eqInNames`: accept `%}` ('=') in parameter names. Yate's encoder writes it (engine lines), but
 * Yate's decoder (commonDecode unescapes the whole chunk with msgUnescape(&err), no extra char)
 * refuses it, so a module line carrying it gets `Error in:`.
 */
function decodeChange(line: string, body: string, eqInNames: boolean): AnswerChange | MalformedLine {
  const sep = body.indexOf(':');
  if (sep < 0) return malformed(line, 'missing return value field');
  const clean = !CONTROL.test(body);
  const name = field(line, body.slice(0, sep), 'name', false, clean);
  if (typeof name !== 'string') return name;
  const chunks = body.slice(sep + 1).split(':');
  const retval = field(line, chunks[0] ?? '', 'return value', false, clean);
  if (typeof retval !== 'string') return retval;
  const params: ParamOp[] = [];
  for (let i = 1; i < chunks.length; i++) {
    const chunk = chunks[i]!;
    if (chunk === '') continue; // Yate skips empty chunks ("a::b")
    // Names escape '=' and values keep it raw, so the first raw '=' separates them.
    const eq = chunk.indexOf('=');
    if (eq === 0) return malformed(line, `parameter without a name: "${chunk}"`);
    const pname = field(line, eq < 0 ? chunk : chunk.slice(0, eq), 'parameter name', eqInNames, clean);
    if (typeof pname !== 'string') return pname;
    if (eq < 0) {
      params.push([pname, null]);
      continue;
    }
    const pvalue = field(line, chunk.slice(eq + 1), `parameter "${pname}"`, false, clean);
    if (typeof pvalue !== 'string') return pvalue;
    params.push([pname, pvalue]);
  }
  return { name, retval, params };
}

function decodeMessage(line: string, eqInNames: boolean): MessageLine | MalformedLine {
  const sep = line.indexOf(':', MESSAGE.length);
  if (sep < 0) return malformed(line, 'missing time field');
  const sep2 = line.indexOf(':', sep + 1);
  if (sep2 < 0) return malformed(line, 'missing name field');
  const id = field(line, line.slice(MESSAGE.length, sep), 'id');
  if (typeof id !== 'string') return id;
  // Yate reads TIME with strtoul and refuses anything left over or above UINT_MAX; empty is 0
  // (now). Only the decimal form is accepted here: Yate itself always writes plain decimal.
  const timeText = line.slice(sep + 1, sep2);
  const tm = /^[ \t\n\v\f\r]*\+?(\d+)$/.exec(timeText);
  const time = tm ? Number(tm[1]) : 0;
  if ((timeText !== '' && !tm) || time > 0xffffffff) return malformed(line, `time is not a number: "${timeText}"`);
  const change = decodeChange(line, line.slice(sep2 + 1), eqInNames);
  if ('type' in change) return change;
  return { type: 'message', id, time, ...change };
}

function decodeAnswer(line: string, eqInNames: boolean): AnswerLine | MalformedLine {
  const sep = line.indexOf(':', ANSWER.length);
  if (sep < 0) return malformed(line, 'missing processed field');
  const id = field(line, line.slice(ANSWER.length, sep), 'id');
  if (typeof id !== 'string') return id;
  const sep2 = line.indexOf(':', sep + 1);
  if (sep2 < 0) return malformed(line, 'missing field after processed');
  const processed = parseBool(line.slice(sep + 1, sep2));
  if (processed === null) return malformed(line, `processed is not a boolean: "${line.slice(sep + 1, sep2)}"`);
  if (sep2 + 1 === line.length) return { type: 'answer', id, processed, change: null };
  const change = decodeChange(line, line.slice(sep2 + 1), eqInNames);
  if ('type' in change) return change;
  return { type: 'answer', id, processed, change };
}

/** "A:B:...:ok" -> [head "A:B:...", ok]. */
function splitOk(line: string, rest: string): [string, boolean] | MalformedLine {
  const col = rest.lastIndexOf(':');
  const ok = col < 0 ? null : parseBool(rest.slice(col + 1));
  if (ok === null) return malformed(line, 'missing or bad success flag');
  return [rest.slice(0, col), ok];
}

function priorityReply(line: string, prefix: string, type: 'install-reply' | 'uninstall-reply'): EngineLine | MalformedLine {
  const parts = splitOk(line, line.slice(prefix.length));
  if (!Array.isArray(parts)) return parts;
  const [head, ok] = parts;
  const col = head.indexOf(':');
  const priority = Number(head.slice(0, col));
  if (col < 0 || !/^-?\d+$/.test(head.slice(0, col))) return malformed(line, 'bad priority');
  return { type, priority, name: head.slice(col + 1), ok };
}

/** Decode one line Yate wrote to the module (without its '\n'). */
export function decodeEngineLine(line: string): EngineLine | MalformedLine {
  if (line.startsWith(MESSAGE)) return decodeMessage(line, true);
  if (line.startsWith(ANSWER)) return decodeAnswer(line, true);
  if (line.startsWith(ERROR_IN)) return { type: 'error-in', line: line.slice(ERROR_IN.length) };
  if (line === '%%<quit') return { type: 'quit-reply' };
  if (line.startsWith('%%<install:')) return priorityReply(line, '%%<install:', 'install-reply');
  if (line.startsWith('%%<uninstall:')) return priorityReply(line, '%%<uninstall:', 'uninstall-reply');
  for (const w of ['watch', 'unwatch', 'setlocal'] as const) {
    const prefix = `%%<${w}:`;
    if (!line.startsWith(prefix)) continue;
    const parts = splitOk(line, line.slice(prefix.length));
    if (!Array.isArray(parts)) return parts;
    return w === 'setlocal'
      ? { type: 'setlocal-reply', rest: parts[0], ok: parts[1] }
      : { type: `${w}-reply`, name: parts[0], ok: parts[1] };
  }
  return malformed(line, 'not an engine line');
}

/**
 * The id of a `%%>message:ID:...` line, as far as it can be read, even when the rest of the line
 * cannot: a Yate thread waits on that id, and only an answer releases it before the timeout.
 * null when the line is no message, or its id is empty, cut short (no ':' after it) or badly
 * escaped.
 */
export function messageIdOf(line: string): string | null {
  if (!line.startsWith(MESSAGE)) return null;
  const sep = line.indexOf(':', MESSAGE.length);
  if (sep <= MESSAGE.length) return null;
  const id = unescape(line.slice(MESSAGE.length, sep));
  return id.ok && id.value !== '' ? id.value : null;
}

/** The value in a setlocal reply to a request for `name`, or null when the reply is not for it. */
export function setlocalValue(rest: string, name: string): string | null {
  return rest.startsWith(name + ':') ? rest.slice(name.length + 1) : null;
}

const INSTALL_FILTER = /^([^:]*):([^:]*):?(.*)$/s;

/** Decode one line a module wrote to Yate, accepting exactly what Yate accepts. */
export function decodeModuleLine(line: string): ModuleLine | MalformedLine {
  if (line.startsWith(MESSAGE)) return decodeMessage(line, false);
  if (line.startsWith(ANSWER)) return decodeAnswer(line, false);
  if (line === '%%>quit') return { type: 'quit' };
  if (line.startsWith('%%>install:')) {
    // `id >> prio >> ":"`: an optional leading integer (strtol), then String >> ":" which is
    // strstr: it skips past the FIRST ':' anywhere in the rest, not only a leading one.
    let rest = line.slice('%%>install:'.length);
    const m = /^[ \t\n\v\f\r]*([+-]?\d+)/.exec(rest);
    const priority = m ? Number(m[1]) + 0 : null; // + 0: no -0
    if (m) rest = rest.slice(m[0].length);
    const col = rest.indexOf(':');
    if (col >= 0) rest = rest.slice(col + 1);
    const f = INSTALL_FILTER.exec(rest);
    if (!f) return { type: 'install', priority, name: rest, filter: null };
    const fname = field(line, f[2]!, 'filter name');
    if (typeof fname !== 'string') return fname;
    const fvalue = field(line, f[3]!, 'filter value');
    if (typeof fvalue !== 'string') return fvalue;
    return { type: 'install', priority, name: f[1]!, filter: fname ? { name: fname, value: fvalue } : null };
  }
  for (const w of ['uninstall', 'watch', 'unwatch'] as const) {
    const prefix = `%%>${w}:`;
    if (line.startsWith(prefix)) return { type: w, name: line.slice(prefix.length) };
  }
  if (line.startsWith('%%>output:')) return { type: 'output', text: trimBlanks(line.slice('%%>output:'.length)) };
  if (line.startsWith('%%>debug:')) {
    const rest = line.slice('%%>debug:'.length);
    const col = rest.indexOf(':');
    const level = Number(rest.slice(0, col));
    if (col < 0 || !/^\d+$/.test(rest.slice(0, col))) return malformed(line, 'bad debug level');
    const text = field(line, rest.slice(col + 1), 'debug text');
    if (typeof text !== 'string') return text;
    return { type: 'debug', level, text };
  }
  if (line.startsWith('%%>setlocal:')) {
    const rest = line.slice('%%>setlocal:'.length);
    const col = rest.indexOf(':');
    if (col <= 0) return malformed(line, 'setlocal needs NAME:VALUE');
    return { type: 'setlocal', name: rest.slice(0, col), value: trimBlanks(rest.slice(col + 1)) };
  }
  if (line.startsWith('%%>connect:')) {
    const [role = '', channel = '', ...kind] = line.slice('%%>connect:'.length).split(':');
    return { type: 'connect', role, channel, kind: kind.join(':') };
  }
  return malformed(line, 'not a module line');
}
