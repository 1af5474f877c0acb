// The engine's own handlers, extmodule's, and rmanager (the telnet console) as a caller.
//
// - engine.status: the engine appends its `name=engine,type=system,...` line (handler
//   "engine:90"); rmanager puts its own line in the return value BEFORE dispatching when no
//   module is named (so it is not listed in `handlers`); `status NAME` adds `module=NAME` first.
//   Every status handler appends one line ending "\r\n" and answers not processed, unless the
//   status was for it.
// - rmanager adds cmd_address, cmd_machine=false, cmd_admin=true to what it dispatches
//   (probe-native.txt).
// - extmodule (modules/extmodule.cpp): ExtModStatus engine.status 110 (answers only for
//   module=external, not "extmodule": a Yate quirk), ExtModCommand engine.command 100
//   ("external [info]" lists the scripts), ExtModHelp engine.help 100.
import type { NativeHost } from '../host.js';
import { Message } from '../message.js';

export interface ConsoleResult {
  readonly handled: boolean;
  /** The return value rmanager would print. */
  readonly text: string;
  readonly message: Message;
}

const EXT_HELP = 'external [info] [stop scriptname] [[start|restart] scriptname [parameter]] [execute progname [parameter]]';

export function installEngineHandlers(emu: NativeHost): void {
  const d = emu.dispatcher;
  d.install('engine.status', 90, (m) => {
    const mod = m.getParam('module') ?? '';
    if (mod && mod !== 'engine') return false;
    m.retval += engineStatusLine(emu);
    return mod !== '';
  }, { track: 'engine' });
  d.install('engine.command', 100, (m) => {
    const line = (m.getParam('line') ?? '').trim();
    if (!line.startsWith('external')) return false;
    const rest = line.slice('external'.length).trim();
    if (rest !== '' && rest !== 'info') return false; // start/stop/execute are not emulated
    m.retval = '';
    emu.links.filter((l) => !l.dead).forEach((l, i) => { m.retval += `${i + 1}. ${l.name} ${l.arg}\r\n`; });
    return true;
  }, { track: 'extmodule' });
  d.install('engine.status', 110, (m) => {
    const mod = m.getParam('module') ?? '';
    if (mod && mod !== 'external') return false;
    const scripts = emu.links.filter((l) => !l.dead).length;
    m.retval += `name=extmodule,type=misc;scripts=${scripts},chans=0\r\n`;
    return mod !== '';
  }, { track: 'extmodule' });
  d.install('engine.help', 100, (m) => {
    const line = m.getParam('line') ?? '';
    if (line && line !== 'external') return false;
    m.retval += `  ${EXT_HELP}\r\n`;
    if (line) m.retval += 'List, (re)start and stop scripts or execute an external program\r\n';
    return line !== '';
  }, { track: 'extmodule' });
}

function engineStatusLine(emu: NativeHost): string {
  const r = emu.engine.runParams;
  const d = emu.dispatcher;
  return `name=engine,type=system,version=${r.version ?? ''},revision=${r.revision ?? ''},githash=,nodename=${r.nodename ?? ''}`
    + `;plugins=${emu.plugins.size},inuse=0,handlers=${d.handlers.length},hooks=${d.hookCount},messages=${d.queued}`
    + `,maxqueue=0,messageage=0,messagerate=0,maxmsgrate=0,enqueued=0,dequeued=0,dispatched=${d.dispatched}`
    + ',supervised=false,runattempt=0,lastsignal=0,threads=0,workers=1,mutexes=0,semaphores=0,acceptcalls=accept,congestion=0'
    + `;sharedpath=${r.sharedpath ?? ''},configpath=${r.configpath ?? ''},usercfgpath=${r.usercfgpath ?? ''}`
    + `,modulepath=${r.modulepath ?? ''},workpath=${r.workpath ?? ''}\r\n`;
}

/** What the rmanager console dispatches for `status`, other command lines and `help`. */
export class Rmanager {
  constructor(private readonly emu: NativeHost, private readonly address: string) {}

  /** `status [NAME]`: engine.status; returns the text rmanager prints. */
  async status(module?: string): Promise<string> {
    const m = new Message('engine.status');
    if (module) m.addParam('module', module);
    if (!module || module === 'rmanager') m.retval = 'name=rmanager,type=misc;listeners=1,conn=1\r\n';
    this.addCmd(m);
    await this.emu.dispatcher.dispatch(m);
    return m.retval;
  }

  /** Any other console line: engine.command with `line`. */
  async command(line: string): Promise<ConsoleResult> {
    const m = new Message('engine.command', [['line', line]]);
    this.addCmd(m);
    const handled = await this.emu.dispatcher.dispatch(m);
    return { handled, text: m.retval, message: m };
  }

  /** `help [LINE]`: engine.help. */
  async help(line?: string): Promise<ConsoleResult> {
    const m = new Message('engine.help');
    if (line) m.addParam('line', line);
    this.addCmd(m);
    const handled = await this.emu.dispatcher.dispatch(m);
    return { handled, text: m.retval, message: m };
  }

  private addCmd(m: Message): void {
    m.addParam('cmd_address', this.address).addParam('cmd_machine', 'false').addParam('cmd_admin', 'true');
  }
}
