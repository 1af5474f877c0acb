// One line per message in Yate's log, like the seed's echo: sender, recipient, type,
// encoding, size, what became of it, and (only with the rules' logBodies) the body shortened.
import { toText } from '../../protocol/bytes.js';
import type { Kernel } from './kernel.js';
import type { Outgoing } from './outgoing.js';

export function bodyPreview(body: string, encoding: string, max = 60): string {
  if (encoding) return `<${encoding}, ${body.length} bytes>`;
  const text = toText(body).replace(/[\x00-\x1f\x7f]/g, (c) => (c === '\n' ? '\u23ce' : ' '));
  return JSON.stringify(text.length > max ? text.slice(0, max) + '\u2026' : text);
}

/** `outcome`: the code and why ("404 no route to 999"), or where it went on to. The body itself
 *  (its first 60 characters) only with `logBodies` (the rules' switch, off by default): what
 *  people write to each other is not the log's business unless the admin says so. */
export function messageLine(kind: string, from: string, to: string, type: string | undefined, encoding: string, body: string, outcome: string, logBodies: boolean): string {
  const enc = encoding ? `, ${encoding}` : '';
  const preview = logBodies ? ` ${bodyPreview(body, encoding)}` : '';
  return `${kind} ${toText(from) || '?'} -> ${toText(to) || '?'} [${type ? toText(type) : 'no type'}${enc}, ${body.length} B]${preview} => ${outcome}`;
}

/** Yate's log line for one MESSAGE: `outcome` is the code and why, or where it went on to. */
export function logMessage(k: Pick<Kernel, 'log' | 'config'>, out: Pick<Outgoing, 'sender' | 'called' | 'type' | 'encoding' | 'body'>, outcome: string): void {
  k.log.info(messageLine('MESSAGE', out.sender, out.called, out.type, out.encoding, out.body, outcome, k.config.logBodies));
}
