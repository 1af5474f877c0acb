// lateroute (modules/server/lateroute.cpp): last-chance routing in call.execute and msg.execute,
// handlers "lateroute:75" by default ([general] priority).
//
// For a `callto` matching ^(lateroute|route|pstn|voice)/(.+)$ ([general] types) and lateroute
// not disabled by a `lateroute=false` param:
//   - NNN = the part after the slash (${param} substituted, trimmed; empty -> not handled)
//   - clears callto, sets called=NNN, RENAMES the same message to call.route, adds
//     route_type=msg (call for call.execute) if absent, dispatches it, takes the return value as
//     the route and clears the return value, renames it back.
//   - no route (not processed, empty, "-" or "error", or the route equals the old callto, which
//     logs "late routed back to itself"): restores called and callto (callto now at the END of
//     the params) and lets the message go on.
//   - a route: sets callto=ROUTE (at the end) and lets the message go on (returns false).
// Everything call.route handlers added stays in the message: regfile's oconnection_id and driver,
// or its error=offline, and `handlers` keeps growing across both dispatches (seed transcript).
import type { NativeHost } from '../host.js';
import { DebugLevel } from '../log.js';
import type { Message } from '../message.js';

export interface LaterouteOptions {
  /** [general] types: callto prefixes handled (default lateroute,route,pstn,voice). */
  types?: readonly string[];
  /** [general] priority (default 75). */
  priority?: number;
}

export function replaceParams(text: string, m: Message): string {
  return text.replace(/\$\{([^}]*)\}/g, (_, name: string) => m.getParam(name) ?? '');
}

export class Lateroute {
  private readonly re: RegExp;

  constructor(private readonly emu: NativeHost, opts: LaterouteOptions = {}) {
    const types = (opts.types ?? ['lateroute', 'route', 'pstn', 'voice']).map((t) => t.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'));
    this.re = new RegExp(`^(${types.join('|')})/(.+)$`, 's');
    const prio = opts.priority ?? 75;
    emu.dispatcher.install('call.execute', prio, (m) => this.received(m, 'call.execute', 'call'), { track: 'lateroute' });
    emu.dispatcher.install('msg.execute', prio, (m) => this.received(m, 'msg.execute', 'msg'), { track: 'lateroute' });
  }

  private async received(m: Message, own: string, routeType: string): Promise<boolean> {
    const callto = m.getParam('callto') ?? '';
    if (!callto || !m.getBool('lateroute', true)) return false;
    const match = this.re.exec(callto);
    if (!match) return false;
    const dest = replaceParams(match[2]!, m).trim();
    if (!dest) return false;
    const called = m.getParam('called') ?? '';
    m.clearParam('callto');
    m.setParam('called', dest);
    m.name = 'call.route';
    if (m.getParam('route_type') === undefined) m.addParam('route_type', routeType);
    let ok = await this.emu.dispatcher.dispatch(m);
    const route = m.retval;
    m.retval = '';
    m.name = own;
    ok = ok && route !== '' && route !== '-' && route !== 'error';
    if (ok && route === callto) {
      this.emu.log.debug('', DebugLevel.Mild, `${m.getParam('route_type') ?? routeType} to '${callto}' late routed back to itself!`);
      ok = false;
    }
    if (!ok) {
      m.setParam('called', called);
      m.setParam('callto', callto);
      return false;
    }
    this.emu.log.debug('', DebugLevel.Info, `Late routing ${m.getParam('route_type') ?? routeType} to '${callto}' via '${route}'`);
    m.setParam('callto', route);
    return false;
  }
}
