// Yate's msgEscape/msgUnescape (engine/String.cpp), on byte strings.
//
// A "byte string" is a JS string in which every char code is one wire byte (0..255):
// the connection decodes lines as latin1 so that any byte sequence Yate carries
// (UTF-8 or not) survives decode -> encode unchanged. See ./bytes.ts.

const NEEDS_ESCAPE = /[\x00-\x1f:%]/;
const NEEDS_ESCAPE_NAME = /[\x00-\x1f:%=]/;
const CONTROL = /[\x00-\x1f]/;

/**
 * Escape one field: a byte below 0x20 and ':' become '%' + (byte + 64), '%' becomes '%%'.
 * With `name` set, '=' is escaped too ('%}'), as Yate does for parameter names.
 */
export function escape(value: string, name = false): string {
  if (!(name ? NEEDS_ESCAPE_NAME : NEEDS_ESCAPE).test(value)) return value;
  let out = '';
  let from = 0;
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (c < 0x20 || c === 0x3a || (name && c === 0x3d)) {
      out += value.slice(from, i) + '%' + String.fromCharCode(c + 64);
      from = i + 1;
    } else if (c === 0x25) {
      out += value.slice(from, i) + '%%';
      from = i + 1;
    }
  }
  return out + value.slice(from);
}

export type Unescaped = { ok: true; value: string } | { ok: false; offset: number };

/**
 * Undo escape(). Like Yate's decoder it refuses a raw byte below 0x20 and a '%' followed by
 * anything but 'A'..'_', 'z' or '%' ('%@' would be NUL, which Yate cannot carry; a '%' at the
 * end of the field is refused too). `%}` ('=') is accepted only with `name` set: it is how
 * Yate's encoder writes '=' in a parameter NAME, and nowhere else. Yate's DECODER refuses it
 * even there (docs/yate-module.md), so only engine lines are read with `name` set.
 * `offset` is the position of the offending char within `value`.
 */
export function unescape(value: string, name = false): Unescaped {
  if (value.indexOf('%') < 0) {
    const bad = value.search(CONTROL);
    return bad < 0 ? { ok: true, value } : { ok: false, offset: bad };
  }
  let out = '';
  let from = 0;
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (c < 0x20) return { ok: false, offset: i };
    if (c !== 0x25) continue;
    const n = i + 1 < value.length ? value.charCodeAt(i + 1) : -1;
    let decoded: number;
    if ((n > 0x40 && n <= 0x5f) || n === 0x7a || (name && n === 0x7d)) decoded = n - 64;
    else if (n === 0x25) decoded = 0x25;
    else return { ok: false, offset: i + 1 };
    out += value.slice(from, i) + String.fromCharCode(decoded);
    i++;
    from = i + 1;
  }
  return { ok: true, value: out + value.slice(from) };
}
