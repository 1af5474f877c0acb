// Reading a PIDF document (RFC 3863, a PUBLISH body) for what yate-chat keeps: the first
// <basic> (open or closed) and the first <note>. A sender chooses every byte of the body, so this
// is ONE forward pass: each scan starts where the last one ended and the position only grows,
// so the work is linear in the body's length whatever it holds (a regex such as
// /<basic>\s*([^<\s]*)\s*<\/basic>/ retries from every "<basic>" and is quadratic: 40 KB of
// "<basic>" and blanks blocked the event loop for 1.75 s). `meter` counts the characters each
// step looks at, so a test can check the bound without timing anything.
//
// What it understands: elements with any namespace prefix (matched case-insensitively, like the
// seed's tolerant reading), attributes with quoted values (a '>' inside quotes does not end a
// tag), comments, CDATA sections, processing instructions and declarations, and the five
// predefined entities plus character references in text. It is not a validator: a body it
// cannot read simply yields basic "unknown" and no note.
import { fromText } from '../../protocol/bytes.js';

export interface Pidf {
  readonly basic: 'open' | 'closed' | 'unknown';
  /** The first <note>, entities decoded, trimmed, at most NOTE_MAX_BYTES (a byte string). */
  readonly note: string;
}

/** Longest note kept (bytes; cut at a UTF-8 character boundary). */
export const NOTE_MAX_BYTES = 256;

/** Text read from an element before entities are decoded and it is trimmed and cut. */
const KEEP = NOTE_MAX_BYTES * 4;

/** Counts the characters looked at (tests). */
export interface Meter { steps: number }

const ENTITIES: Record<string, string> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" };

export function readPidf(body: string, meter?: Meter): Pidf {
  const n = body.length;
  let pos = 0;
  let basic: string | null = null;
  let note: string | null = null;
  /** The element whose text is being read: its full tag name, or null. */
  let inside: string | null = null;
  let insideNote = false;
  let text = '';
  const take = (s: string, decode: boolean): void => {
    // More than a note can keep is never needed.
    const room = KEEP - text.length;
    if (room <= 0) return;
    const part = s.length > room + 12 ? s.slice(0, room + 12) : s;
    text += decode ? decodeEntities(part, meter) : part;
  };
  const skipTo = (end: string, from: number): number => {
    const at = body.indexOf(end, from);
    if (meter) meter.steps += (at < 0 ? n : at) - from + 1;
    return at < 0 ? n : at + end.length;
  };

  while (pos < n && (basic === null || note === null)) {
    const lt = body.indexOf('<', pos);
    if (meter) meter.steps += (lt < 0 ? n : lt) - pos + 1;
    if (lt < 0) break;
    if (inside !== null) take(body.slice(pos, lt), true);
    if (body.startsWith('<!--', lt)) { pos = skipTo('-->', lt + 4); continue; }
    if (body.startsWith('<![CDATA[', lt)) {
      const end = body.indexOf(']]>', lt + 9);
      if (meter) meter.steps += (end < 0 ? n : end) - lt + 1;
      if (end < 0) break;
      if (inside !== null) take(body.slice(lt + 9, end), false);
      pos = end + 3;
      continue;
    }
    if (body.startsWith('<?', lt)) { pos = skipTo('?>', lt + 2); continue; }
    if (body.startsWith('<!', lt)) { pos = skipTo('>', lt + 2); continue; }

    // A start or end tag: its name, then on to its '>' (outside quoted attribute values).
    let i = lt + 1;
    const closing = body.charCodeAt(i) === 0x2f; // '/'
    if (closing) i++;
    const nameStart = i;
    while (i < n && !isNameEnd(body.charCodeAt(i))) i++;
    const name = body.slice(nameStart, i);
    let quote = 0;
    for (; i < n; i++) {
      const c = body.charCodeAt(i);
      if (quote) { if (c === quote) quote = 0; }
      else if (c === 0x22 || c === 0x27) quote = c;
      else if (c === 0x3e) break; // '>'
    }
    if (meter) meter.steps += i - lt + 1;
    if (i >= n) break;
    const selfClosing = body.charCodeAt(i - 1) === 0x2f;
    pos = i + 1;

    if (inside !== null) {
      // Only plain text counts: the element's own end tag ends it; anything else abandons it.
      if (closing && name === inside) {
        if (insideNote) note = text;
        else basic = text;
      }
      inside = null;
      text = '';
      continue;
    }
    if (closing || selfClosing || !name) continue;
    const local = name.slice(name.lastIndexOf(':') + 1).toLowerCase();
    if (local === 'basic' && basic === null) { inside = name; insideNote = false; }
    else if (local === 'note' && note === null) { inside = name; insideNote = true; }
  }

  const b = basic === null ? '' : trimXml(basic).toLowerCase();
  return { basic: b === 'open' || b === 'closed' ? b : 'unknown', note: note === null ? '' : cutUtf8(trimXml(note), NOTE_MAX_BYTES) };
}

/** Whitespace, '/', '>' end a tag name. */
function isNameEnd(c: number): boolean {
  return c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d || c === 0x2f || c === 0x3e;
}

/** XML whitespace (space, tab, CR, LF) off both ends. */
function trimXml(s: string): string {
  let a = 0;
  let b = s.length;
  const ws = (c: number) => c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d;
  while (a < b && ws(s.charCodeAt(a))) a++;
  while (b > a && ws(s.charCodeAt(b - 1))) b--;
  return s.slice(a, b);
}

/** `&lt;` `&#233;` `&#xE9;`... as UTF-8 bytes (the body is a byte string); an unknown or
 *  unterminated reference stays as written. */
function decodeEntities(s: string, meter?: Meter): string {
  let amp = s.indexOf('&');
  if (amp < 0) return s;
  let out = '';
  let from = 0;
  if (meter) meter.steps += s.length;
  while (amp >= 0) {
    // A reference is short: its ';' is looked for within 10 characters only.
    let semi = -1;
    const stop = Math.min(s.length, amp + 11);
    for (let k = amp + 1; k < stop; k++) if (s.charCodeAt(k) === 0x3b) { semi = k; break; }
    if (meter) meter.steps += stop - amp;
    if (semi > amp) {
      const ref = s.slice(amp + 1, semi);
      let value: string | undefined = ENTITIES[ref];
      if (value === undefined && ref.startsWith('#')) {
        const cp = ref[1] === 'x' || ref[1] === 'X' ? parseHex(ref.slice(2)) : parseDec(ref.slice(1));
        if (cp !== null) value = fromText(String.fromCodePoint(cp));
      }
      if (value !== undefined) {
        out += s.slice(from, amp) + value;
        from = semi + 1;
      }
    }
    amp = s.indexOf('&', amp + 1);
  }
  return out + s.slice(from);
}

function parseDec(s: string): number | null {
  return /^[0-9]{1,7}$/.test(s) ? codePoint(Number.parseInt(s, 10)) : null;
}

function parseHex(s: string): number | null {
  return /^[0-9a-fA-F]{1,6}$/.test(s) ? codePoint(Number.parseInt(s, 16)) : null;
}

/** A character XML allows (no NUL, no surrogate halves). */
function codePoint(cp: number): number | null {
  return cp > 0 && cp <= 0x10ffff && !(cp >= 0xd800 && cp <= 0xdfff) ? cp : null;
}

/** At most `max` bytes of a byte string, not cutting a UTF-8 sequence in two. */
export function cutUtf8(bytes: string, max: number): string {
  if (bytes.length <= max) return bytes;
  let end = max;
  // Back off continuation bytes (10xxxxxx) to the start of the character that was cut.
  while (end > 0 && (bytes.charCodeAt(end) & 0xc0) === 0x80) end--;
  return bytes.slice(0, end);
}
