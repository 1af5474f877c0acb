// ONE handler list for every module, native or external, like MessageDispatcher (engine/Message.cpp).
//
// - Sorted by priority, lower first. At equal priority Yate orders by handler POINTER ADDRESS (an
//   accident of the allocator); here it is install order, which is deterministic.
// - dispatch() walks the live list: each handler is compared with the message's CURRENT name, so a
//   handler that renames and returns false is seen under the new name only by LATER handlers. A
//   handler installed or removed during a dispatch is seen or skipped by position, as Yate's
//   rescan on m_changes does.
// - A handler with an empty name sees every message (Yate's broadcast handler).
// - Filter: MatchingItemString on one param; a missing param matches as "" (MatchingItem.cpp,
//   runMatchStringOpt with the default missing-match mode).
// - Tracking: a handler with a track name appends "name:prio" to the `handlers` param with ','
//   (String::append: no separator when the value is empty).
// - Post hooks (watchers) run after every dispatch, with the final processed flag.
// - enqueue(): Engine::enqueue; worker threads dequeue FIFO. Yate starts workers as needed up to
//   [general] maxworkers (Engine::s_maxworkers = 10), so at most that many enqueued messages are
//   in dispatch at once; the rest wait in the queue.
import type { Message } from './message.js';

export type HandlerFn = (msg: Message) => boolean | Promise<boolean>;
export type PostHook = (msg: Message, handled: boolean) => void;

export interface Filter { readonly name: string; readonly value: string }

export interface Handler {
  readonly name: string;
  readonly priority: number;
  /** "name:prio" as it appears in `handlers`, or null for an untracked handler. */
  readonly trackName: string | null;
  readonly filter: Filter | null;
  readonly fn: HandlerFn;
  readonly seq: number;
}

export interface InstallOptions {
  /** Module name for the `handlers` param; ":PRIO" is appended like MessageHandler does. */
  track?: string | null;
  filter?: Filter | null;
}

export class Dispatcher {
  private list: Handler[] = [];
  private hooks: PostHook[] = [];
  private seq = 0;
  private queue: Array<() => Promise<void>> = [];
  private busy = 0;
  dispatched = 0;

  constructor(
    readonly trackParam: string,
    private readonly maxWorkers: number,
    private readonly onError: (where: string, err: unknown) => void,
  ) {}

  get handlers(): readonly Handler[] { return this.list; }
  get hookCount(): number { return this.hooks.length; }
  get queued(): number { return this.queue.length; }

  install(name: string, priority: number, fn: HandlerFn, opts: InstallOptions = {}): Handler {
    const h: Handler = {
      name, priority, fn, seq: ++this.seq,
      trackName: opts.track ? `${opts.track}:${priority}` : null,
      filter: opts.filter ?? null,
    };
    let i = this.list.length;
    while (i > 0 && this.list[i - 1]!.priority > priority) i--;
    this.list.splice(i, 0, h);
    return h;
  }

  uninstall(h: Handler): boolean {
    const i = this.list.indexOf(h);
    if (i < 0) return false;
    this.list.splice(i, 1);
    return true;
  }

  addHook(hook: PostHook): () => void {
    this.hooks.push(hook);
    return () => { const i = this.hooks.indexOf(hook); if (i >= 0) this.hooks.splice(i, 1); };
  }

  /** MessageDispatcher::dispatch: handlers in order until one returns true, then the post hooks. */
  async dispatch(msg: Message): Promise<boolean> {
    this.dispatched++;
    let retv = false;
    let at: Handler | null = null;
    for (;;) {
      const h = this.after(at);
      if (!h) break;
      at = h;
      if (h.name !== '' && h.name !== msg.name) continue;
      if (h.filter && (msg.getParam(h.filter.name) ?? '') !== h.filter.value) continue;
      if (this.trackParam && h.trackName) {
        const tracked = msg.params.find((p) => p[0] === this.trackParam);
        if (!tracked) msg.params.push([this.trackParam, h.trackName]);
        else tracked[1] = tracked[1] ? `${tracked[1]},${h.trackName}` : h.trackName;
      }
      try {
        retv = (await h.fn(msg)) === true || retv;
      } catch (err) {
        this.onError(`handler ${h.trackName ?? h.name}`, err);
      }
      if (retv) break;
    }
    for (const hook of [...this.hooks]) {
      try { hook(msg, retv); } catch (err) { this.onError('post hook', err); }
    }
    return retv;
  }

  /** Engine::enqueue: dispatched later by a worker. The promise tells when (for tests);
   *  `worked` learns how long the dispatch held its worker (ms). */
  enqueue(msg: Message, worked?: (ms: number) => void): Promise<boolean> {
    return new Promise((resolve) => {
      this.queue.push(async () => {
        const t0 = performance.now();
        const r = await this.dispatch(msg);
        worked?.(performance.now() - t0);
        resolve(r);
      });
      setImmediate(() => this.pump());
    });
  }

  private pump(): void {
    while (this.busy < this.maxWorkers && this.queue.length) {
      const job = this.queue.shift()!;
      this.busy++;
      void job().finally(() => { this.busy--; this.pump(); });
    }
  }

  /** The first live handler positioned after `at` (priority, then install order). */
  private after(at: Handler | null): Handler | null {
    for (const h of this.list) {
      if (!at || h.priority > at.priority || (h.priority === at.priority && h.seq > at.seq)) return h;
    }
    return null;
  }
}
