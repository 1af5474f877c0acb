// Line framing over a byte stream with split2.
//
// Yate carries bytes, not text (a MESSAGE body may be any NUL-free bytes). split2 would decode
// UTF-8 and turn invalid sequences into U+FFFD, so it is given strings instead of bytes: each
// chunk read as latin1, one char per byte (its StringDecoder passes strings through). The lines
// are "byte strings" in which char code == wire byte; a byte never straddles two chunks.
import type { Readable } from 'node:stream';
import split2 from 'split2';

/** Longest engine -> module line we buffer (Yate sets no cap; this bounds our memory). */
export const MAX_INCOMING_LINE = 16 * 1024 * 1024;

/** Feed `input` into a line stream of byte strings. */
export function readLines(input: Readable, maxLength = MAX_INCOMING_LINE): Readable {
  const lines = split2(/\r?\n/, (line: string) => line, { maxLength, skipOverflow: true, writableObjectMode: true } as split2.Options);
  input.on('data', (chunk: Buffer) => lines.write(chunk.toString('latin1')));
  input.once('end', () => lines.end());
  return lines;
}

/**
 * Room a line takes in Yate's read buffer: its bytes, the '\n', and the NUL Yate terminates it
 * with. extmodule reads a line of N-2 bytes into a buffer of N and closes the module at N-1
 * ("Overflow reading in buffer"), so a line fits when wireLength(line) <= bufsize.
 */
export function wireLength(line: string): number {
  return line.length + 2;
}
