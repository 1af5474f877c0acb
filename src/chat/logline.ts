// One line per message in Yate's log, like the seed's echo: sender, recipient, type,
// encoding, size, the body shortened, and what became of it.
import { toText } from '../protocol/bytes.js';

export function bodyPreview(body: string, encoding: string, max = 60): string {
  if (encoding) return `<${encoding}, ${body.length} bytes>`;
  const text = toText(body).replace(/[\x00-\x1f\x7f]/g, (c) => (c === '\n' ? '\u23ce' : ' '));
  return JSON.stringify(text.length > max ? text.slice(0, max) + '\u2026' : text);
}

/** `outcome`: the code and why ("404 no route to 999"), or where it went on to. */
export function messageLine(kind: string, from: string, to: string, type: string | undefined, encoding: string, body: string, outcome: string): string {
  const enc = encoding ? `, ${encoding}` : '';
  return `${kind} ${toText(from) || '?'} -> ${toText(to) || '?'} [${type ? toText(type) : 'no type'}${enc}, ${body.length} B] ${bodyPreview(body, encoding)} => ${outcome}`;
}
