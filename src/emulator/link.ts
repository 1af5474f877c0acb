// One connected external module, as ExtModReceiver (modules/extmodule.cpp) handles it: the line
// reader, processLine's dispatch table keyed by the protocol's keywords, the relays it installs,
// its watcher, the messages waiting for its answers, and its death.
import { decodeModuleLine, encodeLine, type MessageLine } from '../protocol/index.js';
import type { Addresses } from './addresses.js';
import type { Dispatcher, Handler } from './dispatcher.js';
import { LineBuffer } from './framing.js';
import { Cost } from './cost.js';
import { Ledger } from './ledger.js';
import { DebugLevel, type EmuLog } from './log.js';
import { Message } from './message.js';
import { applySetlocal, DEF_BUFSIZE, type EngineView, type LocalState } from './setlocal.js';
import { Waiting } from './waiting.js';
import { Watcher } from './watcher.js';

export type Role = 'unknown' | 'global' | 'channel';

export interface LinkIO {
  /** Write bytes (a byte string); false when the stream is gone. */
  write(bytes: string): boolean;
  /** Close the engine -> module direction (the script's stdin). */
  closeOut(): void;
  /** Stop reading the module -> engine direction. */
  closeIn(): void;
  /** The OS process is still running (never true for a socket). */
  running(): boolean;
  /** SIGTERM (no-op for a socket). */
  kill(): void;
  readonly pid: number | null;
}

export interface LinkHost {
  readonly log: EmuLog;
  readonly dispatcher: Dispatcher;
  readonly engine: EngineView;
  readonly exiting: boolean;
  /** [general] defaults of extmodule.conf */
  readonly defaults: { timeout: number; timebomb: boolean; maxQueue: number; trackName: string };
  /** Where links and waiting messages get their addresses (one sequence per engine). */
  readonly addresses: Addresses;
  respawn(link: ModuleLink): void;
  linkDead(link: ModuleLink): void;
}

export class ModuleLink {
  /** Every line, in order: `A: ` from the module, `E: ` from the engine (like the transcripts). */
  readonly traffic: string[] = [];
  readonly ledger = new Ledger();
  /** What this module cost the engine: messages offered and emitted, threads held (cost.ts). */
  readonly cost = new Cost();
  readonly state: LocalState;
  readonly ptr: string;
  role: Role;
  dead = false;
  quit = false;
  /** The link that replaced this one after `setlocal restart` (set once respawned). */
  restartedAs: ModuleLink | null = null;
  private readonly reader: LineBuffer;
  private readonly relays = new Map<string, Handler>();
  private readonly watcher: Watcher;
  private readonly waiting: Waiting;
  private invalid = true;
  private closing = false;
  /** SIGTERM already sent by the reader's cleanup (Yate then forgets the pid: no second kill). */
  private killed = false;
  private trafficWaiters = new Set<() => void>();

  constructor(
    private readonly host: LinkHost,
    private readonly io: LinkIO,
    readonly kind: 'script' | 'socket',
    /** Script path, or the listener name for a socket. */
    readonly name: string,
    /** Script argument, or the peer address for a socket. */
    readonly arg: string,
    role: Role,
  ) {
    this.role = role;
    this.ptr = host.addresses.link();
    const d = host.defaults;
    this.state = {
      trackName: d.trackName, reason: '', timeout: d.timeout, timebomb: d.timebomb, maxQueue: d.maxQueue,
      bufsize: DEF_BUFSIZE, restart: false, reenter: false, setdata: true, settime: false, selfwatch: false,
    };
    this.reader = new LineBuffer(() => this.state.bufsize);
    this.waiting = new Waiting(this, host.log, this.ledger, this.cost, host.addresses);
    this.watcher = new Watcher(this, host.dispatcher);
  }

  get log(): EmuLog { return this.host.log; }
  /** The script's process id (null for a socket). */
  get pid(): number | null { return this.io.pid; }
  /** Handlers this module has installed, by message name. */
  get installed(): ReadonlyMap<string, Handler> { return this.relays; }
  get pending(): number { return this.waiting.size; }
  /** Messages may still be offered (ExtModReceiver::received's liveness checks). */
  get accepting(): boolean { return !this.dead && !this.quit && !this.closing; }

  /** Bytes from the module (byte string). */
  onData(chunk: string): void {
    if (this.dead || this.closing) return;
    this.reader.push(chunk);
    for (;;) {
      if (this.dead || this.closing) return;
      const f = this.reader.next();
      if (!f) return;
      if (f.kind === 'overflow') {
        this.log.debug('ExtModule', DebugLevel.Warn, `Overflow reading in buffer of length ${f.size}, closing [${this.ptr}]`);
        this.endReader();
        return;
      }
      this.record('A: ' + f.line);
      if (f.line.startsWith('%%')) this.invalid = false;
      const before = this.state.bufsize;
      if (this.processLine(f.line)) { this.endReader(); return; }
      if (this.reader.checkShrink(before)) {
        this.log.debug('ExtModule', DebugLevel.Warn, `Lost data shrinking read buffer to ${this.state.bufsize}, closing [${this.ptr}]`);
        this.endReader();
        return;
      }
    }
  }

  /** The module closed its side (stdout EOF, socket end). */
  onEof(): void {
    if (this.dead || this.closing) return;
    this.log.debug('ExtModule', DebugLevel.Info, `Read EOF on ${this.ptr} [${this.ptr}]`);
    this.io.closeIn();
    this.waiting.flush();
    if (this.invalid) {
      this.log.debug('ExtModule', DebugLevel.Warn, `Never got anything valid from terminated '${this.name}' '${this.arg}'`);
    }
    this.endReader();
  }

  /** Write one engine line; false when the module is gone. */
  output(line: string): boolean {
    if (this.dead || !this.io.write(line + '\n')) return false;
    this.record('E: ' + line);
    return true;
  }

  /** The relay's MessageReceiver::received: offer `msg` and wait for the answer. */
  received(msg: Message): Promise<boolean> {
    return this.waiting.offer(msg);
  }

  /** ExtModReceiver::die: close the pipes, release waiting messages, SIGTERM, maybe restart. */
  die(): void {
    if (this.dead) return;
    this.dead = true;
    this.quit = true;
    if (this.kind === 'script' && this.role === 'global') {
      this.log.output(`Unloading external module '${this.name}' '${this.arg}'`);
    }
    this.io.closeOut();
    this.io.closeIn();
    this.waiting.flush();
    for (const h of this.relays.values()) this.host.dispatcher.uninstall(h);
    this.relays.clear();
    this.watcher.clear();
    if (!this.killed && this.io.running()) this.io.kill();
    if (this.state.restart && !this.host.exiting) {
      this.log.debug('', DebugLevel.Mild, `Restarting external '${this.name}' '${this.arg}'`);
      this.host.respawn(this);
    }
    this.host.linkDead(this);
  }

  /** Resolve when a traffic line matching `re` has been recorded (already or later). */
  waitForTraffic(re: RegExp, ms = 5000): Promise<string> {
    return new Promise((resolve, reject) => {
      const check = (): boolean => {
        const l = this.traffic.find((t) => re.test(t));
        if (l === undefined) return false;
        clearTimeout(timer);
        this.trafficWaiters.delete(check);
        resolve(l);
        return true;
      };
      const timer = setTimeout(() => {
        this.trafficWaiters.delete(check);
        reject(new Error(`no traffic matched ${re} within ${ms} ms:\n${this.traffic.slice(-15).join('\n')}`));
      }, ms);
      if (!check()) this.trafficWaiters.add(check);
    });
  }

  /** The reader loop ended (overflow, EOF, quit, bad connect): ExtModReceiver::cleanup, then die. */
  private endReader(): void {
    if (this.dead || this.closing) return;
    this.io.closeOut();
    setImmediate(() => {
      if (this.io.running() && this.io.pid !== null) {
        this.log.debug('', DebugLevel.Warn, `Process ${this.io.pid} has not exited on closing stdin - we'll kill it`);
        this.io.kill();
        this.killed = true;
      }
      this.die();
    });
    this.closing = true; // die() runs on the next turn; no more lines are processed meanwhile
    this.quit = true;
  }

  private record(line: string): void {
    this.traffic.push(line);
    for (const w of [...this.trafficWaiters]) w();
  }

  /** ExtModReceiver::processLine; true = leave the reader loop (close the module). */
  private processLine(line: string): boolean {
    if (this.quit) return true;
    if (this.role === 'unknown') return this.connect(line);
    if (line.startsWith('%%<message:')) { this.waiting.answer(line); return false; }
    const d = decodeModuleLine(line);
    switch (d.type) {
      case 'install': {
        const prio = d.priority ?? 100;
        const ok = d.name !== '' && !this.relays.has(d.name);
        if (ok) {
          // MessageRelay(name, this, 0, prio, m_trackName): tracked as "TRACK:PRIO" only when a
          // track name is set (setlocal trackparam, or extmodule.conf [general] trackparam=true,
          // which names it "extmodule"); otherwise the relay never shows up in `handlers`.
          // MessageHandler priorities are unsigned: -1 sorts LAST (4294967295); the reply shows -1
          const order = prio < 0 ? prio + 2 ** 32 : prio;
          const h = this.host.dispatcher.install(d.name, order, (m) => this.received(m),
            { track: this.state.trackName || null, filter: d.filter });
          this.relays.set(d.name, h);
        }
        this.output(`%%<install:${prio}:${d.name}:${ok}`);
        return false;
      }
      case 'uninstall': {
        const h = this.relays.get(d.name);
        if (h) { this.host.dispatcher.uninstall(h); this.relays.delete(d.name); }
        this.output(`%%<uninstall:${h ? h.priority | 0 : 0}:${d.name}:${!!h}`);
        return false;
      }
      case 'watch': this.output(`%%<watch:${d.name}:${this.watcher.add(d.name)}`); return false;
      case 'unwatch': this.output(`%%<unwatch:${d.name}:${this.watcher.remove(d.name)}`); return false;
      case 'output': this.log.output(d.text); return false;
      case 'debug': this.log.debug(this.label(), d.level, d.text); return false;
      case 'setlocal': {
        const r = applySetlocal(this.state, d.name, d.value, this.host.engine,
          this.kind === 'script' && this.role === 'global');
        this.output(encodeLine({ type: 'setlocal-reply', rest: `${d.name}:${r.value}`, ok: r.ok }));
        return false;
      }
      case 'quit': this.quit = true; this.output('%%<quit'); return true;
      case 'message': this.emit(d); return false;
      default: this.reportError(line); return false; // malformed, or a connect after the role is known
    }
  }

  /** Before the role is known (socket without a listener role): only `%%>connect:` is accepted. */
  private connect(line: string): boolean {
    const d = line.startsWith('%%>connect:') ? decodeModuleLine(line) : null;
    if (!d || d.type !== 'connect') {
      this.log.debug('', DebugLevel.Warn, `Expecting %%>connect, received '${line}' [${this.ptr}]`);
      return true;
    }
    if (d.role === 'global' || d.role === 'channel') { this.role = d.role; return false; }
    this.log.debug('', DebugLevel.Warn, `Unknown role '${d.role}' received [${this.ptr}]`);
    return true;
  }

  private reportError(line: string): void {
    this.log.debug('ExtModReceiver', DebugLevel.Warn, `Error: '${line}'`);
    this.output('Error in: ' + line);
  }

  /** A `%%>message` from the module: decoded onto a new message with setParam/clearParam like
   *  commonDecode (so a repeated name keeps only its last value), enqueued, answered when dispatched
   *  if the id is not empty. An empty id leaves the message ownerless (ExtMessage::startup sets
   *  m_receiver only for a non-empty id): the module's own handlers and watcher DO see it. */
  private emit(d: MessageLine): void {
    const now = Math.floor(Date.now() / 1000);
    const m = new Message(d.name, undefined, d.retval, d.time && !this.state.settime ? d.time : now);
    for (const [k, v] of d.params) {
      if (v === null) m.clearParam(k);
      else m.setParam(k, v);
    }
    if (d.id !== '') m.origin = this;
    void this.host.dispatcher.enqueue(m, this.cost.emit(d.name)).then((handled) => {
      if (d.id !== '') this.returnMsg(m, d.id, handled);
    });
  }

  /** ExtModReceiver::returnMsg: the message as it is now; a failed write trips the timebomb. */
  returnMsg(m: Message, id: string, processed: boolean): void {
    const line = encodeLine({ type: 'answer', id, processed, change: { name: m.name, retval: m.retval, params: m.params } });
    if (!this.output(line) && this.state.timebomb) this.die();
  }

  private label(): string {
    const base = this.name.split('/').pop() ?? this.name;
    return base || 'ExtModule';
  }
}
