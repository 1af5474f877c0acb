// Local handler chains. Yate takes ONE install per message name per connection, so when the
// application registers several handlers for a name we install once and run them in our own
// priority order, exactly as the engine would run separate handlers.
//
// The chain runs synchronously for as long as its handlers do: a handler that answers at once
// costs no promise, no timer and no AbortController (a Yate thread waits on every message we
// are offered, so the common answer must be cheap). Only a handler that returns a promise moves
// the rest of the chain onto the async path.
import type { Message } from './message.js';

export interface HandlerContext {
  /** True once the message was answered without us (the deadline passed, the link dropped). */
  readonly aborted: boolean;
  /** Aborted at the same moment as `aborted`; made on first use only. */
  readonly signal: AbortSignal;
}

/** Return true to mark the message processed (stops the chain and Yate's dispatch). */
export type Handler = (msg: Message, ctx: HandlerContext) => boolean | void | Promise<boolean | void>;

export interface Filter { readonly name: string; readonly value: string }
export interface HandlerOptions { readonly priority?: number; readonly filter?: Filter }

interface Entry { readonly handler: Handler; readonly priority: number; readonly filter: Filter | null; readonly seq: number }

/** What we ask Yate for one name. */
export interface InstallSpec { readonly priority: number; readonly filter: Filter | null }

export function sameSpec(a: InstallSpec | null, b: InstallSpec | null): boolean {
  if (!a || !b) return a === b;
  return a.priority === b.priority && a.filter?.name === b.filter?.name && a.filter?.value === b.filter?.value;
}

/** The context of one offered message; `abort()` is called by whoever answers it without us. */
export class MessageContext implements HandlerContext {
  #aborted = false;
  #ctl: AbortController | null = null;

  get aborted(): boolean { return this.#aborted; }

  get signal(): AbortSignal {
    this.#ctl ??= new AbortController();
    if (this.#aborted) this.#ctl.abort();
    return this.#ctl.signal;
  }

  abort(): void {
    if (this.#aborted) return;
    this.#aborted = true;
    this.#ctl?.abort();
  }
}

function isThenable(v: unknown): v is PromiseLike<unknown> {
  return typeof v === 'object' && v !== null && typeof (v as PromiseLike<unknown>).then === 'function';
}

export class HandlerTable {
  readonly #chains = new Map<string, Entry[]>();
  #seq = 0;

  add(name: string, handler: Handler, opts: HandlerOptions = {}): void {
    const list = this.#chains.get(name) ?? [];
    list.push({ handler, priority: opts.priority ?? 100, filter: opts.filter ?? null, seq: this.#seq++ });
    list.sort((a, b) => a.priority - b.priority || a.seq - b.seq);
    this.#chains.set(name, list);
  }

  /** Remove one handler, or every handler of `name`. */
  remove(name: string, handler?: Handler): void {
    const list = (this.#chains.get(name) ?? []).filter((e) => handler && e.handler !== handler);
    if (list.length) this.#chains.set(name, list);
    else this.#chains.delete(name);
  }

  names(): string[] {
    return [...this.#chains.keys()];
  }

  /** Install the lowest priority asked for; filter in Yate only when every handler wants the same filter. */
  spec(name: string): InstallSpec | null {
    const list = this.#chains.get(name);
    if (!list?.length) return null;
    const f = list[0]!.filter;
    const shared = f && list.every((e) => e.filter?.name === f.name && e.filter.value === f.value) ? f : null;
    return { priority: list[0]!.priority, filter: shared };
  }

  /**
   * Run the chain for `name` (the name Yate offered the message under). A handler that renames
   * the message and returns false hands it on: only handlers of the NEW name would see it, and
   * those are later in Yate's list, not in this chain. Synchronous while the handlers are; a
   * promise once one of them returns one. A handler that throws (or rejects) fails the run.
   */
  run(name: string, msg: Message, ctx: HandlerContext): boolean | Promise<boolean> {
    const chain = this.#chains.get(name);
    return chain ? this.#from(chain, 0, name, msg, ctx) : false;
  }

  #from(chain: readonly Entry[], start: number, name: string, msg: Message, ctx: HandlerContext): boolean | Promise<boolean> {
    for (let i = start; i < chain.length; i++) {
      if (msg.name !== name || ctx.aborted) return false;
      const e = chain[i]!;
      // Like Yate's filter: a missing param matches as ''.
      if (e.filter && (msg.get(e.filter.name) ?? '') !== e.filter.value) continue;
      const r = e.handler(msg, ctx);
      if (isThenable(r)) {
        return Promise.resolve(r).then((done) => done === true || this.#from(chain, i + 1, name, msg, ctx));
      }
      if (r === true) return true;
    }
    return false;
  }
}
