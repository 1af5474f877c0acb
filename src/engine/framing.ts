// Line framing over a byte stream.
//
// Yate carries bytes, not text (a MESSAGE body may be any NUL-free bytes), so each chunk is read
// as latin1: one char per byte ("byte strings", char code == wire byte), and a multi-byte UTF-8
// sequence split across chunks survives untouched. Lines end at '\n'; a '\r' before it is dropped.
//
// A line longer than `maxLength` is not buffered: its first OVERFLOW_HEAD bytes are kept (enough
// for the `%%>message:ID:` that says which Yate thread waits on it), the rest is counted and
// dropped up to its '\n', and an Overflow comes out in its place, so the connection can log it
// and answer it. (split2's skipOverflow dropped such a line without a word, and its framing
// re-split the whole buffered line on every chunk: quadratic in a long line.)
import { Transform, type Readable } from 'node:stream';

/** Longest engine -> module line we buffer (Yate sets no cap; this bounds our memory). */
export const MAX_INCOMING_LINE = 16 * 1024 * 1024;

/** Bytes of an overlong line kept to say what it was. */
export const OVERFLOW_HEAD = 512;

/** A line longer than the limit, dropped: its first bytes and its whole length. */
export class Overflow {
  constructor(readonly head: string, readonly length: number) {}
}

class LineSplitter extends Transform {
  readonly #max: number;
  /** The unfinished line so far (a byte string). */
  #rest = '';
  /** Set while the bytes of an overlong line are being dropped. */
  #overflow: { head: string; length: number } | null = null;

  constructor(maxLength: number) {
    super({ readableObjectMode: true });
    this.#max = maxLength;
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, cb: () => void): void {
    const text = chunk.toString('latin1');
    let start = 0;
    for (let nl = text.indexOf('\n'); nl >= 0; nl = text.indexOf('\n', start)) {
      this.#end(text.slice(start, nl));
      start = nl + 1;
    }
    this.#more(start === 0 ? text : text.slice(start));
    cb();
  }

  override _flush(cb: () => void): void {
    if (this.#overflow || this.#rest) this.#end('');
    cb();
  }

  /** Bytes of a line whose end has not come yet. */
  #more(part: string): void {
    if (!part) return;
    if (this.#overflow) {
      this.#overflow.length += part.length;
      return;
    }
    this.#rest += part;
    if (this.#rest.length > this.#max) {
      this.#overflow = { head: this.#rest.slice(0, OVERFLOW_HEAD), length: this.#rest.length };
      this.#rest = '';
    }
  }

  /** The last bytes of a line: push it (or its Overflow). */
  #end(part: string): void {
    const o = this.#overflow;
    if (o) {
      this.#overflow = null;
      this.push(new Overflow(o.head, o.length + part.length));
      return;
    }
    let line = this.#rest ? this.#rest + part : part;
    this.#rest = '';
    if (line.length > this.#max) {
      this.push(new Overflow(line.slice(0, OVERFLOW_HEAD), line.length));
      return;
    }
    if (line.charCodeAt(line.length - 1) === 0x0d) line = line.slice(0, -1);
    this.push(line);
  }
}

/** Pipe `input` into a stream of byte-string lines, and an Overflow for each overlong one. */
export function readLines(input: Readable, maxLength = MAX_INCOMING_LINE): Readable {
  return input.pipe(new LineSplitter(maxLength));
}

/**
 * Room a line takes in Yate's read buffer: its bytes, the '\n', and the NUL Yate terminates it
 * with. extmodule reads a line of N-2 bytes into a buffer of N and closes the module at N-1
 * ("Overflow reading in buffer"), so a line fits when wireLength(line) <= bufsize.
 */
export function wireLength(line: string): number {
  return line.length + 2;
}
