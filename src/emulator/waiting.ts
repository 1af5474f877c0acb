// The messages a module was offered and has not answered yet: ExtModReceiver::received and the
// `%%<message:` branch of processLine (modules/extmodule.cpp).
//
// - An offered message gets a MsgHolder id ("%p.%ld": 0x... . random) and BLOCKS its dispatch until
//   the module answers it, whatever the order.
// - Not offered (handler returns false at once): the module is dying or has quit; the message is
//   the module's own (carries its id) and reenter is off; or `maxqueue` (default 1000, 0 = no
//   limit) messages are already outstanding: "ExtMod already having N queued messages".
// - No answer within `timeout` ms (<= 0: wait forever): Alarm "Message %p '%s' did not return in
//   %d msec", the message goes on as NOT processed; with `timebomb` the module is killed.
// - An answer is applied to the message: non-empty name renames, the return value is copied as
//   given (an EMPTY one ERASES it), k=v sets, a bare k clears; the short form changes nothing.
// - An answer whose id waits for nothing (late, twice, unknown, or unparsable) is only logged:
//   "Unmatched message: <line>" (Warn; Info once the module is dead). Yate never answers
//   `Error in:` to a `%%<message:` line.
// - When the module dies every waiting message is released as not processed.
import { decodeModuleLine, encodeLine } from '../protocol/index.js';
import type { Addresses } from './addresses.js';
import type { Cost } from './cost.js';
import type { Ledger } from './ledger.js';
import { DebugLevel, type EmuLog } from './log.js';
import type { Message, Origin } from './message.js';
import type { LocalState } from './setlocal.js';

/** What the waiting list uses of its module link (link.ts). */
export interface WaitingLink extends Origin {
  readonly state: Readonly<Pick<LocalState, 'reenter' | 'maxQueue' | 'timeout' | 'timebomb'>>;
  /** Messages may still be offered. */
  readonly accepting: boolean;
  readonly dead: boolean;
  /** Write one engine line; false when the module is gone. */
  output(line: string): boolean;
  die(): void;
}

interface Holder {
  readonly id: string;
  readonly msg: Message;
  readonly finish: (ret: boolean) => void;
  /** Releases the thread in the cost count. */
  readonly release: () => void;
  timer: NodeJS.Timeout | null;
}

export class Waiting {
  private readonly held = new Map<string, Holder>();

  constructor(
    private readonly link: WaitingLink,
    private readonly log: EmuLog,
    private readonly ledger: Ledger,
    private readonly cost: Cost,
    private readonly addresses: Addresses,
  ) {}

  get size(): number { return this.held.size; }

  offer(msg: Message): Promise<boolean> {
    const link = this.link;
    const s = link.state;
    if (!link.accepting) return Promise.resolve(false);
    if (!s.reenter && msg.origin === link) return Promise.resolve(false);
    if (s.maxQueue && this.held.size >= s.maxQueue) {
      this.log.debug('', DebugLevel.Warn, `ExtMod already having ${this.held.size} queued messages [${link.ptr}]`);
      return Promise.resolve(false);
    }
    const id = this.addresses.holder();
    const line = encodeLine({ type: 'message', id, time: msg.time, name: msg.name, retval: msg.retval, params: msg.params });
    if (!link.output(line)) {
      this.log.debug('', DebugLevel.Warn, `ExtMod could not queue message ${id} '${msg.name}' [${link.ptr}]`);
      if (s.timebomb) link.die();
      return Promise.resolve(false);
    }
    this.ledger.record(id, msg.name, line);
    const release = this.cost.offer(msg.name, line.length + 1);
    const timeout = s.timeout;
    return new Promise<boolean>((resolve) => {
      const h: Holder = { id, msg, timer: null, release, finish: (ret) => { if (h.timer) clearTimeout(h.timer); release(); resolve(ret); } };
      this.held.set(id, h);
      if (timeout > 0) {
        h.timer = setTimeout(() => {
          if (!this.held.delete(id)) return;
          this.ledger.set(id, 'timedout');
          release();
          this.log.debug('extmodule', DebugLevel.Warn,
            `Message ${id} '${msg.name}' did not return in ${timeout} msec [${link.ptr}]`);
          resolve(false);
          if (link.state.timebomb) link.die();
        }, timeout);
      }
    });
  }

  /** A `%%<message:` line from the module. */
  answer(line: string): void {
    const d = decodeModuleLine(line);
    const h = d.type === 'answer' ? this.held.get(d.id) : undefined;
    if (d.type === 'answer' && h) {
      this.held.delete(d.id);
      const m = h.msg;
      if (d.change) {
        if (d.change.name) m.name = d.change.name;
        m.retval = d.change.retval;
        for (const [k, v] of d.change.params) {
          if (v === null) m.clearParam(k);
          else m.setParam(k, v);
        }
      }
      this.ledger.answered(d.id, line);
      h.finish(d.processed);
      return;
    }
    const dead = this.link.dead;
    this.log.debug('ExtModReceiver', dead ? DebugLevel.Info : DebugLevel.Warn,
      `Unmatched${dead ? ' dead' : ''} message: ${line} [${this.link.ptr}]`);
    this.ledger.unmatched(d.type === 'answer' ? d.id : rawId(line), line);
  }

  /** ExtModReceiver::flush: release everything as not processed. */
  flush(): void {
    if (!this.held.size) return;
    this.log.debug('', DebugLevel.Info, `ExtModReceiver releasing ${this.held.size} pending messages [${this.link.ptr}]`);
    for (const h of [...this.held.values()]) {
      this.held.delete(h.id);
      this.ledger.set(h.id, 'released');
      h.finish(false);
    }
  }
}

function rawId(line: string): string | null {
  const rest = line.slice('%%<message:'.length);
  const c = rest.indexOf(':');
  return c >= 0 ? rest.slice(0, c) : null;
}
