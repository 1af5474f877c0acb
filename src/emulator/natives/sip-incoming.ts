// Incoming SIP requests as ysipchan dispatches them (YateSIPEndPoint::generic and regRun in
// modules/ysipchan.cpp), with the parameter names and ORDER of the recorded transcripts
// (6.4.1 orders some params differently from the source read: the transcripts win).
//
// MESSAGE / PUBLISH / SUBSCRIBE, generic path ([methods] message=yes, publish=yes,
// subscribe=yes): dispatch `sip.message` / `sip.publish` / `sip.subscribe` (any other event
// than the handlers serve: not processed, answered with the engine's default 405; Yate's
// sipfeatures, not emulated, would answer 489). Native MESSAGE path ([message] enable=yes): the same params after
// module=sip, route_type=msg, dispatched as `call.route`; when processed with a usable return
// value (not empty, "-" or "error") and antiloop > 0 (else 483), the SAME message is renamed
// msg.execute with callto=<route> appended, error/reason cleared, return value emptied, and
// dispatched again.
// The sender's final response (generic() after the last dispatch):
//   processed:     `code` param, else the return value, as an integer; if neither parses, the
//                  `reason` param mapped by dict_errors (offline->404, ...), else 200
//   not processed: `code` param, else `reason` mapped, else (native path, both 0) the `error`
//                  param as an INTEGER (so error=offline counts as 0); below 300 means none
//   a code outside 200..699: the request is refused with the SIP engine's default, 405
// So on the native path a message to a defined but offline user gets 405 unless a handler sets
// `code` or `reason` (regfile sets only error=offline).
// Authentication: [message] auth_required / [methods] message=yes both challenge an
// unauthenticated sender: `username: ''` answers 401 without dispatching anything. With
// authentication off (`auth: false`: [methods] message=no, [message] auth_required=no) nothing
// is challenged and the message carries no `username` (nor realm, newcall): only the claimed
// caller from the From header.
// The user.auth exchange is not dispatched; its results (realm, newcall, domain) are filled in.
import type { NativeHost } from '../host.js';
import { toInteger } from '../convert.js';
import { Message } from '../message.js';
import type { YsipchanOptions } from './sip-types.js';

export interface IncomingOptions {
  caller: string;
  called: string;
  /** Body bytes (byte string). Only carried when `type` is given (no Content-Type, no body). */
  body?: string;
  /** MIME type -> xsip_type; its header value is `contentType` (default the type). */
  type?: string;
  contentType?: string;
  /** Set for a non-text body: xsip_body_encoding, and `body` is given already encoded. */
  encoding?: 'base64' | 'hex';
  /** The body as the request carried it (a byte string), instead of `body`/`encoding`: carried
   *  as text or base64 the way ysipchan decides it (wireBody). */
  wire?: string;
  /** Authenticated user (default: the caller); '' = not authenticated -> 401. */
  username?: string;
  callername?: string;
  /** The From domain / our domain (default 127.0.0.1). */
  domain?: string;
  /** Sender address (default 127.0.0.1:5072, UDP, connection "general"). */
  host?: string;
  port?: number;
  transport?: 'UDP' | 'TCP' | 'TLS';
  connectionId?: string;
  /** Request URI (default sip:CALLED@DOMAIN:5060), Call-ID, From tag, dialog tag. */
  uri?: string;
  callid?: string;
  fromTag?: string;
  dlgtag?: string;
  /** Full From / To header values (defaults built from caller/called/callername/domain). */
  from?: string;
  to?: string;
  /** Further headers (lower-case names), placed after To, before Content-Type. */
  headers?: ReadonlyArray<readonly [string, string]>;
  /** Max-Forwards of the request (default 70); antiloop = min(it, maxforwards) - 1. */
  maxForwards?: number;
}

export interface MessageOptions extends IncomingOptions { path: 'generic' | 'native' }

/** A SUBSCRIBE: `caller` watches `called`. Dispatched only with `[methods] subscribe=yes`. */
export interface SubscribeOptions extends IncomingOptions {
  /** Event header (default presence); null sends none. */
  event?: string | null;
  /** Expires header; none when not given. */
  expires?: number;
  /** Contact URI (default sip:CALLER@127.0.0.1:5072); null sends none. */
  contact?: string | null;
  accept?: string;
  /** The To tag of the dialog: an in-dialog SUBSCRIBE (refresh, unsubscribe). Its xsip_dlgtag
   *  is this tag (SIPTransaction takes the To tag it carries). */
  toTag?: string;
}

export interface RegisterOptions {
  user: string;
  /** Contact URI, e.g. sip:234@127.0.0.1:5070. */
  contact: string;
  /** 0 unregisters (default 3600). */
  expires?: number;
  callid?: string;
  /** Request URI (default sip:127.0.0.1:5060). */
  uri?: string;
  domain?: string;
  host?: string;
  port?: number;
  transport?: 'UDP' | 'TCP' | 'TLS';
  connectionId?: string;
  /** The Contact header's own parameters, after its `>` (e.g. `;+sip.instance="<urn:uuid:...>"`). */
  contactParams?: string;
  /** User-Agent header: ysipchan copies it as `device` and `sip_user-agent`. */
  userAgent?: string;
}

export interface IncomingRecord {
  readonly method: string;
  readonly code: number;
  /** The final message (after every dispatch). */
  readonly message: Message;
  /** Headers of the answer: every `osip_X` param of the final message as X (copySipHeaders). */
  readonly answerHeaders: ReadonlyArray<readonly [string, string]>;
}

const DICT_ERRORS: Record<string, number> = {
  incomplete: 484, noroute: 404, noconn: 503, noauth: 401, noautoauth: 401, nomedia: 415, nocall: 481,
  busy: 486, noanswer: 480, rejected: 406, forbidden: 403, offline: 404, congestion: 480, unallocated: 410,
  moved: 410, failure: 500, pending: 491, looping: 483, timeout: 408, postdialdelay: 504,
  'service-not-implemented': 501, unimplemented: 501, 'service-unavailable': 503, unacceptable: 488,
  noresource: 503, interworking: 500, 'invalid-message': 400, 'protocol-error': 400,
};

/** NamedList::getIntValue(name, dict, def): a token from the dict, else an integer, else def. */
function lookupInt(m: Message, name: string, def: number): number {
  const v = m.getParam(name);
  if (v === undefined) return def;
  return Object.prototype.hasOwnProperty.call(DICT_ERRORS, v) ? DICT_ERRORS[v]! : toInteger(v, def);
}

/**
 * How ysipchan carries a request's body in a message (copySipBody after MimeBody::build, engine/
 * Mime.cpp): application/* is binary unless it is dtmf, dtmf-relay, json, yaml, x-yaml or ends
 * in +xml or +json (application/sdp is not carried at all: not emulated); text/*, any other type
 * ending in +xml and message/sipfrag are text; every other type (message/cpim among them) is
 * binary. A text body holding a NUL byte falls back to binary. Binary bodies are carried base64
 * ([general] body_encoding's default).
 */
export function wireBody(type: string, bytes: string): { body: string; encoding?: 'base64' } {
  const t = type.toLowerCase();
  const app = t.startsWith('application/') ? t.slice(12) : null;
  const text = app !== null
    ? ['dtmf', 'dtmf-relay', 'json', 'yaml', 'x-yaml'].includes(app) || /\+(xml|json)$/.test(app)
    : t.startsWith('text/') || (t.length >= 7 && t.endsWith('+xml')) || t === 'message/sipfrag';
  if (text && !bytes.includes('\0')) return { body: bytes };
  return { body: Buffer.from(bytes, 'latin1').toString('base64'), encoding: 'base64' };
}

export class IncomingSip {
  readonly incoming: IncomingRecord[] = [];
  /** Contacts that REGISTERed and did not unregister: the phones out there, whatever regfile
   *  remembers (it keeps one per user; every device still answers its own MESSAGEs). */
  readonly phones = new Set<string>();
  /** The last number used in a made-up Call-ID or From tag (each request takes the next). */
  #tagSeq = 7806;

  constructor(protected readonly emu: NativeHost, private readonly base: YsipchanOptions) {}

  /** A SIP MESSAGE arrives; resolves with the final response code the sender gets. */
  async receiveMessage(o: MessageOptions): Promise<number> {
    return this.generic('MESSAGE', o, o.path === 'native');
  }

  /** A SIP PUBLISH arrives ([methods] publish=yes): sip.publish; default Event: presence. */
  async receivePublish(o: IncomingOptions): Promise<number> {
    return this.generic('PUBLISH', { headers: [['event', 'presence']], ...o }, false);
  }

  /**
   * A SUBSCRIBE arrives. Without `[methods] subscribe=yes` (`subscribe` option) the SIP engine
   * answers 501 (not an allowed method) and nothing is dispatched; with it, `sip.subscribe`
   * like any generic method, answered from `code` and the `osip_*` params.
   */
  async receiveSubscribe(o: SubscribeOptions): Promise<number> {
    if (!this.base.subscribe) {
      this.incoming.push({ method: 'SUBSCRIBE', code: 501, message: new Message(''), answerHeaders: [] });
      return 501;
    }
    const domain = o.domain ?? '127.0.0.1';
    const headers: [string, string][] = [];
    if (o.event !== null) headers.push(['event', o.event ?? 'presence']);
    if (o.expires !== undefined) headers.push(['expires', String(o.expires)]);
    if (o.contact !== null) headers.push(['contact', `<${o.contact ?? `sip:${o.caller}@127.0.0.1:5072`}>`]);
    if (o.accept !== undefined) headers.push(['accept', o.accept]);
    const to = o.to ?? `<sip:${o.called}@${domain}>${o.toTag ? `;tag=${o.toTag}` : ''}`;
    const dlgtag = o.toTag ?? o.dlgtag;
    return this.generic('SUBSCRIBE', { ...o, to, headers: [...headers, ...(o.headers ?? [])], ...(dlgtag ? { dlgtag } : {}) }, false);
  }

  /** A REGISTER arrives (regRun): user.register, or user.unregister for expires=0. */
  async receiveRegister(o: RegisterOptions): Promise<number> {
    const expires = o.expires ?? 3600;
    const host = o.host ?? '127.0.0.1';
    const port = o.port ?? 5070;
    const dereg = expires === 0;
    const m = new Message(dereg ? 'user.unregister' : 'user.register');
    m.addParam('number', o.user).addParam('sip_uri', o.uri ?? 'sip:127.0.0.1:5060')
      .addParam('sip_callid', o.callid ?? `1-${++this.#tagSeq}@${host}`).addParam('expires', String(expires))
      .addParam('username', o.user).addParam('realm', this.base.realm ?? 'Yate').addParam('newcall', 'false')
      .addParam('domain', o.domain ?? '127.0.0.1');
    if (o.userAgent !== undefined) m.addParam('device', o.userAgent);
    m.addParam('driver', 'sip').addParam('data', 'sip/' + o.contact)
      .addParam('ip_host', host).addParam('ip_port', String(port)).addParam('ip_transport', o.transport ?? 'UDP')
      .addParam('address', `${host}:${port}`).addParam('connection_id', o.connectionId ?? 'general')
      .addParam('connection_reliable', String((o.transport ?? 'UDP') !== 'UDP'));
    if (!dereg) m.addParam('route_params', 'oconnection_id').addParam('oconnection_id', o.connectionId ?? 'general').addParam('sip_to', o.contact);
    if (o.userAgent !== undefined) m.addParam('sip_user-agent', o.userAgent);
    m.addParam('sip_contact', `<${o.contact}>${o.contactParams ?? ''}`).addParam('sip_expires', String(expires));
    if (dereg) this.phones.delete(o.contact);
    else this.phones.add(o.contact);
    const ok = await this.emu.dispatcher.dispatch(m);
    let code = 200;
    if (!ok && !dereg) {
      code = m.getInt('code', lookupInt(m, 'reason', 404));
      if (code < 300 || code > 699) code = 404;
    }
    this.incoming.push({ method: 'REGISTER', code, message: m, answerHeaders: [] });
    return code;
  }

  private async generic(method: string, o: IncomingOptions, isMsg: boolean): Promise<number> {
    // [methods] message=no / [message] auth_required=no: no challenge, and no `username` at all.
    const auth = this.base.auth ?? true;
    const user = auth ? o.username ?? o.caller : '';
    if (auth && user === '') { this.incoming.push({ method, code: 401, message: new Message(''), answerHeaders: [] }); return 401; }
    const domain = o.domain ?? '127.0.0.1';
    const host = o.host ?? '127.0.0.1';
    const port = o.port ?? 5072;
    const tag = o.fromTag ?? `${++this.#tagSeq}msg1`;
    const callername = o.callername ?? `Sender ${o.caller}`;
    const maxf = Math.min(o.maxForwards ?? 70, this.base.maxForwards ?? 20);
    const m = new Message(isMsg ? 'call.route' : `sip.${method.toLowerCase()}`);
    if (isMsg) m.addParam('module', 'sip').addParam('route_type', 'msg');
    m.addParam('called', o.called, false).addParam('caller', o.caller, false).addParam('callername', callername, false);
    if (auth) m.addParam('username', user).addParam('realm', this.base.realm ?? 'Yate').addParam('newcall', 'false');
    m.addParam('domain', domain).addParam('connection_id', o.connectionId ?? 'general')
      .addParam('connection_reliable', String((o.transport ?? 'UDP') !== 'UDP'));
    if (auth) m.addParam('username', user);
    m.addParam('antiloop', String(maxf - 1)).addParam('ip_host', host).addParam('ip_port', String(port))
      .addParam('ip_transport', o.transport ?? 'UDP').addParam('address', `${host}:${port}`)
      .addParam('sip_uri', o.uri ?? `sip:${o.called}@${domain}:5060`).addParam('sip_callid', o.callid ?? `1-${this.#tagSeq}@${host}`)
      .addParam('xsip_dlgtag', o.dlgtag ?? String(Math.floor(Math.random() * 2e9)))
      .addParam('sip_from', o.from ?? `"${callername}" <sip:${o.caller}@${domain}>;tag=${tag}`)
      .addParam('sip_to', o.to ?? `<sip:${o.called}@${domain}>`);
    for (const [k, v] of o.headers ?? []) m.addParam('sip_' + k, v);
    if (o.type) {
      const carried = o.wire === undefined ? { body: o.body ?? '', encoding: o.encoding } : wireBody(o.type, o.wire);
      m.addParam('sip_content-type', o.contentType ?? o.type).addParam('xsip_type', o.type);
      // copySipBody: xsip_type, then xsip_body_encoding (binary only), then xsip_body.
      if (carried.encoding) m.addParam('xsip_body_encoding', carried.encoding);
      m.addParam('xsip_body', carried.body);
    }
    let ok = await this.emu.dispatcher.dispatch(m);
    let code = 0;
    if (isMsg && ok) {
      ok = m.retval !== '' && m.retval !== '-' && m.retval !== 'error';
      if (ok && m.getInt('antiloop', 1) <= 0) { ok = false; code = 483; }
      if (ok) {
        m.name = 'msg.execute';
        m.setParam('callto', m.retval);
        m.clearParam('error').clearParam('reason');
        m.retval = '';
        ok = await this.emu.dispatcher.dispatch(m);
      }
    }
    if (ok) {
      code = toInteger(m.getParam('code') ?? m.retval, lookupInt(m, 'reason', 200));
    } else {
      const reason = lookupInt(m, 'reason', code);
      code = m.getInt('code', reason);
      if (isMsg && !code && !reason) code = m.getInt('error', 0);
      if (code < 300) code = 0;
    }
    if (code < 200 || code >= 700) code = this.base.defaultError ?? 405;
    const answerHeaders = m.params.filter(([k]) => k.startsWith('osip_') && k.length > 5).map(([k, v]) => [k.slice(5), v] as const);
    this.incoming.push({ method, code, message: m, answerHeaders });
    return code;
  }
}
