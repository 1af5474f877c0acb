// ysipchan (modules/ysipchan.cpp), the parts the chat pipeline touches. Outgoing side here;
// incoming requests (MESSAGE, PUBLISH, REGISTER) in sip-incoming.ts.
//
// Handlers (tracked "sip:PRIO"): call.route 100 (the Driver's Route relay; routes nothing here),
// msg.execute 100 (the Driver's MsgExecute relay, see below), xsip.generate 110 (SipHandler, only
// with [general] generate=yes), engine.status 110: the module's line, and for `module=sip
// transports NAME` (SIPDriver::msgStatusTransport) the return value REPLACED by that transport's
// line with `local=` (every transport here is the UDP listener at `localAddress`; not processed,
// as SIPDriver::received answers it). Other `module=sip ...` selections are not emulated.
//
// SIPDriver::sendMethod, used by xsip.generate (method from `method`; none -> not handled):
//   - an `id` param names a channel: none exists here -> error=noconn, not processed
//   - uri: `uri` (a `<...>` form is unwrapped); empty -> error=failure, not processed
//   - antiloop (default maxforwards 20) <= 0 -> error=looping, not processed
//   - `line` naming a known line that is not registered -> error=offline (lines are not emulated)
//   - no host in the uri, or one that does not resolve (`.invalid`) -> error=notransport, not processed
//   - every `sip_X` param becomes header X; xsip_type + xsip_body (+ xsip_body_encoding
//     base64|hex|hexs) the body; Max-Forwards = antiloop; `connection_id` picks the transport
//   - without wait=true: sent and forgotten, processed, nothing changed
//   - with wait=true: returns after the transaction with code=N SET (appended), and every param
//     `sip`/`sip_*` and `xsip`/`xsip_*` CLEARED (so sip_From, xsip_type, xsip_body are gone,
//     as probe-native.txt shows), plus any headers of the answer as sip_<lowercase name>; processed
//     even for 408. The far end here is a responder: default 200 after `answerDelay` for a uri
//     that is a registered contact (regfile's, or any device that REGISTERed and did not
//     unregister: regfile keeps one per user, each phone still answers), else 408 after
//     `timeoutDelay` (Yate: 7.5 s over UDP with no answer at all, 32 s after a provisional one).
// In-dialog requests such as a NOTIFY of a subscription are built by sendMethod from the same
// params (sip_From/sip_To with tags, sip_Call-ID, sip_CSeq taken as given); the far end's
// answer (200, 481...) comes from the responder. Simplified: no dialog state is kept here (the
// watcher's side decides), and `host`/`port` are recorded in `params` but not routed on.
// SUBSCRIBE in: sip-incoming.ts (receiveSubscribe; [methods] subscribe is `subscribe`).
// msg.execute with callto=sip/URI: ysipchan's MsgExecute relay (100) calls
// sendMethod(msg,"MESSAGE",true,URI), i.e. sends it itself, as measured on Yate 6.4.1
// (docs/yate-module.md): without wait=true the sender of a native MESSAGE gets 200 at once.
// `msgExecuteRelay: false` turns the relay off (an older belief this emulator once followed).
// The transport sendMethod picks (YateSIPPartyHolder::setParty): the `connection_id` param
// names it; else `ip_transport` (UDP/TCP/TLS) says which kind; else UDP.
import type { NativeHost } from '../host.js';
import type { Message } from '../message.js';
import { IncomingSip } from './sip-incoming.js';
import type { ResponderResult, SipRequest, YsipchanOptions } from './sip-types.js';

export type { SipRequest, ResponderResult, Responder, YsipchanOptions } from './sip-types.js';

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

export class Ysipchan extends IncomingSip {
  /** Every request sent (xsip.generate, or msg.execute with the relay on), in order. */
  readonly sent: SipRequest[] = [];

  constructor(emu: NativeHost, readonly opts: YsipchanOptions = {}) {
    super(emu, opts);
    const d = emu.dispatcher;
    const track = { track: 'sip' };
    d.install('call.route', 100, () => false, track);
    d.install('msg.execute', 100, (m) => {
      const dest = m.getParam('callto') ?? '';
      if (this.opts.msgExecuteRelay === false || !dest.startsWith('sip/')) return false;
      return this.sendMethod(m, 'MESSAGE', dest.slice(4), 'msg.execute');
    }, track);
    d.install('engine.status', 110, (m) => {
      const mod = m.getParam('module') ?? '';
      const transport = /^sip\s+transports\s+(\S.*)$/.exec(mod)?.[1]?.trim();
      if (transport && !/^(udp|tcp|tls|all)$/i.test(transport)) {
        m.retval = `module=sip,protocol=SIP;name=${transport},protocol=UDP,status=Connected,statustime=0,local=${this.opts.localAddress ?? '127.0.0.1:5060'},lines=,references=1,reason=\r\n`;
        return false;
      }
      if (mod && mod !== 'sip') return false;
      m.retval += 'name=sip,type=varchans,format=Status|Address|Peer;routed=0,routing=0,total=0,chans=0,transactions=0\r\n';
      return false;
    }, track);
    if (opts.generate) {
      d.install('xsip.generate', 110, (m) => {
        const method = m.getParam('method') ?? '';
        return method !== '' && this.sendMethod(m, method, '', 'xsip.generate');
      }, track);
    }
  }

  /** SIPDriver::sendMethod. `target` is the uri for msg.execute (msgExec), '' for xsip.generate. */
  async sendMethod(m: Message, method: string, target: string, via: SipRequest['via']): Promise<boolean> {
    if (m.getParam('id')) { m.setParam('error', 'noconn'); return false; }
    let uri = via === 'msg.execute' ? target || (m.getParam('uri') ?? '') : m.getParam('uri') ?? target;
    const wrapped = /<([^>]+)>/.exec(uri);
    if (wrapped) uri = wrapped[1]!;
    if (!uri) { m.setParam('error', 'failure'); return false; }
    const maxf = m.getInt('antiloop', this.opts.maxForwards ?? 20);
    if (maxf <= 0) { m.setParam('error', 'looping'); return false; }
    // No party can be built for a uri without a host, or with one that does not resolve (the
    // RFC 2606 `.invalid` names stand for those here).
    const host = /^sips?:(?:[^@]*@)?([^@;?:>]+)/i.exec(uri)?.[1];
    if (!host || /\.invalid$/i.test(host)) { m.setParam('error', 'notransport'); return false; }
    const type = m.getParam('xsip_type') ?? '';
    const rawBody = m.getParam('xsip_body');
    const encoding = m.getParam('xsip_body_encoding') ?? null;
    const hasBody = type !== '' && rawBody !== undefined;
    const req: SipRequest = {
      via, method, uri, maxForwards: maxf,
      headers: m.params.filter(([k]) => k.startsWith('sip_')).map(([k, v]) => [k.slice(4), v] as const),
      type: hasBody ? type : null,
      body: hasBody ? rawBody! : null,
      bodyBytes: hasBody ? decodeBody(rawBody!, encoding) : null,
      encoding: hasBody ? encoding : null,
      connectionId: m.getParam('connection_id') ?? null,
      ipTransport: m.getParam('ip_transport') ?? null,
      user: m.getParam('user') ?? null,
      domain: m.getParam('domain') ?? null,
      wait: m.getBool('wait', false),
      params: m.snapshot(),
      code: null,
    };
    this.sent.push(req);
    const done = this.transaction(req);
    if (!req.wait) { void done; return true; }
    const answer = await done;
    m.setParam('code', String(answer.code));
    m.clearParam('sip', '_');
    m.clearParam('xsip', '_');
    for (const [k, v] of answer.headers) m.addParam('sip_' + k.toLowerCase(), v);
    return true;
  }

  /** The simulated SIP transaction: ask the responder, wait its delay, record the code. */
  private async transaction(req: SipRequest): Promise<{ code: number; headers: ReadonlyArray<readonly [string, string]> }> {
    let r = this.opts.responder ? await this.opts.responder(req) : undefined;
    if (r === undefined) r = this.defaultAnswer(req);
    const res = typeof r === 'number' ? { code: r } : r;
    const delay = res.delay ?? (res.code === 408 ? this.opts.timeoutDelay ?? 200 : this.opts.answerDelay ?? 5);
    await sleep(delay);
    req.code = res.code;
    return { code: res.code, headers: res.headers ?? [] };
  }

  private defaultAnswer(req: SipRequest): ResponderResult {
    const contacts = this.emu.regfile?.contacts() ?? [];
    return contacts.includes(req.uri) || this.phones.has(req.uri) ? 200 : 408;
  }
}

function decodeBody(body: string, encoding: string | null): string {
  switch (encoding) {
    case 'base64': return Buffer.from(body, 'base64').toString('latin1');
    case 'hex': return Buffer.from(body, 'hex').toString('latin1');
    case 'hexs': return Buffer.from(body.replace(/[^0-9a-fA-F]/g, ''), 'hex').toString('latin1');
    default: return body;
  }
}
