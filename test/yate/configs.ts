// The configuration files of a test Yate, as text: yate.conf loads ONLY the modules named
// (modload=disable), ysipchan listens on 127.0.0.1 for one of the two MESSAGE paths, regfile
// knows the users with their passwords, rmanager listens on 127.0.0.1 without telnet, and
// extmodule runs the module from a [scripts] line and/or offers a [listener] socket.
import { RMANAGER_GOODBYE, RMANAGER_HEADER } from './rmanager.js';

export type SipPath = 'generic' | 'native';

export type ListenerSpec = { readonly kind: 'unix'; readonly path: string } | { readonly kind: 'tcp'; readonly port: number };

export interface ConfigSpec {
  readonly sipPath: SipPath;
  readonly sipPort: number;
  readonly rmanagerPort: number;
  /** regfile users: number -> password. */
  readonly users: Readonly<Record<string, string>>;
  /** `[scripts]` line: `launcher=argument`. */
  readonly script?: { readonly launcher: string; readonly argument: string } | undefined;
  readonly listener?: ListenerSpec | undefined;
  /** Modules loaded beside ysipchan, regfile, extmodule and rmanager (e.g. lateroute, msgsniff). */
  readonly modules: readonly string[];
  /** extmodule `[general] timeout` in ms (Yate's default 10000 when not set). */
  readonly extmoduleTimeout?: number | undefined;
  /** yate.conf `[general] maxworkers` (Yate's default 10 when not set). */
  readonly maxworkers?: number | undefined;
}

const BASE_MODULES = ['ysipchan', 'regfile', 'extmodule', 'rmanager'];

const ini = (sections: [string, Record<string, string | number>][]): string =>
  sections.map(([name, keys]) => [`[${name}]`, ...Object.entries(keys).map(([k, v]) => `${k}=${v}`)].join('\n')).join('\n\n') + '\n';

/** File name (in the conf folder) -> contents. */
export function yateConfigs(c: ConfigSpec): Record<string, string> {
  const modules = Object.fromEntries([...BASE_MODULES, ...c.modules].map((m) => [`${m}.yate`, 'yes']));
  // startevents=no: while Yate captures its start-up events, a line logged by one thread while
  // another appends to the capture is dropped (s_debugging is cleared meanwhile, engine/TelEngine.cpp),
  // and the lines the suite waits for (listener started, module banner) were sometimes lost.
  const general: Record<string, string | number> = { modload: 'disable', startevents: 'no' };
  if (c.maxworkers !== undefined) general.maxworkers = c.maxworkers;

  const sipGeneral = {
    type: 'udp', addr: '127.0.0.1', port: c.sipPort, udp_force_bind: 'no',
    generate: 'yes', maxpkt: 8192, async_generic: 'yes',
  };
  const ysipchan: [string, Record<string, string | number>][] = c.sipPath === 'generic'
    ? [['general', sipGeneral], ['registrar', { enable: 'yes' }], ['message', { enable: 'no' }], ['methods', { message: 'yes', publish: 'yes', subscribe: 'yes' }]]
    : [['general', sipGeneral], ['registrar', { enable: 'yes' }], ['message', { enable: 'yes', auth_required: 'yes', async_process: 'yes' }], ['methods', { publish: 'yes', subscribe: 'yes' }]];

  // exec_use_printf: the child extmodule forks logs "Executing script" before execl(); through
  // Yate's Debug() (the default) it takes the debug-output mutexes, and when another thread held
  // one at the fork the child hangs for ever: the module never starts. Only at debug level
  // DebugInfo or above (-vv and up), but the suite must survive any verbosity.
  const extGeneral: Record<string, string | number> = { exec_use_printf: 'yes' };
  if (c.extmoduleTimeout !== undefined) extGeneral.timeout = c.extmoduleTimeout;
  const ext: [string, Record<string, string | number>][] = [['general', extGeneral]];
  if (c.listener) {
    ext.push(['listener chat', c.listener.kind === 'unix'
      ? { type: 'unix', path: c.listener.path }
      : { type: 'tcp', addr: '127.0.0.1', port: c.listener.port }]);
  }
  if (c.script) ext.push(['scripts', { [c.script.launcher]: c.script.argument }]);

  return {
    'yate.conf': ini([['general', general], ['modules', modules]]),
    'ysipchan.conf': ini(ysipchan),
    'regfile.conf': ini([['general', { autocreate: 'no' }], ...Object.entries(c.users).map(([u, p]): [string, Record<string, string>] => [u, { password: p }])]),
    'rmanager.conf': ini([['general', { addr: '127.0.0.1', port: c.rmanagerPort, telnet: 'no', header: RMANAGER_HEADER, goodbye: RMANAGER_GOODBYE }]]),
    'extmodule.conf': ini(ext),
  };
}
