// What a member's copy of a group's message looks like (docs/groups.md): pure functions.
//
//   From       the group, with its writer in the display name: "123 via team" <sip:team@domain>,
//              so that a phone's reply goes to the group and its list shows who wrote
//   body       text/plain: "123: hello" (groupPolicy.prefix): a phone that shows a conversation
//              by its address (Linphone) shows every message of the group in one thread, and
//              only the text says who wrote each; message/cpim: its own From header names the
//              writer (RFC 3862), whatever the writer's client put there; anything else as it came
//   headers    those describing the body; not the writer's Call-ID (each copy is a request of its
//              own, and a receipt naming it would be about the group's message, not this copy)
import { baseMimeType, type GroupPolicy } from '../../config/index.js';
import type { Outgoing } from '../core/outgoing.js';
import { escapeUser } from '../core/sip.js';
import { CPIM_TYPE } from '../core/vocabulary.js';

/** The display name of a copy's From: who wrote, and through which group. */
export function displayOf(writer: string, group: string): string {
  return `${writer} via ${group}`;
}

/** The copy of `out` (written by `out.sender` to `group`) for `member`. */
export function copyOf(out: Outgoing, group: string, member: string, policy: Pick<GroupPolicy, 'prefix'>): Outgoing {
  const writer = out.sender;
  const headers: Record<string, string> = {};
  for (const [n, v] of Object.entries(out.headers ?? {})) if (n !== 'Call-ID') headers[n] = v;
  return {
    sender: group,
    senderName: displayOf(writer, group),
    domain: out.domain,
    called: member,
    type: out.type,
    body: bodyOf(out, headers, writer, policy),
    encoding: out.encoding,
    antiloop: Math.max(0, out.antiloop - 1),
    headers,
  };
}

function bodyOf(out: Outgoing, headers: Readonly<Record<string, string>>, writer: string, policy: Pick<GroupPolicy, 'prefix'>): string {
  const base = baseMimeType(out.type);
  // A body that is encoded for the wire (Content-Encoding: deflate...) is not text to write into.
  if (Object.hasOwn(headers, 'Content-Encoding')) return out.body;
  if (base === 'text/plain' && !out.encoding && policy.prefix) return `${writer}: ${out.body}`;
  if (base === CPIM_TYPE && (out.encoding === '' || out.encoding === 'base64')) {
    const raw = out.encoding ? Buffer.from(out.body, 'base64').toString('latin1') : out.body;
    const signed = cpimFrom(raw, writer, out.domain);
    return out.encoding ? Buffer.from(signed, 'latin1').toString('base64') : signed;
  }
  return out.body;
}

/**
 * `cpim` (a message/cpim body, as bytes) with its From header naming `writer` (RFC 3862 section
 * 3.3: the message headers come first, up to an empty line): an existing From is replaced, else
 * one is put first. A body without that empty line is not CPIM: it is returned unchanged.
 */
export function cpimFrom(cpim: string, writer: string, domain: string): string {
  const end = /\r?\n\r?\n/.exec(cpim);
  if (!end) return cpim;
  const nl = end[0].startsWith('\r') ? '\r\n' : '\n';
  const head = cpim.slice(0, end.index).split(/\r?\n/);
  const quoted = writer.replace(/[\x00-\x1f]/g, ' ').replace(/["\\]/g, (c) => '\\' + c);
  const from = `From: "${quoted}" <sip:${escapeUser(writer)}${domain ? `@${domain}` : ''}>`;
  const i = head.findIndex((l) => l.startsWith('From:'));
  if (i >= 0) head[i] = from;
  else head.unshift(from);
  return head.join(nl) + cpim.slice(end.index);
}
