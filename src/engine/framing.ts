// Line framing over a byte stream, with split2.
//
// Yate carries bytes, not text (a MESSAGE body may be any NUL-free bytes), so each chunk is read
// as latin1, one char per byte, and split2 is given those strings (its StringDecoder passes
// strings through): the lines are "byte strings" in which char code == wire byte.
//
// A line longer than `maxLength` is not kept: an Overflow comes out in its place, with the
// line's first OVERFLOW_HEAD bytes (enough for the `%%>message:ID:` that says which Yate thread
// waits on it) and its length, so the connection can log it and answer it. split2 drops such a
// line silently once it has buffered maxLength of it (skipOverflow), so the bytes of the line
// being read are followed here too: its head and length, and whether split2 is dropping it.
import type { Readable } from 'node:stream';
import split2 from 'split2';

/** Longest engine -> module line we read (Yate sets no cap; this bounds our memory, and
 *  split2's work on a line that comes in many chunks). */
export const MAX_INCOMING_LINE = 4 * 1024 * 1024;

/** Bytes of an overlong line kept to say what it was. */
export const OVERFLOW_HEAD = 512;

/** A line longer than the limit, dropped: its first bytes and its whole length. */
export class Overflow {
  constructor(readonly head: string, readonly length: number) {}
}

/**
 * Call `onLine` with each byte-string line of `input`, and an Overflow for each overlong one, in
 * order. The lines are handed over from split2's mapper as split2 finds them, not pushed through
 * its readable side: that is the per-line cost a Yate thread waits on. The stream returned ends
 * when `input` does.
 */
export function readLines(input: Readable, onLine: (line: string | Overflow) => void, maxLength = MAX_INCOMING_LINE): Readable {
  const lines = split2(/\r?\n/, (line: string) => {
    onLine(line.length > maxLength ? new Overflow(line.slice(0, OVERFLOW_HEAD), line.length) : line);
    return undefined;
  }, { maxLength, skipOverflow: true, writableObjectMode: true } as split2.Options);
  lines.resume(); // nothing comes out of it but its end
  // The line not ended yet: its first bytes and its length; `dropping` once split2 gave up on it.
  let head = '';
  let length = 0;
  let dropping = false;
  input.on('data', (chunk: Buffer) => {
    const text = chunk.toString('latin1');
    const first = text.indexOf('\n');
    if (dropping && first >= 0) {
      // It ends in this chunk: split2 discards it up to here; report it before what follows.
      onLine(new Overflow(head, length + first));
      dropping = false;
    }
    const last = first < 0 ? -1 : text.lastIndexOf('\n');
    if (last < 0) {
      if (head.length < OVERFLOW_HEAD) head += text.slice(0, OVERFLOW_HEAD - head.length);
      length += text.length;
    } else {
      head = text.slice(last + 1, last + 1 + OVERFLOW_HEAD);
      length = text.length - last - 1;
    }
    lines.write(text);
    if ((lines as unknown as { overflow: boolean }).overflow) dropping = true;
  });
  // (At the end, split2 flushes what it kept of a line being dropped: through the mapper, an Overflow.)
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
