// Lines to Yate. Each is checked against the bufsize Yate confirmed (a longer one would make
// Yate close the module), and every line written in one turn of the event loop (the answers to
// every line of a chunk Yate sent, their log lines) leaves in ONE write at the end of the turn:
// a write is a system call, and per line they would cost the module more than everything else
// it does for a MESSAGE.
import type { Writable } from 'node:stream';
import { YateChatError } from '../errors.js';
import { encodeLine } from '../protocol/encode.js';
import type { ModuleLine } from '../protocol/types.js';
import { wireLength } from './framing.js';
import { DEFAULT_BUFSIZE } from './options.js';

export class LineWriter {
  #out: Writable | null = null;
  #text = '';
  #scheduled = false;
  readonly #flushNow = (): void => this.flush();
  /** Longest line (with its '\n') Yate reads: the bufsize it confirmed. */
  maxLine = DEFAULT_BUFSIZE;

  /** A new link: Yate's buffer is back to its default until bufsize is confirmed again. */
  attach(out: Writable): void {
    this.#out = out;
    this.#text = '';
    this.maxLine = DEFAULT_BUFSIZE;
  }

  /** The link is gone: what was not written yet was for it. */
  detach(): void {
    this.#out = null;
    this.#text = '';
  }

  get attached(): boolean {
    return this.#out !== null;
  }

  /** Encode a line, check it fits; throws LINE_TOO_LONG (nothing written). */
  encode(line: ModuleLine): string {
    const text = encodeLine(line);
    if (wireLength(text) > this.maxLine) {
      throw new YateChatError('LINE_TOO_LONG', `a ${line.type} line of ${wireLength(text)} bytes exceeds Yate's bufsize of ${this.maxLine}`);
    }
    return text;
  }

  /** Queue encoded lines, already checked; false (nothing queued) when there is no link. */
  queue(text: string): boolean {
    if (!this.#out) return false;
    this.#text += text + '\n';
    if (!this.#scheduled) {
      this.#scheduled = true;
      queueMicrotask(this.#flushNow);
    }
    return true;
  }

  /** Write what is queued now (before the link closes). */
  flush(): void {
    this.#scheduled = false;
    const text = this.#text;
    if (!text) return;
    this.#text = '';
    this.#out?.write(text, 'latin1');
  }
}
