// The simulated ysipchan's options and what it records of each request it sends: types shared
// by ysipchan.ts (the outgoing side) and sip-incoming.ts (the incoming side, which ysipchan.ts
// extends), in a file of their own so that the incoming side does not import the class built
// on it.
import type { Param } from '../message.js';

export interface SipRequest {
  readonly via: 'xsip.generate' | 'msg.execute';
  readonly method: string;
  readonly uri: string;
  /** From the sip_X params, names as given (sip_From -> From), in order. */
  readonly headers: ReadonlyArray<readonly [string, string]>;
  readonly maxForwards: number;
  /** xsip_type, or null when the request has no body. */
  readonly type: string | null;
  /** xsip_body as given (byte string) and decoded per xsip_body_encoding. */
  readonly body: string | null;
  readonly bodyBytes: string | null;
  readonly encoding: string | null;
  readonly connectionId: string | null;
  /** The `ip_transport` param sendMethod saw (it picks the transport when no connection_id does). */
  readonly ipTransport: string | null;
  readonly user: string | null;
  readonly domain: string | null;
  readonly wait: boolean;
  /** The message's params when the request was sent. */
  readonly params: readonly Param[];
  /** Final response code, once the simulated transaction ended. */
  code: number | null;
}

export type ResponderResult = number | { code: number; delay?: number; headers?: ReadonlyArray<readonly [string, string]> };
export type Responder = (req: SipRequest) => ResponderResult | undefined | Promise<ResponderResult | undefined>;

export interface YsipchanOptions {
  /** [general] generate: install the xsip.generate handler (Yate's default: off). */
  generate?: boolean;
  /** Deliver msg.execute callto=sip/... like ysipchan's MsgExecute relay (default true). */
  msgExecuteRelay?: boolean;
  responder?: Responder;
  /** ms before the simulated far end answers (default 5). */
  answerDelay?: number;
  /** ms before an unreachable uri gives 408 (default 200; Yate: 7.5 s over UDP when nothing answers, 32 s after a provisional answer or over TCP). */
  timeoutDelay?: number;
  /** [general] maxforwards (default 20). */
  maxForwards?: number;
  /** Challenge MESSAGE and PUBLISH senders ([methods] message=yes, [message] auth_required=yes;
   *  default true). false: dispatched without `username`, the From user unverified. */
  auth?: boolean;
  /** [general] realm (default Yate). */
  realm?: string;
  /** [methods] subscribe=yes: SUBSCRIBE is an allowed method, dispatched as sip.subscribe
   *  (default false: the SIP engine answers it 501). */
  subscribe?: boolean;
  /** The SIP listener's local address as `engine.status` reports it (default 127.0.0.1:5060). */
  localAddress?: string;
  /** Code the SIP engine answers when a handler does not decide one (default 405). */
  defaultError?: number;
}
