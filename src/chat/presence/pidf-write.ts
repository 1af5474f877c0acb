// The PIDF document (RFC 3863) a NOTIFY carries for one presentity: one <tuple> per source of
// its state (each PUBLISHed device, or its registration), open ones first. Pure: text in, text
// out; every value is escaped for XML and stripped of characters XML 1.0 cannot carry.
import type { Presence } from './book.js';

export interface Tuple {
  /** Stable across NOTIFYs for the same source (a publication, the registration). */
  readonly id: string;
  /** 'unknown' writes no <basic> (PIDF makes it optional). */
  readonly basic: 'open' | 'closed' | 'unknown';
  readonly note: string;
  /** ms since the epoch, when the state was given; none for a derived state. */
  readonly at?: number;
}

export const PIDF_NS = 'urn:ietf:params:xml:ns:pidf';

/** Text as XML character data or attribute value. */
export function xmlEscape(text: string): string {
  return text
    // XML 1.0 Char: no C0 controls but tab, LF, CR; no lone surrogates; no U+FFFE/U+FFFF.
    .replace(/[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g, '')
    .replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' })[c]!);
}

/** `entity` is the presentity's URI (`sip:234@example.org`). */
export function composePidf(entity: string, tuples: readonly Tuple[]): string {
  const body = tuples.map((t) => {
    const basic = t.basic === 'unknown' ? '' : `<basic>${t.basic}</basic>`;
    const note = t.note ? `<note>${xmlEscape(t.note)}</note>` : '';
    const at = t.at === undefined ? '' : `<timestamp>${new Date(t.at).toISOString()}</timestamp>`;
    return `<tuple id="${xmlEscape(t.id)}"><status>${basic}</status>${note}${at}</tuple>`;
  });
  return `<?xml version="1.0" encoding="UTF-8"?>\r\n<presence xmlns="${PIDF_NS}" entity="${xmlEscape(entity)}">${body.join('')}</presence>\r\n`;
}

/**
 * The presentity's tuples. `registered`: true or false when known (the registration view, or
 * Yate's routers), null when nothing is known. Known not registered: closed ("offline"),
 * whatever it published before; else its live publications (the latest first, open ones
 * before the others); else open ("online") when registered, closed ("offline") when not.
 */
export function presentityTuples(publications: readonly Presence[], registered: boolean | null): Tuple[] {
  if (publications.length && registered !== false) {
    const rank = (p: Presence) => (p.basic === 'open' ? 0 : 1);
    return [...publications]
      .sort((a, b) => rank(a) - rank(b))
      .map((p) => ({ id: p.id, basic: p.basic === 'open' || p.basic === 'closed' ? p.basic : 'unknown', note: p.note, at: p.at }));
  }
  return [{ id: 'registration', basic: registered ? 'open' : 'closed', note: registered ? 'online' : 'offline' }];
}
