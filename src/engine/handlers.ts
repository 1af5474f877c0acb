// Local handler chains. Yate takes ONE install per message name per connection, so when the
// application registers several handlers for a name we install once and run them in our own
// priority order, exactly as the engine would run separate handlers.
import type { Message } from './message.js';

export interface HandlerContext {
  /** Aborted when the deadline passes (the message was then answered unprocessed). */
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
   * those are later in Yate's list, not in this chain.
   */
  async run(name: string, msg: Message, ctx: HandlerContext): Promise<boolean> {
    for (const e of this.#chains.get(name) ?? []) {
      if (msg.name !== name || ctx.signal.aborted) return false;
      // Like Yate's filter: a missing param matches as ''.
      if (e.filter && (msg.get(e.filter.name) ?? '') !== e.filter.value) continue;
      if ((await e.handler(msg, ctx)) === true) return true;
    }
    return false;
  }
}
