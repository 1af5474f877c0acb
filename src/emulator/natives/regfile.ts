// regfile (modules/server/regfile.cpp): users from regfile.conf, registrations in memory.
//
// Handlers, all tracked "regfile:PRIO", installed in regfile's order: user.auth, user.register,
// user.unregister, call.route, engine.status, engine.command.
// - user.auth (flag auth_regfile): a defined user with a password answers processed with the
//   password as return value and its other config keys set as params.
// - user.register (flag register_regfile): needs `username` (not "general") and `data`; an undefined
//   user is refused unless autocreate. Stores driver, data, the params listed in `route_params`
//   (ysipchan sends route_params=oconnection_id), route_params, connection / connection_*, and
//   expires as an absolute time (msg time + expires). Processed.
// - user.unregister: by username -> forget it, processed; by connection_id only -> forget every
//   user on that connection, NOT processed.
// - call.route (flag route_regfile): first copies the CALLER's config keys (not password) into
//   the message; then for `called`:
//     registered             -> return value = data (`sip/sip:USER@HOST:PORT`), copies the
//                               route_params (oconnection_id) and driver; processed
//     defined, not registered -> sets error=offline; NOT processed   (the offline-store case)
//     unknown (or "general")  -> nothing set; NOT processed
// - engine.status: `name=regfile,type=misc;create=B,defined=N,users=M;USER=DATA,...` (details).
// Not emulated: `alternatives`, ${param} substitution in config values, the engine.timer sweep
// that forgets expired registrations every 30 s (call expire() to run it), the accounts file.
import type { NativeHost } from '../host.js';
import { Message } from '../message.js';

export interface RegfileUser {
  password?: string;
  /** Other regfile.conf keys of the user's section, copied into call.route for that caller. */
  [key: string]: string | undefined;
}

export interface RegfileOptions {
  /** Defined users (regfile.conf sections). A plain list means users without keys. */
  users: Readonly<Record<string, RegfileUser>> | readonly string[];
  autocreate?: boolean;
  /** [general] auth / register / route priorities (default 100). */
  auth?: number;
  register?: number;
  route?: number;
}

const SKIP = new Set(['password', 'alternatives']);

export class Regfile {
  readonly users: Map<string, RegfileUser>;
  /** Registered accounts, in registration order. */
  readonly accounts = new Map<string, Message>();
  private readonly autocreate: boolean;

  constructor(emu: NativeHost, opts: RegfileOptions) {
    this.users = new Map(Array.isArray(opts.users)
      ? (opts.users as readonly string[]).map((u) => [u, {}])
      : Object.entries(opts.users as Record<string, RegfileUser>));
    this.autocreate = opts.autocreate ?? false;
    const d = emu.dispatcher;
    const track = { track: 'regfile' };
    d.install('user.auth', opts.auth ?? 100, (m) => this.auth(m), track);
    d.install('user.register', opts.register ?? 100, (m) => this.register(m), track);
    d.install('user.unregister', opts.register ?? 100, (m) => this.unregister(m), track);
    d.install('call.route', opts.route ?? 100, (m) => this.route(m), track);
    d.install('engine.status', 100, (m) => this.status(m), track);
    d.install('engine.command', 100, () => false, track);
  }

  /** The contact URI of a registered user (`sip:234@127.0.0.1:5070`), or null. */
  contactOf(user: string): string | null {
    const data = this.accounts.get(user)?.getParam('data');
    return data?.startsWith('sip/') ? data.slice(4) : data ?? null;
  }

  /** Every registered contact URI. */
  contacts(): string[] {
    return [...this.accounts.keys()].map((u) => this.contactOf(u)).filter((c): c is string => !!c);
  }

  /** The engine.timer sweep: forget registrations whose absolute expires is before `nowSec`. */
  expire(nowSec = Math.floor(Date.now() / 1000)): void {
    for (const [u, a] of this.accounts) {
      const e = a.getInt('expires', 0);
      if (e && e < nowSec) this.accounts.delete(u);
    }
  }

  private auth(m: Message): boolean {
    if (!m.getBool('auth_regfile', true)) return false;
    const user = m.getParam('username') ?? '';
    const cfg = user && user !== 'general' ? this.users.get(user) : undefined;
    if (!cfg || cfg.password === undefined) return false;
    m.retval = cfg.password;
    for (const [k, v] of Object.entries(cfg)) if (!SKIP.has(k) && v !== undefined) m.setParam(k, v);
    return true;
  }

  private register(m: Message): boolean {
    if (!m.getBool('register_regfile', true)) return false;
    const user = m.getParam('username') ?? '';
    if (!user || user === 'general') return false;
    const driver = m.getParam('driver');
    const data = m.getParam('data');
    if (!data) return false;
    if (!this.users.has(user) && !this.autocreate) return false;
    const expire = m.getInt('expires', 0);
    const s = this.accounts.get(user) ?? new Message(user);
    if (driver) s.setParam('driver', driver);
    s.setParam('data', data);
    for (const p of (s.getParam('route_params') ?? '').split(',')) if (p.trim()) s.clearParam(p.trim());
    s.clearParam('route_params');
    const route = m.getParam('route_params') ?? '';
    if (route) {
      for (const p of route.split(',')) if (p.trim()) s.copyParam(m, p.trim());
      s.setParam('route_params', route);
    }
    s.clearParam('connection', '_');
    for (const [k, v] of m.params) if (k === 'connection' || k.startsWith('connection_')) s.setParam(k, v);
    if (expire) s.setParam('expires', String(m.time + expire));
    this.accounts.set(user, s);
    return true;
  }

  private unregister(m: Message): boolean {
    if (!m.getBool('register_regfile', true)) return false;
    const user = m.getParam('username') ?? '';
    if (user) {
      if (user === 'general' || !this.accounts.has(user)) return false;
      this.accounts.delete(user);
      return true;
    }
    const conn = m.getParam('connection_id') ?? '';
    if (!conn) return false;
    for (const [u, a] of [...this.accounts]) if (a.getParam('connection_id') === conn) this.accounts.delete(u);
    return false;
  }

  private route(m: Message): boolean {
    if (!m.getBool('route_regfile', true)) return false;
    const caller = m.getParam('caller') ?? '';
    const ccfg = caller ? this.users.get(caller) : undefined;
    if (ccfg) for (const [k, v] of Object.entries(ccfg)) if (!SKIP.has(k) && v !== undefined) m.setParam(k, v);
    const called = m.getParam('called') ?? '';
    if (!called || called === 'general') return false;
    const ac = this.accounts.get(called);
    if (!ac) {
      if (this.users.has(called)) m.setParam('error', 'offline');
      return false;
    }
    m.retval = ac.getParam('data') ?? '';
    const list = [...(ac.getParam('route_params') ?? '').split(','), 'driver'];
    for (const p of list) if (p.trim()) m.copyParam(ac, p.trim());
    return true;
  }

  private status(m: Message): boolean {
    const dest = m.getParam('module') ?? '';
    if (dest && dest !== 'regfile' && dest !== 'misc') return false;
    let tmp = '';
    let count = 0;
    const details = m.getBool('details', true);
    for (const [u, a] of this.accounts) {
      const data = a.getParam('data') ?? '';
      if (!data) continue;
      count++;
      if (details) tmp += (tmp ? ',' : ';') + `${u}=${data.replace(/[\x00-\x1f,]/g, '?')}`;
    }
    m.retval += `name=regfile,type=misc;create=${this.autocreate},defined=${this.users.size},users=${count}${tmp}\r\n`;
    return false;
  }
}
