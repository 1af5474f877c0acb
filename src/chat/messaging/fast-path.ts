// The fast path: hand the sender's own MESSAGE to ysipchan in the same dispatch, so that Yate
// offers yate-chat one message and yate-chat emits none (docs/yate-module.md, "What a module
// costs the engine"). ysipchan then sends it with wait=true in the thread that already carries
// the sender's request and answers the sender with the far end's own code.
//
//   generic path: the sip.message is renamed xsip.generate (answered unprocessed, new name);
//                 ysipchan's SipHandler (110) takes it from there.
//   native path:  the call.route is answered with the route; ysipchan renames it msg.execute
//                 (keeping every param) and its msg.execute relay (100) sends it.
//
// Both end in SIPDriver::sendMethod, which reads the message's own params. The sender's request
// left some there that would be wrong for the recipient, so they are removed:
//   sip_*                      every one becomes a header (the sender's From with its tag,
//                              Call-ID, Content-Type a second time, "uri", ...)
//   connection_id, ip_transport*   pick the SENDER's transport; the recipient's is its
//                              registration's oconnection_id (yatevoip/yate issue 19)
//   id                         an in-dialog request: sendMethod would send inside that dialog
//   host, port, line, user, authname, password, osip-prefix, message-prefix, xsip_flags
// and From (the authenticated sender), To (the recipient's address of record), the headers that
// travel with the message (core/outgoing.ts: its Call-ID and those describing the body, as the
// sender wrote them), wait=true and ROUTED are set. The body (xsip_body, and xsip_body_encoding
// for a body Yate carries encoded) is already there and goes out byte for byte.
//
// If ysipchan cannot send (error=noconn, offline, ...) the message goes on down the handler
// list to ours (routed.ts), which the ROUTED param selects by install filter.
import type { Message } from '../../engine/message.js';
import { carriedParams, type Outgoing } from '../core/outgoing.js';
import { fromHeader, sipUri, type Target } from '../core/sip.js';
import { ROUTED, ROUTED_VALUE } from '../core/vocabulary.js';

const SENDER_ONLY = new Set([
  'connection_id', 'ip_transport', 'ip_transport_tcp', 'ip_transport_tls', 'ip_transport_remoteip',
  'ip_transport_remoteport', 'ip_transport_localip', 'ip_transport_localport',
  'id', 'host', 'port', 'line', 'user', 'authname', 'password', 'osip-prefix', 'message-prefix', 'xsip_flags',
]);

/** Can this target go the fast path? A SIP route only (other drivers get a msg.execute). */
export function inPlaceUri(target: Target): string | null {
  return sipUri(target.callto);
}

function prepare(msg: Message, target: Target, out: Outgoing): void {
  msg.params.deleteIf((n) => n.startsWith('sip_') || SENDER_ONLY.has(n));
  if (out.domain) {
    msg.set('sip_From', fromHeader(out.sender, out.domain, out.senderName));
    msg.set('sip_To', fromHeader(out.called, out.domain));
  } else {
    msg.set('user', out.sender);
  }
  for (const [n, v] of carriedParams(out.headers)) msg.set(n, v);
  if (out.type !== msg.get('xsip_type')) msg.set('xsip_type', out.type);
  if (target.params.oconnection_id) msg.set('connection_id', target.params.oconnection_id);
  if (target.params.line) msg.set('line', target.params.line);
  msg.set('wait', 'true');
  msg.set(ROUTED, ROUTED_VALUE);
}

/** Generic path: turn the sip.message into ysipchan's xsip.generate. Answer it unprocessed. */
export function renameToGenerate(msg: Message, target: Target, out: Outgoing): void {
  prepare(msg, target, out);
  msg.name = 'xsip.generate';
  msg.set('method', 'MESSAGE').set('uri', inPlaceUri(target)!);
  // ysipchan answers the sender with `code`, or with the return value when the transaction
  // ended with no final answer at all (it clears `code` then): never a 200 by default.
  msg.retval = '500';
}

/** Native path: answer ysipchan's call.route with the route, ready for its msg.execute relay.
 *  Answer it processed. */
export function routeInPlace(msg: Message, target: Target, out: Outgoing): void {
  prepare(msg, target, out);
  msg.retval = target.callto;
}
