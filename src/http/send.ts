// POST /v1/messages: the request body (checked with zod, each problem as "field: expected ...,
// got ...", like the rules file) and the HTTP status for the SIP code the message got. The
// message itself goes through ChatModule.send with via 'http': the sender's checks and the
// rules' routing and delivery, exactly as a SIP MESSAGE from `from` (src/chat/api.ts).
import { z } from 'zod';
import { show } from '../config/schema.js';

const USER = /^[^\s@:<>"]+$/;
/** type/subtype, optional parameters, nothing that breaks a line (as api.ts sends). */
const CONTENT_TYPE = /^[\w!#$%&'*+.^`|~-]+\/[\w!#$%&'*+.^`|~-]+(?:\s*;[^\x00-\x1f\x7f]*)?$/;

const text = (expected: string, test: (s: string) => boolean) =>
  z.custom<string>((v) => typeof v === 'string' && test(v), { error: (iss) => `expected ${expected}, got ${show(iss.input)}` });

/** A header value: one line of at most 256 characters. */
const headerValue = text('a header value (one line, at most 256 characters)', (s) => s.trim().length > 0 && s.length <= 256 && /^[^\x00-\x1f\x7f]*$/.test(s));

export const SendBody = z.strictObject(
  {
    from: text('a user name, optionally @domain (like "123" or "123@sip.example.com")', (s) => s.length <= 256 && USER.test(s.split('@', 1)[0]!) && s.split('@').length <= 2 && !s.endsWith('@')),
    to: text('a user name (like "234")', (s) => s.length <= 256 && USER.test(s)),
    body: text('a non-empty string', (s) => s.length > 0),
    contentType: text('a MIME type like "text/plain" or "text/plain;charset=utf-8"', (s) => s.length <= 256 && CONTENT_TYPE.test(s)).optional(),
    bodyEncoding: text('"base64" (the body is binary, given in base64)', (s) => s === 'base64').optional(),
    contentEncoding: headerValue.optional(),
    contentLanguage: headerValue.optional(),
    contentDisposition: headerValue.optional(),
  },
  { error: (iss) => (iss.code === 'unrecognized_keys' ? undefined : `expected a JSON object {"from", "to", "body", "contentType"}, got ${show(iss.input)}`) },
);

/** The SIP headers the optional fields stand for. */
export const BODY_HEADER_FIELDS = { contentEncoding: 'Content-Encoding', contentLanguage: 'Content-Language', contentDisposition: 'Content-Disposition' } as const;

export interface Problem {
  readonly field: string;
  readonly message: string;
}

/** The body's problems, one per field (an unknown field is one too); [] when it is valid. */
export function problemsOf(error: z.ZodError): Problem[] {
  return error.issues.flatMap((i): Problem[] =>
    i.code === 'unrecognized_keys'
      ? i.keys.map((k) => ({ field: k, message: `unknown field (expected "from", "to", "body", "contentType", "bodyEncoding", ${Object.keys(BODY_HEADER_FIELDS).map((f) => `"${f}"`).join(', ')})` }))
      : [{ field: i.path.join('.') || 'body', message: i.message }],
  );
}

/** The HTTP status for a message's SIP code (docs/http.md, "The send API"). */
export function httpStatusOf(code: number, rateLimited: boolean): number {
  if (rateLimited) return 429;
  if (code === 202) return 202;
  if (code >= 200 && code < 300) return 200;
  switch (code) {
    case 403: case 413: case 415: case 500: case 503: case 504: return code;
    case 404: case 410: case 484: return 404;
    case 408: return 504; // the far end stopped answering
    case 480: return 503; // offline and not kept: try later
    case 483: return 508; // a loop
    default: return 502; // the far end refused it: its own code is in the JSON
  }
}
