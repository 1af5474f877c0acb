// The engine emulator: one dispatcher shared by connected modules and simulated native modules,
// the extmodule side of every link, and a test-facing API. Behaves like Yate 6.4.1's engine +
// extmodule (traps included); see the files it wires for what was settled from Yate's source.
import type { ChildProcess } from 'node:child_process';
import os from 'node:os';
import { Addresses } from './addresses.js';
import { Dispatcher, type Filter, type Handler, type HandlerFn, type PostHook } from './dispatcher.js';
import type { NativeHost } from './host.js';
import { ModuleLink, type LinkHost } from './link.js';
import { DebugLevel, EmuLog } from './log.js';
import { Message, type ParamsInit } from './message.js';
import { installEngineHandlers, Rmanager } from './natives/engine.js';
import { Lateroute, type LaterouteOptions } from './natives/lateroute.js';
import { Regfile, type RegfileOptions } from './natives/regfile.js';
import { Ysipchan, type YsipchanOptions } from './natives/ysipchan.js';
import { MAX_MAXQUEUE, type EngineView } from './setlocal.js';
import { listen, spawnScript, type ExtListener, type ListenerSpec, type SpawnOptions } from './transport.js';

export interface EmulatorOptions {
  /** extmodule.conf [general] timeout in ms (default 10000; <= 0 waits forever). */
  timeout?: number;
  /** extmodule.conf [general] maxqueue (default 1000, 0..10000, 0 = no limit). */
  maxqueue?: number;
  /** extmodule.conf [general] timebomb (default false). */
  timebomb?: boolean;
  /** extmodule.conf [general] trackparam: relays tracked as "extmodule" until a module sets its
   *  own with `setlocal trackparam` (default false: untracked, absent from `handlers`). */
  trackparam?: boolean;
  /** yate.conf [general] trackparam: the param handlers are listed in (default "handlers"). */
  trackParamName?: string;
  /** yate.conf [general] maxworkers: enqueued messages in dispatch at once (default 10). */
  maxWorkers?: number;
  /** Engine::runParams() overrides (setlocal engine.NAME reads these). */
  runParams?: Readonly<Record<string, string>>;
  /** yate.conf contents for setlocal config.SECTION.KEY. */
  config?: Readonly<Record<string, Readonly<Record<string, string>>>>;
  /** More plugin names setlocal loaded.NAME answers true for. */
  loaded?: readonly string[];
  /** extmodule.conf [general] scripts_dir for relative script paths. */
  scriptsDir?: string;
  /** rmanager client address for cmd_address (default 127.0.0.1:5038). */
  rmanagerAddress?: string;
  /** Also print every log line on stderr. */
  echoLog?: boolean;
}

export interface DispatchResult {
  readonly handled: boolean;
  readonly message: Message;
}

export interface InstallHandlerOptions {
  /** Track name for `handlers` (":PRIO" appended); omit for an untracked handler. */
  track?: string;
  filter?: Filter;
}

export class Emulator implements LinkHost, NativeHost {
  readonly log: EmuLog;
  readonly dispatcher: Dispatcher;
  readonly engine: EngineView;
  readonly defaults: LinkHost['defaults'];
  readonly rmanager: Rmanager;
  readonly addresses = new Addresses();
  /** Every link ever made, dead ones included (assertExactlyOnce looks at all). */
  readonly links: ModuleLink[] = [];
  readonly plugins = new Set(['extmodule', 'rmanager']);
  exiting = false;
  regfile: Regfile | null = null;
  lateroute: Lateroute | null = null;
  ysipchan: Ysipchan | null = null;
  private readonly exits = new Map<ModuleLink, { exited: Promise<void>; child: ChildProcess }>();
  private readonly spawnArgs = new Map<ModuleLink, [string, string | undefined, SpawnOptions]>();
  private readonly listeners: ExtListener[] = [];

  constructor(private readonly opts: EmulatorOptions = {}) {
    this.log = new EmuLog(opts.echoLog ?? false);
    this.dispatcher = new Dispatcher(opts.trackParamName ?? 'handlers', opts.maxWorkers ?? 10, (where, err) => {
      this.log.debug('', DebugLevel.GoOn, `${where} threw: ${err instanceof Error ? err.stack ?? err.message : String(err)}`);
    });
    const started = String(Math.floor(Date.now() / 1000));
    const runParams: Record<string, string> = {
      version: '6.4.1', release: '1', revision: '', nodename: os.hostname(), runid: started, configname: 'yate',
      sharedpath: '/usr/share/yate', configpath: '/etc/yate', usercfgpath: '/root/.yate', modulepath: '/usr/lib/yate',
      workpath: '/var/lib/yate', cfgsuffix: '.conf', modsuffix: '.yate', clientmode: 'false', supervised: 'false',
      maxworkers: String(opts.maxWorkers ?? 10), ...opts.runParams,
    };
    for (const p of opts.loaded ?? []) this.plugins.add(p);
    this.engine = {
      runParams, config: opts.config ?? {}, runId: runParams.runid ?? started,
      pluginLoaded: (name) => this.plugins.has(name),
    };
    this.defaults = {
      timeout: opts.timeout ?? 10000,
      timebomb: opts.timebomb ?? false,
      maxQueue: Math.min(MAX_MAXQUEUE, Math.max(0, opts.maxqueue ?? 1000)),
      trackName: opts.trackparam ? 'extmodule' : '',
    };
    this.rmanager = new Rmanager(this, opts.rmanagerAddress ?? '127.0.0.1:5038');
    installEngineHandlers(this);
  }

  // ---- simulated native modules (install order = handler order at equal priority) ----

  useRegfile(opts: RegfileOptions): Regfile {
    this.plugins.add('regfile');
    return (this.regfile = new Regfile(this, opts));
  }

  useLateroute(opts?: LaterouteOptions): Lateroute {
    this.plugins.add('lateroute');
    return (this.lateroute = new Lateroute(this, opts));
  }

  useYsipchan(opts?: YsipchanOptions): Ysipchan {
    this.plugins.add('ysipchan');
    return (this.ysipchan = new Ysipchan(this, opts));
  }

  // ---- external modules ----

  /** Start a script like extmodule.conf `[scripts] path=arg` (exactly ONE argument, empty for none). */
  spawn(path: string, arg?: string, opts: SpawnOptions = {}): ModuleLink {
    const s = spawnScript(this, path, arg, { scriptsDir: this.opts.scriptsDir, ...opts });
    this.links.push(s.link);
    this.exits.set(s.link, { exited: s.exited, child: s.child });
    this.spawnArgs.set(s.link, [path, arg, opts]);
    return s.link;
  }

  /** Open an `[listener NAME]`; modules connecting become links. */
  async listen(spec: ListenerSpec): Promise<ExtListener> {
    const l = await listen(this, spec, (link) => this.links.push(link));
    this.listeners.push(l);
    return l;
  }

  /** Resolve with the next link that appears (a socket connection or a restart). */
  async waitForLink(count: number, ms = 5000): Promise<ModuleLink> {
    const until = Date.now() + ms;
    while (this.links.length < count) {
      if (Date.now() > until) throw new Error(`only ${this.links.length} of ${count} links within ${ms} ms`);
      await new Promise((r) => setTimeout(r, 10));
    }
    return this.links[count - 1]!;
  }

  respawn(link: ModuleLink): void {
    const a = this.spawnArgs.get(link);
    if (a) link.restartedAs = this.spawn(a[0], a[1], a[2]);
  }

  linkDead(_link: ModuleLink): void { /* links stay listed for the ledger */ }

  // ---- acting as a native module ----

  message(name: string, params?: ParamsInit, retval = ''): Message {
    return new Message(name, params, retval);
  }

  /** Engine::dispatch from a native module: waits for every handler it reaches. */
  async dispatch(name: string | Message, params?: ParamsInit, retval?: string): Promise<DispatchResult> {
    const m = typeof name === 'string' ? new Message(name, params, retval) : name;
    return { handled: await this.dispatcher.dispatch(m), message: m };
  }

  /** Engine::enqueue: dispatched later by a worker; the promise tells the outcome (tests only). */
  async enqueue(name: string | Message, params?: ParamsInit, retval?: string): Promise<DispatchResult> {
    const m = typeof name === 'string' ? new Message(name, params, retval) : name;
    return { handled: await this.dispatcher.enqueue(m), message: m };
  }

  /** A test-controlled native handler. */
  install(name: string, priority: number, fn: HandlerFn, opts: InstallHandlerOptions = {}): Handler {
    return this.dispatcher.install(name, priority, fn, { track: opts.track ?? null, filter: opts.filter ?? null });
  }

  uninstall(h: Handler): boolean {
    return this.dispatcher.uninstall(h);
  }

  /** A native post hook: sees every dispatched message after dispatch. */
  watch(hook: PostHook): () => void {
    return this.dispatcher.addHook(hook);
  }

  // ---- checks and shutdown ----

  /** Throws unless every `%%>message` sent to a module got exactly one answer, in time. */
  assertExactlyOnce(): void {
    const problems = this.links.flatMap((l, i) => l.ledger.problems(`link #${i + 1} ${l.name}`));
    if (problems.length) throw new Error(`messages not answered exactly once:\n${problems.join('\n')}`);
  }

  /** Unload: close every module's pipes and SIGTERM it, like Yate; close the listeners. */
  async close(): Promise<void> {
    this.exiting = true;
    for (const l of this.links) l.die();
    await Promise.all(this.listeners.map((l) => l.close()));
    // Yate stops at SIGTERM; a script ignoring it would outlive the test run, so after 5 s the
    // emulator (not Yate) sends SIGKILL.
    await Promise.all([...this.exits.values()].map(async ({ exited, child }) => {
      let timer: NodeJS.Timeout | undefined;
      const late = new Promise<void>((r) => { timer = setTimeout(() => { child.kill('SIGKILL'); r(); }, 5000); });
      await Promise.race([exited, late]);
      clearTimeout(timer);
      await exited;
    }));
  }
}
