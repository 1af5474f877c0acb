// An ordered parameter list in which a name may repeat (ysipchan's sip.message carries
// `username` twice). Never backed by object properties: a param called `__proto__` is a param.
//
// Pairs are never changed in place (set() replaces the pair), so a shallow copy of the list is
// a true snapshot: that is what lets an answer be computed without copying every param.

export type ParamInit = Iterable<readonly [string, string]> | Readonly<Record<string, string | number | boolean>>;

type Pair = readonly [string, string];

export class Params implements Iterable<[string, string]> {
  #list: Pair[] = [];
  #version = 0;
  /** Names written to (set, added, deleted) since the last markClean(), each with its first
   *  value as it was before the first write (undefined: it was not there). */
  #touched = new Map<string, string | undefined>();

  constructor(init?: ParamInit) {
    if (!init) return;
    if (Symbol.iterator in init) for (const [n, v] of init as Iterable<readonly [string, string]>) this.#list.push([n, v]);
    else for (const n of Object.keys(init)) this.#list.push([n, String((init as Record<string, unknown>)[n])]);
  }

  /** The first value of `name`, or undefined. */
  get(name: string): string | undefined {
    const list = this.#list;
    for (let i = 0; i < list.length; i++) if (list[i]![0] === name) return list[i]![1];
    return undefined;
  }

  /** Every value of `name`, in order. */
  getAll(name: string): string[] {
    return this.#list.filter((p) => p[0] === name).map((p) => p[1]);
  }

  has(name: string): boolean {
    return this.#list.some((p) => p[0] === name);
  }

  /** Replace the first `name` or append it (Yate's NamedList::setParam). */
  set(name: string, value: string | number | boolean): this {
    const v = typeof value === 'string' ? value : String(value);
    const list = this.#list;
    let i = 0;
    while (i < list.length && list[i]![0] !== name) i++;
    // One scan both finds the pair and tells what it was before the first write (#touch).
    this.#version++;
    if (!this.#touched.has(name)) this.#touched.set(name, i < list.length ? list[i]![1] : undefined);
    if (i < list.length) list[i] = [name, v];
    else list.push([name, v]);
    return this;
  }

  /** Append, even when `name` exists already. */
  add(name: string, value: string | number | boolean): this {
    this.#touch(name);
    this.#list.push([name, String(value)]);
    return this;
  }

  /** Remove every `name` (Yate's clearParam). */
  delete(name: string): boolean {
    this.#touch(name);
    const before = this.#list.length;
    this.#list = this.#list.filter((p) => p[0] !== name);
    return this.#list.length !== before;
  }

  /** Remove every param whose name passes `test`; one pass over the list. */
  deleteIf(test: (name: string) => boolean): void {
    const kept: Pair[] = [];
    for (const p of this.#list) {
      if (!test(p[0])) kept.push(p);
      // In list order the first pair seen of a name holds its first value: no lookup needed.
      else if (!this.#touched.has(p[0])) this.#touched.set(p[0], p[1]);
    }
    this.#version++;
    this.#list = kept;
  }

  get size(): number {
    return this.#list.length;
  }

  /** Changes every time the list is written to (for cheap "did anything change?" checks). */
  get version(): number {
    return this.#version;
  }

  /** Names written to since markClean() (or since the list was made), each with its first value
   *  as it was then. */
  get touched(): ReadonlyMap<string, string | undefined> {
    return this.#touched;
  }

  /** Start a new record of written names (the list as it is now is the reference). */
  markClean(): void {
    this.#touched = new Map();
  }

  /** Before a write to `name`: remember what it was, the first time. */
  #touch(name: string): void {
    this.#version++;
    if (!this.#touched.has(name)) this.#touched.set(name, this.get(name));
  }

  /** The pairs as they are now; later changes do not show in it. */
  pairs(): readonly Pair[] {
    return this.#list.slice();
  }

  [Symbol.iterator](): Iterator<[string, string]> {
    return this.#list.map((p): [string, string] => [p[0], p[1]])[Symbol.iterator]();
  }

  /** First value of each name, as a null-prototype record (safe for any name). */
  toObject(): Record<string, string> {
    const out: Record<string, string> = Object.create(null);
    for (const [n, v] of this.#list) if (!(n in out)) out[n] = v;
    return out;
  }

  clone(): Params {
    return new Params(this.#list);
  }
}
