// Byte strings: the representation of every value on the wire (see escape.ts).
// Yate carries bytes, not text: a body may be UTF-8, another charset or NUL-free binary, and
// must reach the recipient byte for byte. Reading lines as latin1 gives one char per byte, so
// nothing is lost; these helpers convert at the edges where text is meant.

// ASCII is the same in both forms (the common case: user names, routes, log lines).
const NOT_ASCII = /[^\x00-\x7f]/;

/** UTF-8 text -> byte string (what to put in a param when you mean text). */
export function fromText(text: string): string {
  return NOT_ASCII.test(text) ? Buffer.from(text, 'utf8').toString('latin1') : text;
}

/** Byte string -> text, decoding UTF-8 (invalid sequences become U+FFFD). */
export function toText(bytes: string): string {
  return NOT_ASCII.test(bytes) ? Buffer.from(bytes, 'latin1').toString('utf8') : bytes;
}

/** Byte string -> Buffer (exact bytes). */
export function toBuffer(bytes: string): Buffer {
  return Buffer.from(bytes, 'latin1');
}

/** Buffer -> byte string. */
export function fromBuffer(buf: Uint8Array): string {
  return Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength).toString('latin1');
}
