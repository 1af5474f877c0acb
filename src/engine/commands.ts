// What we ask of Yate besides messages: install/uninstall, watch/unwatch and setlocal, each
// answered in the order asked (replies.ts). Yate takes one install per name (the local chain's
// lowest priority and shared filter, handlers.ts), so an install is only written when that
// changes. Settings we set are remembered: a new link (a reconnect) starts with a Yate that
// knows nothing of us, and gets them again.
import { YateChatError } from '../errors.js';
import { setlocalValue } from '../protocol/decode.js';
import type { ModuleLine } from '../protocol/types.js';
import { sameSpec, type InstallSpec } from './handlers.js';
import { Replies } from './replies.js';

type Kind = 'install' | 'uninstall' | 'watch' | 'unwatch';

export class Commands {
  readonly replies = new Replies();
  readonly #write: (line: ModuleLine) => void;
  /** What Yate holds for each name on this link. */
  readonly #installed = new Map<string, InstallSpec>();
  /** Settings set so far, in order, to set again on a new link. */
  readonly #locals = new Map<string, string>();

  /** `write` throws (NOT_CONNECTED, LINE_TOO_LONG) when the line cannot go out. */
  constructor(write: (line: ModuleLine) => void) {
    this.#write = write;
  }

  /** A new link: nothing is installed there yet. */
  reset(): void {
    this.#installed.clear();
  }

  /** Make Yate's install for `name` what the local chain needs (`want` null: none). */
  async sync(name: string, want: InstallSpec | null): Promise<void> {
    const have = this.#installed.get(name) ?? null;
    if (sameSpec(want, have)) return;
    if (have) {
      this.#installed.delete(name);
      await this.#ask({ type: 'uninstall', name }, 'uninstall', name);
    }
    if (!want) return;
    this.#installed.set(name, want);
    try {
      await this.#ask({ type: 'install', name, priority: want.priority, filter: want.filter }, 'install', name);
    } catch (err) {
      this.#installed.delete(name);
      throw err;
    }
  }

  watch(name: string): Promise<string> {
    return this.#ask({ type: 'watch', name }, 'watch', name);
  }

  unwatch(name: string): Promise<string> {
    return this.#ask({ type: 'unwatch', name }, 'unwatch', name);
  }

  /** Set a value (remembered once Yate took it) or, with '', read one. Resolves with the value
   *  Yate reports; rejects ENGINE_REFUSED when Yate refused to set it. */
  async setlocal(name: string, value: string): Promise<string> {
    const r = await this.ask(name, value);
    if (value === '') return r.value;
    if (!r.ok) throw new YateChatError('ENGINE_REFUSED', `Yate refused setlocal ${name}=${value}`);
    this.#locals.set(name, value);
    return r.value;
  }

  /** One setlocal as Yate answers it, remembered or not. */
  ask(name: string, value: string): Promise<{ value: string; ok: boolean }> {
    // Written first: a line that cannot go out throws, and leaves no waiter behind.
    this.#write({ type: 'setlocal', name, value });
    return this.replies.expectSetlocal(name).then((r) => ({ value: setlocalValue(r.rest, name) ?? '', ok: r.ok }));
  }

  /** The settings set so far, set again (a new link). */
  replaySettings(): Promise<unknown>[] {
    return [...this.#locals].map(([n, v]) => this.ask(n, v));
  }

  #ask(line: ModuleLine, kind: Kind, name: string): Promise<string> {
    this.#write(line);
    return this.replies.expect(kind, name);
  }
}
