// Correlating Yate's replies to our commands. Yate answers install/uninstall/watch/unwatch
// with the name it was given and setlocal with "NAME:VALUE" (both raw, value may hold ':'),
// in the order the commands were written; so each (kind, name) keeps a FIFO of waiters.
import { YateChatError } from '../errors.js';

type Kind = 'install' | 'uninstall' | 'watch' | 'unwatch';
interface Waiter { readonly name: string; resolve(value: string): void; reject(err: Error): void }

export class Replies {
  readonly #queues = new Map<string, Waiter[]>();
  #setlocals: { name: string; resolve(r: { rest: string; ok: boolean }): void; reject(err: Error): void }[] = [];

  expect(kind: Kind, name: string): Promise<string> {
    return new Promise((resolve, reject) => {
      const key = `${kind}:${name}`;
      const q = this.#queues.get(key) ?? [];
      q.push({ name, resolve, reject });
      this.#queues.set(key, q);
    });
  }

  /** `extra` is what the reply carries besides the flag (the priority for install/uninstall). */
  settle(kind: Kind, name: string, ok: boolean, extra: string): void {
    const key = `${kind}:${name}`;
    const w = this.#queues.get(key)?.shift();
    if (!w) return;
    if (!this.#queues.get(key)?.length) this.#queues.delete(key);
    if (ok) w.resolve(extra);
    else w.reject(new YateChatError('ENGINE_REFUSED', `Yate refused to ${kind} ${name}`));
  }

  expectSetlocal(name: string): Promise<{ rest: string; ok: boolean }> {
    return new Promise((resolve, reject) => this.#setlocals.push({ name, resolve, reject }));
  }

  /** A setlocal reply answers the oldest waiter whose name it starts with. */
  settleSetlocal(rest: string, ok: boolean): void {
    const i = this.#setlocals.findIndex((w) => rest.startsWith(w.name + ':'));
    if (i < 0) return;
    const [w] = this.#setlocals.splice(i, 1);
    w!.resolve({ rest, ok });
  }

  failAll(err: Error): void {
    for (const q of this.#queues.values()) for (const w of q) w.reject(err);
    this.#queues.clear();
    for (const w of this.#setlocals) w.reject(err);
    this.#setlocals = [];
  }
}
