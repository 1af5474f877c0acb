// A small SIP user agent over UDP on 127.0.0.1 (RFC 3261), one per user, talking to one Yate:
// - as a client: REGISTER (Expires; 0 unregisters), MESSAGE (raw Buffer body, Content-Type
//   optional) and INVITE (minimal SDP; ACK for every final answer, CANCEL after ringing, BYE
//   after a 2xx), each answering one 401/407 digest challenge (RFC 2617 MD5); non-INVITE
//   requests are retransmitted with timers E/F, INVITE with timer A until it is answered;
// - as a server: every request Yate sends (MESSAGE, INVITE, BYE...) is recorded once with its
//   method, request-URI, headers and raw body, and answered with the code `ua.answer` picks
//   (default 200; CANCEL always 200, ACK never). A retransmission gets the first answer again
//   and is not recorded twice.
//
// - presence: PUBLISH (PIDF, SIP-If-Match), SUBSCRIBE and in-dialog re-SUBSCRIBE (refresh,
//   Expires 0 to unsubscribe) with digest auth; the NOTIFYs Yate sends come in as requests
//   (answered by `ua.answer`: 200, or 481 for a dialog the UA forgot).
//
//   const ua = await openUa({ user: '234', password: 'pw234', serverPort: yate.sipPort });
//   await ua.register(); ua.answer = (req) => req.method === 'MESSAGE' ? 486 : 200;
//   const r = await sender.message('234', Buffer.from('hi'), { contentType: 'text/plain' });
//   const got = await ua.waitForRequest((q) => q.method === 'MESSAGE');
import dgram from 'node:dgram';
import { branchOf, buildSip, digestAuthorization, header, headerAll, parseSip, tagOf, token, type Headers, type SipRequestMsg, type SipResponseMsg } from './sip-wire.js';

export interface UaOptions {
  readonly user: string;
  readonly password: string;
  /** Yate's SIP UDP port on 127.0.0.1: every request goes there. */
  readonly serverPort: number;
  /** Local UDP port to use (default: any free one). */
  readonly port?: number;
  /** Domain of the address of record (default 127.0.0.1). */
  readonly domain?: string;
  readonly displayName?: string;
  /** URI of the From header when it should differ from the address of record (`sip:USER@DOMAIN`). */
  readonly fromUri?: string;
  /** URI parameters of the Contact a REGISTER carries (e.g. RFC 8599's `;pn-provider=fcm;pn-prid=...`). */
  readonly contactUriParams?: string;
  /** Header parameters of that Contact, after the `>` (e.g. `;+sip.instance="<urn:uuid:...>"`, RFC 5626). */
  readonly contactHeaderParams?: string;
  /** User-Agent header of every request (default yate-chat-suite). */
  readonly userAgent?: string;
}

export interface ReceivedRequest extends SipRequestMsg {
  /** When it arrived (Date.now()). */
  readonly at: number;
}

/** What to answer a request Yate sent: a code, or a code with extra headers. */
export type Answer = number | { readonly code: number; readonly headers?: Headers };

export interface InviteOptions {
  /** Send CANCEL once a provisional answer above 100 arrives. */
  readonly cancelOnRinging?: boolean;
  /** After a 2xx and its ACK, wait this long and hang up with BYE (default 0). */
  readonly hangupAfterMs?: number;
}

export interface InviteResult {
  readonly final: SipResponseMsg;
  readonly provisional: readonly number[];
  /** The BYE's answer after a 2xx. */
  readonly bye?: SipResponseMsg;
}

/** A subscription's dialog as the subscriber keeps it (RFC 6665). */
export interface SubscribeDialog {
  readonly callId: string;
  readonly fromTag: string;
  /** The notifier's tag, from the 2xx. */
  toTag: string;
  /** The To URI (the presentity) and the request URI of a refresh (the 2xx's Contact). */
  readonly to: string;
  target: string;
  cseq: number;
}

export interface Ua {
  readonly user: string;
  readonly port: number;
  /** `sip:USER@DOMAIN` */
  readonly aor: string;
  /** `sip:USER@127.0.0.1:PORT` and the Contact's URI parameters, if any */
  readonly contact: string;
  /** Requests Yate sent us (not ACK), each once, in arrival order. */
  readonly received: ReceivedRequest[];
  readonly acks: ReceivedRequest[];
  /** Picks the answer to each request Yate sends (not consulted for ACK and CANCEL). */
  answer: (req: ReceivedRequest) => Answer;
  register(expires?: number): Promise<SipResponseMsg>;
  message(to: string, body: Buffer | string, opts?: { contentType?: string | null; headers?: Headers; timeoutMs?: number }): Promise<SipResponseMsg>;
  invite(to: string, opts?: InviteOptions): Promise<InviteResult>;
  /** PUBLISH presence (RFC 3903): a PIDF body, or none with `ifMatch` (refresh, or Expires 0). */
  publish(body: string | null, opts?: { expires?: number; ifMatch?: string }): Promise<SipResponseMsg>;
  /** SUBSCRIBE to `to`'s `event` (default presence); the dialog is set when the answer is 2xx. */
  subscribe(to: string, opts?: { expires?: number; event?: string; accept?: string }): Promise<{ res: SipResponseMsg; dialog: SubscribeDialog }>;
  /** SUBSCRIBE again inside the dialog: a refresh, or with 0 an unsubscribe. */
  resubscribe(dialog: SubscribeDialog, expires: number): Promise<SipResponseMsg>;
  waitForRequest(pred: (r: ReceivedRequest) => boolean, ms?: number): Promise<ReceivedRequest>;
  close(): Promise<void>;
}

const T1 = 500;
const T2 = 4000;
const TIMER_F = 32000;

interface Pending {
  onResponse(res: SipResponseMsg): void;
  abort(err: Error): void;
}

const sdp = (port: number): Buffer => Buffer.from([
  'v=0', `o=- ${Date.now()} 1 IN IP4 127.0.0.1`, 's=-', 'c=IN IP4 127.0.0.1', 't=0 0',
  `m=audio ${port} RTP/AVP 0 8 101`, 'a=rtpmap:0 PCMU/8000', 'a=rtpmap:8 PCMA/8000', 'a=rtpmap:101 telephone-event/8000', 'a=sendrecv', '',
].join('\r\n'));

export async function openUa(opts: UaOptions): Promise<Ua> {
  const sock = dgram.createSocket('udp4');
  await new Promise<void>((resolve, reject) => sock.once('error', reject).bind(opts.port ?? 0, '127.0.0.1', () => resolve()));
  const port = sock.address().port;
  const domain = opts.domain ?? '127.0.0.1';
  const aor = `sip:${opts.user}@${domain}`;
  const contact = `sip:${opts.user}@127.0.0.1:${port}${opts.contactUriParams ?? ''}`;
  const fromUri = opts.fromUri ?? aor;
  const display = opts.displayName === undefined ? '' : `"${opts.displayName.replace(/["\\]/g, '\\$&')}" `; // quoted-string (RFC 3261 25.1)
  const fromValue = (tag: string): string => `${display}<${fromUri}>;tag=${tag}`;
  const pending = new Map<string, Pending>(); // `${branch} ${method}`
  const served = new Map<string, Buffer>(); // `${branch} ${method}` -> the answer we sent
  const received: ReceivedRequest[] = [];
  const acks: ReceivedRequest[] = [];
  const waiters = new Set<() => void>();
  const registerCallId = `${token()}@127.0.0.1`;
  let registerCseq = 0;
  let closed = false;

  const send = (buf: Buffer, toPort = opts.serverPort): void => {
    if (!closed) sock.send(buf, toPort, '127.0.0.1');
  };

  /** One client transaction; resolves with its final answer. */
  const transact = (method: string, uri: string, headers: Headers, body: Buffer | undefined, o: { branch?: string; onProvisional?: (r: SipResponseMsg) => void; timeoutMs?: number } = {}): { branch: string; final: Promise<SipResponseMsg> } => {
    const branch = o.branch ?? `z9hG4bK${token()}`;
    const buf = buildSip(`${method} ${uri} SIP/2.0`, [['Via', `SIP/2.0/UDP 127.0.0.1:${port};branch=${branch};rport`], ...headers], body);
    const key = `${branch} ${method}`;
    const final = new Promise<SipResponseMsg>((resolve, reject) => {
      let interval = T1;
      let answered = false;
      let timer: NodeJS.Timeout | undefined;
      const retransmit = (): void => {
        if (method === 'INVITE' && answered) return; // timer A stops at the first answer
        send(buf);
        timer = setTimeout(retransmit, interval);
        interval = answered ? T2 : Math.min(interval * 2, T2);
      };
      const giveUp = setTimeout(() => {
        clearTimeout(timer);
        pending.delete(key);
        reject(new Error(`${method} ${uri}: no final answer from Yate in ${o.timeoutMs ?? TIMER_F} ms`));
      }, o.timeoutMs ?? TIMER_F);
      pending.set(key, {
        abort(err) {
          clearTimeout(timer);
          clearTimeout(giveUp);
          pending.delete(key);
          reject(err);
        },
        onResponse(res) {
          if (res.code < 200) {
            answered = true;
            o.onProvisional?.(res);
            return;
          }
          clearTimeout(timer);
          clearTimeout(giveUp);
          pending.delete(key);
          resolve(res);
        },
      });
      retransmit();
    });
    return { branch, final };
  };

  /** Send a request, answering one digest challenge; `build(cseq, auth)` makes its headers. */
  const withAuth = async (method: string, uri: string, build: (cseq: number, auth?: Headers[number]) => Headers, body?: Buffer, firstCseq = 1, timeoutMs?: number): Promise<SipResponseMsg> => {
    let cseq = firstCseq;
    let res = await transact(method, uri, build(cseq), body, timeoutMs !== undefined ? { timeoutMs } : {}).final;
    if (res.code === 401 || res.code === 407) {
      const challenge = header(res.headers, res.code === 401 ? 'WWW-Authenticate' : 'Proxy-Authenticate');
      if (challenge === undefined) return res;
      const auth: Headers[number] = [res.code === 401 ? 'Authorization' : 'Proxy-Authorization',
        digestAuthorization(challenge, { user: opts.user, password: opts.password, method, uri })];
      cseq += 1;
      res = await transact(method, uri, build(cseq, auth), body, timeoutMs !== undefined ? { timeoutMs } : {}).final;
    }
    return res;
  };

  const common = (callId: string, cseq: number, method: string): Headers => [
    ['Call-ID', callId], ['CSeq', `${cseq} ${method}`], ['Max-Forwards', '70'], ['User-Agent', opts.userAgent ?? 'yate-chat-suite'],
  ];

  const answerRequest = (req: SipRequestMsg, rinfo: dgram.RemoteInfo): void => {
    const via = headerAll(req.headers, 'Via');
    const branch = branchOf(via[0] ?? '') ?? '';
    if (req.method === 'ACK') {
      const key = `${branch} ACK ${header(req.headers, 'CSeq')}`;
      if (!served.has(key)) {
        served.set(key, Buffer.alloc(0));
        acks.push({ ...req, at: Date.now() });
      }
      return;
    }
    const key = `${branch} ${req.method}`;
    const again = served.get(key);
    if (again) {
      send(again, rinfo.port); // a retransmission: same answer, not recorded again
      return;
    }
    const rec: ReceivedRequest = { ...req, at: Date.now() };
    received.push(rec);
    let answer: Answer = 200;
    if (req.method !== 'CANCEL') {
      try {
        answer = ua.answer(rec);
      } catch {
        answer = 500;
      }
    }
    const code = typeof answer === 'number' ? answer : answer.code;
    const to = header(req.headers, 'To') ?? '';
    const headers: Headers = [
      ...via.map((v): Headers[number] => ['Via', v]),
      ['From', header(req.headers, 'From') ?? ''],
      ['To', tagOf(to) || code === 100 ? to : `${to};tag=${token()}`],
      ['Call-ID', header(req.headers, 'Call-ID') ?? ''],
      ['CSeq', header(req.headers, 'CSeq') ?? ''],
      ...(typeof answer === 'number' ? [] : answer.headers ?? []),
    ];
    let body: Buffer | undefined;
    if (req.method === 'INVITE' && code >= 200 && code < 300) {
      headers.push(['Contact', `<${contact}>`], ['Content-Type', 'application/sdp']);
      body = sdp(port + 1);
    }
    const buf = buildSip(`SIP/2.0 ${code} ${code < 300 ? 'OK' : 'Answer'}`, headers, body);
    served.set(key, buf);
    send(buf, rinfo.port);
    for (const w of waiters) w();
  };

  sock.on('message', (data, rinfo) => {
    let msg;
    try {
      msg = parseSip(data);
    } catch {
      return; // not SIP (e.g. a keep-alive): ignore
    }
    if (msg.kind === 'request') {
      answerRequest(msg, rinfo);
      return;
    }
    const branch = branchOf(header(msg.headers, 'Via') ?? '') ?? '';
    const method = (header(msg.headers, 'CSeq') ?? '').split(/\s+/)[1] ?? '';
    pending.get(`${branch} ${method}`)?.onResponse(msg);
  });

  const ua: Ua = {
    user: opts.user,
    port,
    aor,
    contact,
    received,
    acks,
    answer: () => 200,

    register(expires = 3600) {
      const uri = `sip:${domain === '127.0.0.1' ? `127.0.0.1:${opts.serverPort}` : domain}`;
      const tag = token();
      const start = registerCseq + 1;
      return withAuth('REGISTER', uri, (cseq, auth) => {
        registerCseq = cseq;
        return [
          ['From', fromValue(tag)], ['To', `<${aor}>`], ...common(registerCallId, cseq, 'REGISTER'),
          ['Contact', `<${contact}>${opts.contactHeaderParams ?? ''}`], ['Expires', String(expires)], ...(auth ? [auth] : []),
        ];
      }, undefined, start);
    },

    message(to, body, o = {}) {
      const uri = `sip:${to}@127.0.0.1:${opts.serverPort}`;
      const callId = `${token()}@127.0.0.1`;
      const tag = token();
      const type = o.contentType === undefined ? 'text/plain;charset=utf-8' : o.contentType;
      return withAuth('MESSAGE', uri, (cseq, auth) => [
        ['From', fromValue(tag)], ['To', `<sip:${to}@${domain}>`], ...common(callId, cseq, 'MESSAGE'),
        ...(type === null ? [] : [['Content-Type', type] as Headers[number]]), ...(o.headers ?? []), ...(auth ? [auth] : []),
      ], typeof body === 'string' ? Buffer.from(body, 'utf8') : body, 1, o.timeoutMs);
    },

    async invite(to, o = {}) {
      const uri = `sip:${to}@127.0.0.1:${opts.serverPort}`;
      const callId = `${token()}@127.0.0.1`;
      const tag = token();
      const toValue = `<sip:${to}@${domain}>`;
      const provisional: number[] = [];
      let auth: Headers[number] | undefined;
      for (let cseq = 1; ; cseq++) {
        const headers: Headers = [
          ['From', fromValue(tag)], ['To', toValue], ...common(callId, cseq, 'INVITE'), ['Contact', `<${contact}>`],
          ['Content-Type', 'application/sdp'], ...(auth ? [auth] : []),
        ];
        let cancelled = false;
        const tx = transact('INVITE', uri, headers, sdp(port + 1), {
          onProvisional: (r) => {
            provisional.push(r.code);
            if (o.cancelOnRinging && r.code > 100 && !cancelled) {
              cancelled = true;
              void transact('CANCEL', uri, [['From', fromValue(tag)], ['To', toValue], ...common(callId, cseq, 'CANCEL')], undefined, { branch: tx.branch }).final.catch(() => undefined);
            }
          },
        });
        const final = await tx.final;
        const finalTo = header(final.headers, 'To') ?? toValue;
        if (final.code >= 300) {
          // ACK for a non-2xx answer: part of the INVITE transaction (same branch, same URI).
          send(buildSip(`ACK ${uri} SIP/2.0`, [
            ['Via', `SIP/2.0/UDP 127.0.0.1:${port};branch=${tx.branch};rport`], ['From', fromValue(tag)], ['To', finalTo], ...common(callId, cseq, 'ACK'),
          ]));
          if ((final.code === 401 || final.code === 407) && !auth) {
            const challenge = header(final.headers, final.code === 401 ? 'WWW-Authenticate' : 'Proxy-Authenticate');
            if (challenge !== undefined) {
              auth = [final.code === 401 ? 'Authorization' : 'Proxy-Authorization', digestAuthorization(challenge, { user: opts.user, password: opts.password, method: 'INVITE', uri })];
              continue;
            }
          }
          return { final, provisional };
        }
        // 2xx: ACK (its own transaction-less request) to the remote target, then BYE.
        const target = /<([^>]*)>/.exec(header(final.headers, 'Contact') ?? '')?.[1] ?? uri;
        send(buildSip(`ACK ${target} SIP/2.0`, [
          ['Via', `SIP/2.0/UDP 127.0.0.1:${port};branch=z9hG4bK${token()};rport`], ['From', fromValue(tag)], ['To', finalTo], ...common(callId, cseq, 'ACK'),
        ]));
        await new Promise((r) => setTimeout(r, o.hangupAfterMs ?? 0));
        const bye = await transact('BYE', target, [['From', fromValue(tag)], ['To', finalTo], ...common(callId, cseq + 1, 'BYE')], undefined).final;
        return { final, provisional, bye };
      }
    },

    publish(body, o = {}) {
      const uri = `sip:${opts.user}@127.0.0.1:${opts.serverPort}`;
      const callId = `${token()}@127.0.0.1`;
      const tag = token();
      return withAuth('PUBLISH', uri, (cseq, auth) => [
        ['From', fromValue(tag)], ['To', `<${aor}>`], ...common(callId, cseq, 'PUBLISH'), ['Event', 'presence'],
        ...(o.expires === undefined ? [] : [['Expires', String(o.expires)] as Headers[number]]),
        ...(o.ifMatch ? [['SIP-If-Match', o.ifMatch] as Headers[number]] : []),
        ...(body === null ? [] : [['Content-Type', 'application/pidf+xml'] as Headers[number]]),
        ...(auth ? [auth] : []),
      ], body === null ? undefined : Buffer.from(body, 'utf8'));
    },

    async subscribe(to, o = {}) {
      const uri = `sip:${to}@127.0.0.1:${opts.serverPort}`;
      const dialog: SubscribeDialog = { callId: `${token()}@127.0.0.1`, fromTag: token(), toTag: '', to: `<sip:${to}@${domain}>`, target: uri, cseq: 0 };
      const res = await withAuth('SUBSCRIBE', uri, (cseq, auth) => {
        dialog.cseq = cseq;
        return [
          ['From', fromValue(dialog.fromTag)], ['To', dialog.to], ...common(dialog.callId, cseq, 'SUBSCRIBE'), ['Contact', `<${contact}>`],
          ['Event', o.event ?? 'presence'], ['Accept', o.accept ?? 'application/pidf+xml'],
          ...(o.expires === undefined ? [] : [['Expires', String(o.expires)] as Headers[number]]), ...(auth ? [auth] : []),
        ];
      });
      if (res.code >= 200 && res.code < 300) {
        dialog.toTag = tagOf(header(res.headers, 'To') ?? '') ?? '';
        const target = /<([^>]*)>/.exec(header(res.headers, 'Contact') ?? '')?.[1];
        if (target) dialog.target = target;
      }
      return { res, dialog };
    },

    resubscribe(dialog, expires) {
      return withAuth('SUBSCRIBE', dialog.target, (cseq, auth) => {
        dialog.cseq = cseq;
        return [
          ['From', fromValue(dialog.fromTag)], ['To', `${dialog.to};tag=${dialog.toTag}`], ...common(dialog.callId, cseq, 'SUBSCRIBE'),
          ['Contact', `<${contact}>`], ['Event', 'presence'], ['Accept', 'application/pidf+xml'], ['Expires', String(expires)], ...(auth ? [auth] : []),
        ];
      }, undefined, dialog.cseq + 1);
    },

    waitForRequest(pred, ms = 10000) {
      return new Promise((resolve, reject) => {
        const check = (): boolean => {
          const r = received.find(pred);
          if (!r) return false;
          waiters.delete(check);
          clearTimeout(timer);
          resolve(r);
          return true;
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`UA ${opts.user}: no matching request in ${ms} ms; got ${received.map((r) => r.method).join(', ') || 'none'}`));
        }, ms);
        if (!check()) waiters.add(check);
      });
    },

    async close() {
      closed = true;
      for (const p of [...pending.values()]) p.abort(new Error(`UA ${opts.user} closed`));
      await new Promise<void>((resolve) => sock.close(() => resolve()));
    },
  };
  return ua;
}
