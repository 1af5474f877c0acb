// SIP on the wire (RFC 3261 section 7): parse one datagram into a request or response with its
// headers in order and its body as raw bytes, build one back, and answer digest challenges
// (RFC 2617, MD5, with or without qop=auth). Pure functions, no sockets: sip-ua.ts does the I/O.
import { createHash, randomBytes } from 'node:crypto';

/** Headers in wire order; names in their long form as sent (compact forms expanded). */
export type Headers = [name: string, value: string][];

export interface SipRequestMsg {
  readonly kind: 'request';
  readonly method: string;
  readonly uri: string;
  readonly headers: Headers;
  readonly body: Buffer;
}

export interface SipResponseMsg {
  readonly kind: 'response';
  readonly code: number;
  readonly reason: string;
  readonly headers: Headers;
  readonly body: Buffer;
}

export type SipMsg = SipRequestMsg | SipResponseMsg;

const COMPACT: Record<string, string> = {
  v: 'Via', f: 'From', t: 'To', i: 'Call-ID', m: 'Contact', l: 'Content-Length', c: 'Content-Type',
  e: 'Content-Encoding', k: 'Supported', s: 'Subject', o: 'Event', r: 'Refer-To', u: 'Allow-Events',
};

/** First value of header `name` (case-insensitive), or undefined. */
export function header(headers: Headers, name: string): string | undefined {
  const lower = name.toLowerCase();
  return headers.find(([h]) => h.toLowerCase() === lower)?.[1];
}

/** Every value of header `name`, in order (comma-joined values are not split). */
export function headerAll(headers: Headers, name: string): string[] {
  const lower = name.toLowerCase();
  return headers.filter(([h]) => h.toLowerCase() === lower).map(([, v]) => v);
}

/** Parse one datagram; throws on something that is not SIP. */
export function parseSip(data: Buffer): SipMsg {
  const end = data.indexOf('\r\n\r\n');
  if (end < 0) throw new Error('SIP message without the blank line after its headers');
  const lines = data.subarray(0, end).toString('utf8').split('\r\n');
  const start = lines.shift() ?? '';
  const headers: Headers = [];
  for (const line of lines) {
    if (/^[ \t]/.test(line) && headers.length > 0) {
      headers[headers.length - 1]![1] += ' ' + line.trim(); // folded continuation line
      continue;
    }
    const colon = line.indexOf(':');
    if (colon <= 0) throw new Error(`bad SIP header line ${JSON.stringify(line)}`);
    const raw = line.slice(0, colon).trim();
    headers.push([COMPACT[raw.toLowerCase()] ?? raw, line.slice(colon + 1).trim()]);
  }
  const rest = data.subarray(end + 4);
  const len = header(headers, 'Content-Length');
  const body = Buffer.from(len === undefined ? rest : rest.subarray(0, Number(len)));
  const status = /^SIP\/2\.0 (\d{3}) ?(.*)$/.exec(start);
  if (status) return { kind: 'response', code: Number(status[1]), reason: status[2] ?? '', headers, body };
  const req = /^([A-Z]+) (\S+) SIP\/2\.0$/.exec(start);
  if (!req) throw new Error(`bad SIP start line ${JSON.stringify(start)}`);
  return { kind: 'request', method: req[1]!, uri: req[2]!, headers, body };
}

/** Serialise; Content-Length is computed from the body (any Content-Length in `headers` is dropped). */
export function buildSip(start: string, headers: Headers, body: Buffer = Buffer.alloc(0)): Buffer {
  const head = [start, ...headers.filter(([h]) => h.toLowerCase() !== 'content-length').map(([h, v]) => `${h}: ${v}`), `Content-Length: ${body.length}`];
  return Buffer.concat([Buffer.from(head.join('\r\n') + '\r\n\r\n', 'utf8'), body]);
}

/** A random token for tags, branches (after the z9hG4bK magic cookie) and Call-IDs. */
export const token = (): string => randomBytes(8).toString('hex');

/** The `tag` parameter of a From/To value, or undefined. */
export function tagOf(value: string): string | undefined {
  return /;\s*tag=([^;>\s]+)/i.exec(value)?.[1];
}

/** The branch of a Via value. */
export function branchOf(via: string): string | undefined {
  return /;\s*branch=([^;\s,]+)/i.exec(via)?.[1];
}

/** The URI inside a name-addr (`"x" <sip:a@b>;tag=1` -> `sip:a@b`) or an addr-spec. */
export function uriOf(value: string): string {
  const m = /<([^>]*)>/.exec(value);
  return m ? m[1]! : value.split(';')[0]!.trim();
}

/** `Digest k="v", k2=v2` -> params (quotes removed), lower-case names. */
export function parseChallenge(value: string): { scheme: string; params: Record<string, string> } {
  const sp = value.indexOf(' ');
  const scheme = sp < 0 ? value : value.slice(0, sp);
  const params: Record<string, string> = {};
  const re = /\s*([A-Za-z0-9_-]+)\s*=\s*("((?:[^"\\]|\\.)*)"|[^,\s]*)\s*,?/g;
  const rest = sp < 0 ? '' : value.slice(sp + 1);
  for (let m = re.exec(rest); m; m = re.exec(rest)) {
    params[m[1]!.toLowerCase()] = m[3] !== undefined ? m[3].replace(/\\(.)/g, '$1') : m[2]!;
  }
  return { scheme, params };
}

const md5 = (s: string): string => createHash('md5').update(s, 'utf8').digest('hex');

/** The Authorization / Proxy-Authorization value answering `challenge` (RFC 2617 MD5). */
export function digestAuthorization(challenge: string, cred: { user: string; password: string; method: string; uri: string; nc?: number; cnonce?: string }): string {
  const { scheme, params } = parseChallenge(challenge);
  if (scheme.toLowerCase() !== 'digest') throw new Error(`unsupported auth scheme ${scheme}`);
  if (params.algorithm && params.algorithm.toUpperCase() !== 'MD5') throw new Error(`unsupported digest algorithm ${params.algorithm}`);
  const realm = params.realm ?? '';
  const nonce = params.nonce ?? '';
  const ha1 = md5(`${cred.user}:${realm}:${cred.password}`);
  const ha2 = md5(`${cred.method}:${cred.uri}`);
  const fields = [`username="${cred.user}"`, `realm="${realm}"`, `nonce="${nonce}"`, `uri="${cred.uri}"`];
  const qops = (params.qop ?? '').split(',').map((q) => q.trim());
  if (qops.includes('auth')) {
    const nc = (cred.nc ?? 1).toString(16).padStart(8, '0');
    const cnonce = cred.cnonce ?? token();
    fields.push(`response="${md5(`${ha1}:${nonce}:${nc}:${cnonce}:auth:${ha2}`)}"`, 'qop=auth', `nc=${nc}`, `cnonce="${cnonce}"`);
  } else {
    fields.push(`response="${md5(`${ha1}:${nonce}:${ha2}`)}"`);
  }
  fields.push('algorithm=MD5');
  if (params.opaque !== undefined) fields.push(`opaque="${params.opaque}"`);
  return `Digest ${fields.join(', ')}`;
}
