// The Contact of our side of a presence subscription (the 200 to a SUBSCRIBE and every NOTIFY):
// an address the watcher reaches Yate at, because a phone sends its refreshes and un-SUBSCRIBEs
// there (issue 19: baresip sent them to `sip:234@127.0.0.1`, the request URI without Yate's
// port, so to 5060 where Yate was not listening; Linphone goes through its proxy).
//
// It is the local address and port the SUBSCRIBE arrived on: ysipchan names the transport in
// `connection_id` (`general`, a `[listener NAME]`, a TCP connection), and `engine.status` with
// `module=sip transports NAME` answers that transport's `local=HOST:PORT` (ysipchan's
// msgStatusTransport). A transport bound to every address (0.0.0.0, ::) gives the port only:
// the host is then the one the watcher wrote in the request URI. Asked once per transport (a
// few are kept; asked again when Yate did not answer in time); when Yate does not say, the
// request URI as it came (said once in Yate's log).
import type { Message } from '../../engine/message.js';
import type { Kernel } from '../core/kernel.js';
import { dispatch } from '../core/router.js';
import { escapeUser } from '../core/sip.js';
import { MARK } from '../core/vocabulary.js';

/** Transports whose local address is remembered (UDP listeners last; TCP connections come and go). */
const KEPT = 64;
/** How long to wait for Yate's answer (ms): a SUBSCRIBE is waiting meanwhile. */
const ASK_MS = 2000;

export interface LocalAddress {
  readonly host: string;
  readonly port: string;
}

/** `local=HOST:PORT` of ysipchan's transport status line; null when there is none. */
export function localOf(status: string): LocalAddress | null {
  const m = /(?:^|[;,])local=([^,;\r\n]+)/.exec(status);
  if (!m) return null;
  const v = m[1]!.trim();
  const six = /^\[([^\]]+)\]:(\d+)$/.exec(v);
  if (six) return { host: `[${six[1]}]`, port: six[2]! };
  const four = /^([^:\s]+):(\d+)$/.exec(v);
  return four ? { host: four[1]!, port: four[2]! } : null;
}

const WILDCARD = new Set(['0.0.0.0', '[::]', '[0:0:0:0:0:0:0:0]', '']);

/** The host[:port] of a SIP URI (`sip:u@h:p;x`); '' when there is none. */
function hostPortOf(uri: string): string {
  return /^\s*sips?:(?:[^@;>]*@)?(\[[^\]]+\]|[^;>?\s]+)/i.exec(uri)?.[1] ?? '';
}

/** `h`, `h:p`, `[v6]:p` -> the host alone. */
function hostOnly(hostPort: string): string {
  return hostPort.startsWith('[') ? hostPort.slice(0, hostPort.indexOf(']') + 1) : hostPort.split(':')[0]!;
}

export class ContactFinder {
  readonly #k: Kernel;
  readonly #known = new Map<string, LocalAddress | null>();

  constructor(k: Kernel) {
    this.#k = k;
  }

  /** `<sip:PRESENTITY@HOST:PORT>` for the SUBSCRIBE in `msg` (`uri` is its request URI). */
  async contactFor(msg: Message, presentity: string, uri: string, domain: string): Promise<string> {
    const local = await this.#local(msg.get('connection_id') ?? '');
    const asked = hostPortOf(uri);
    const transport = (msg.get('ip_transport') ?? '').toUpperCase();
    const scheme = /^sips:/i.test(uri) || transport === 'TLS' ? 'sips' : 'sip';
    const param = transport === 'TCP' ? ';transport=tcp' : '';
    let where: string;
    if (local) {
      const host = WILDCARD.has(local.host) ? hostOnly(asked) : local.host;
      where = host ? `${host}:${local.port}` : '';
    } else {
      where = asked;
    }
    if (!where) where = domain;
    return `<${scheme}:${escapeUser(presentity)}@${where}${param}>`;
  }

  async #local(connection: string): Promise<LocalAddress | null> {
    if (!connection || !/^[^\x00-\x20]+$/.test(connection)) return null;
    if (this.#known.has(connection)) return this.#known.get(connection)!;
    let found: LocalAddress | null;
    try {
      const r = await dispatch(this.#k, 'engine.status', [['module', `sip transports ${connection}`], [MARK, this.#k.marker]], ASK_MS);
      found = localOf(r.message.retval);
    } catch {
      return null; // Yate did not answer in time (busy): asked again at the next SUBSCRIBE
    }
    if (!found) this.#k.warnOnce('contact', `ysipchan did not say the local address of its transport ${connection}: presence Contacts are the request URI as the watcher wrote it`);
    this.#known.set(connection, found);
    if (this.#known.size > KEPT) this.#known.delete(this.#known.keys().next().value!);
    return found;
  }
}
