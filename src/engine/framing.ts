// Line framing over a byte stream with split2.
//
// Yate carries bytes, not text (a MESSAGE body may be any NUL-free bytes). split2 always decodes
// UTF-8, which would turn invalid sequences into U+FFFD. So each chunk is first re-encoded so that
// every byte becomes one char (latin1 -> UTF-8); split2 then yields "byte strings" in which char
// code == wire byte, and multi-byte sequences split across chunks survive.
import { Transform, type Readable } from 'node:stream';
import split2 from 'split2';

/** Longest engine -> module line we buffer (Yate sets no cap; this bounds our memory). */
export const MAX_INCOMING_LINE = 16 * 1024 * 1024;

function bytesAsChars(): Transform {
  return new Transform({
    transform(chunk: Buffer, _enc, cb) {
      cb(null, Buffer.from(chunk.toString('latin1'), 'utf8'));
    },
  });
}

/** Pipe `input` into a line stream of byte strings. */
export function readLines(input: Readable, maxLength = MAX_INCOMING_LINE): Readable {
  return input.pipe(bytesAsChars()).pipe(split2(/\r?\n/, (line: string) => line, { maxLength, skipOverflow: true } as split2.Options));
}

/**
 * Room a line takes in Yate's read buffer: its bytes, the '\n', and the NUL Yate terminates it
 * with. extmodule reads a line of N-2 bytes into a buffer of N and closes the module at N-1
 * ("Overflow reading in buffer"), so a line fits when wireLength(line) <= bufsize.
 */
export function wireLength(line: string): number {
  return line.length + 2;
}
