// MsgWatcher (modules/extmodule.cpp): a post hook per module that has sent `%%>watch:NAME`.
// - `%%>watch:NAME` adds NAME (false if already watched); an EMPTY name watches everything.
// - `%%>unwatch:NAME` removes it (false if not watched).
// - After every dispatch of a watched name the module gets `%%<message::PROCESSED:NAME:RETVAL:...`
//   with an EMPTY id, never for a message it emitted itself (with an id) unless selfwatch is set.
import type { Dispatcher } from './dispatcher.js';
import type { Message, Origin } from './message.js';
import type { LocalState } from './setlocal.js';

/** What a watcher uses of its module link (link.ts). */
export interface WatchingLink extends Origin {
  readonly dead: boolean;
  readonly state: Readonly<Pick<LocalState, 'selfwatch'>>;
  /** ExtModReceiver::returnMsg: `%%<message:ID:...` with the message as it is now. */
  returnMsg(m: Message, id: string, processed: boolean): void;
}

export class Watcher {
  private readonly names: string[] = [];
  private unhook: (() => void) | null = null;

  constructor(private readonly link: WatchingLink, private readonly dispatcher: Dispatcher) {}

  add(name: string): boolean {
    this.unhook ??= this.dispatcher.addHook((m, handled) => this.dispatched(m, handled));
    if (this.names.includes(name)) return false;
    if (name === '') this.names.unshift(name);
    else this.names.push(name);
    return true;
  }

  remove(name: string): boolean {
    const i = this.names.indexOf(name);
    if (i >= 0) this.names.splice(i, 1);
    return i >= 0;
  }

  clear(): void {
    this.unhook?.();
    this.unhook = null;
    this.names.length = 0;
  }

  private dispatched(m: Message, handled: boolean): void {
    const link = this.link;
    if (link.dead) return;
    if (!link.state.selfwatch && m.origin === link) return;
    if (!this.names.some((w) => w === '' || w === m.name)) return;
    link.returnMsg(m, '', handled);
  }
}
