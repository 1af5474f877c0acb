// How ExtModReceiver::run (modules/extmodule.cpp) cuts the module's output into lines.
//
// Yate reads into a buffer of m_buffer.length() bytes (8192 by default, setlocal bufsize
// 2048..65536) and keeps one byte for the NUL terminator: at most N-1 bytes sit in it. When the
// buffer holds N-1 bytes and no line end, `bufspace` is 0 and Yate logs
//   "Overflow reading in buffer of length N, closing"
// and leaves its reader loop: the module is closed. So with bufsize N:
//   - a line of up to N-2 bytes (not counting its '\n') is read;
//   - a line of N-1 bytes or more overflows, however the bytes arrive.
// A line ends at '\n' or at a NUL byte (strchr/strlen on the C buffer); a '\r' before the '\n'
// is dropped; empty lines are skipped.
// Shrinking the buffer below what is already read logs "Lost data shrinking read buffer to N,
// closing": approximated by checkShrink() after each processed line.

export type Frame = { kind: 'line'; line: string } | { kind: 'overflow'; size: number } | null;

export class LineBuffer {
  /** Unprocessed bytes (a byte string). */
  private pending = '';
  /** Bytes of the last line handed out (with its terminator), for checkShrink(). */
  private lastLen = 0;

  constructor(private readonly size: () => number) {}

  push(chunk: string): void {
    this.pending += chunk;
  }

  get buffered(): number {
    return this.pending.length;
  }

  /** The next complete line, an overflow, or null when more bytes are needed. */
  next(): Frame {
    for (;;) {
      const n = this.size();
      const nl = this.pending.indexOf('\n');
      const nul = this.pending.indexOf('\0');
      const end = nl < 0 ? nul : nul < 0 ? nl : Math.min(nl, nul);
      if (end < 0) return this.pending.length >= n - 1 ? { kind: 'overflow', size: n } : null;
      if (end >= n - 1) return { kind: 'overflow', size: n };
      let line = this.pending.slice(0, end);
      this.pending = this.pending.slice(end + 1);
      this.lastLen = end + 1;
      if (line.endsWith('\r')) line = line.slice(0, -1);
      if (line === '') continue;
      return { kind: 'line', line };
    }
  }

  /** After a line changed the size: would Yate have lost data it had already read? */
  checkShrink(oldSize: number): boolean {
    const n = this.size();
    if (n >= oldSize) return false;
    const read = Math.min(oldSize - 1, this.lastLen + this.pending.length);
    return read >= n;
  }
}
