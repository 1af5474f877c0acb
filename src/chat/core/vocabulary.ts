// The words yate-chat and Yate exchange, in one place: the params we mark our own messages
// with, the routes we answer when we carry a native MESSAGE out ourselves, the handler
// priorities, ysipchan's error names and the content types the rooms single out.

/** Param we put on messages we emit, so a handler of ours that still sees one passes it by. */
export const MARK = 'yatechat_origin';

/** Param (and install filter) marking a MESSAGE yate-chat routed; never on a voice call. */
export const ROUTED = 'yatechat_route';
export const ROUTED_VALUE = 'yes';

/** Routes to ourselves on the native path (call.route answered with one of these, then the
 *  msg.execute it becomes comes back to us): keep it for USER, deliver to callto.1..N ourselves,
 *  a copy to each of USER's devices, POST it to ADDR's webhook, post it to GROUP's members. */
export const OFFLINE_CALLTO = 'yate-chat/offline/';
export const DELIVER_CALLTO = 'yate-chat/deliver/';
export const FORK_CALLTO = 'yate-chat/fork/';
export const WEBHOOK_CALLTO = 'yate-chat/webhook/';
export const GROUP_CALLTO = 'yate-chat/group/';

/**
 * Where our handlers sit (lower runs first; the modules around us: lateroute msg.execute 75,
 * regfile call.route/user.register 100, ysipchan's msg.execute relay 100 and xsip.generate 110):
 *   msg.route      25  rename to call.route early, like the seed's rule, so every router sees it
 *   sip.message    80  before regexroute's seed rule (120) and anything at the default 100; a
 *                      MESSAGE for a registered user is renamed to xsip.generate right here
 *   sip.publish    80  likewise
 *   sip.subscribe  80  Event: presence only (any other event is left untouched for sipfeatures
 *                      at 100, which answers 489 to events nobody serves); with presence.subscribe
 *   call.route     90  filter route_type=msg (voice calls never reach us); before regfile 100:
 *                      aliases and refusals come first, and regfile answers whatever we leave
 *   msg.execute   110  filter yatechat_route=yes: only native MESSAGEs we routed to ourselves,
 *                      or that ysipchan's relay (100) could not send. Never a voice call.
 *   xsip.generate 120  filter yatechat_route=yes: a renamed sip.message ysipchan (110) could
 *                      not send (or nothing handles xsip.generate)
 */
export const PRIORITIES = {
  'msg.route': 25,
  'sip.message': 80,
  'sip.publish': 80,
  'sip.subscribe': 80,
  'call.route': 90,
  'msg.execute': 110,
  'xsip.generate': 120,
} as const;

/** ysipchan's error names (its dict_errors) for a request it could not send, as SIP codes. */
export const YSIPCHAN_ERROR_CODES: Readonly<Record<string, number>> = { looping: 483, noroute: 404, offline: 480, noconn: 503, notransport: 503, failure: 500 };

/** Yate's error names for our refusals on the native path (ysipchan maps them back to codes). */
export const ERROR_NAMES: Readonly<Record<number, string>> = { 403: 'forbidden', 404: 'noroute', 415: 'nomedia', 480: 'offline', 483: 'looping', 503: 'service-unavailable' };

/** Presence documents (RFC 3863): what a PUBLISH must carry and every NOTIFY carries. */
export const PIDF_TYPE = 'application/pidf+xml';

/** "is typing" indications (RFC 3994): meaningless later, so never kept. */
export const ISCOMPOSING_TYPE = 'application/im-iscomposing+xml';

/** Delivery and display receipts (RFC 5438, what Linphone sends back): about a message, not one a
 *  person wrote; kept, never worth a push. */
export const IMDN_TYPE = 'message/imdn+xml';

/** Common Presence and Instant Messaging format (RFC 3862): headers of its own before its body. */
export const CPIM_TYPE = 'message/cpim';
/** antiloop when a message names none (Yate's default hop budget). */
export const DEFAULT_ANTILOOP = 20;
