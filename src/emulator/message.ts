// The Yate message model (engine/Message.cpp, NamedList): a name, a return value and an ORDERED
// list of parameters in which a name may repeat (ysipchan's sip.message carries `username`
// twice). Values are byte strings, one JS char per wire byte (see src/protocol/bytes.ts).
import { parseBool } from '../protocol/decode.js';
import { toInteger } from './convert.js';

/** Who emitted a message: the module link, compared by identity only. */
export interface Origin {
  /** Its address in log lines. */
  readonly ptr: string;
}

export type Param = [name: string, value: string];
/** Parameters as a caller gives them: ordered pairs (repeats allowed) or a plain record. */
export type ParamsInit = Iterable<readonly [string, string]> | Readonly<Record<string, string>>;

export class Message {
  name: string;
  retval: string;
  readonly params: Param[] = [];
  /** Seconds since the epoch, as `%%>message:ID:TIME:` carries it. */
  time: number;
  /** Set for a message a module emitted WITH an id (ExtMessage::startup sets m_receiver only when
   *  the id is non-empty): that module's own handlers and watcher skip it (reenter/selfwatch). */
  origin: Origin | null = null;

  constructor(name: string, params?: ParamsInit, retval = '', time = Math.floor(Date.now() / 1000)) {
    this.name = name;
    this.retval = retval;
    this.time = time;
    if (params) for (const [k, v] of entries(params)) this.addParam(k, v);
  }

  /** NamedList::getValue: the FIRST param of that name. */
  getParam(name: string): string | undefined {
    for (const p of this.params) if (p[0] === name) return p[1];
    return undefined;
  }

  /** Every value of a repeated name, in order. */
  getAll(name: string): string[] {
    return this.params.filter((p) => p[0] === name).map((p) => p[1]);
  }

  /** NamedList::setParam: replace the FIRST param of that name, or append. */
  setParam(name: string, value: string): this {
    const p = this.params.find((q) => q[0] === name);
    if (p) p[1] = value;
    else this.params.push([name, value]);
    return this;
  }

  /** NamedList::addParam: always append (repeats allowed). `emptyOk=false` skips an empty value. */
  addParam(name: string, value: string, emptyOk = true): this {
    if (emptyOk || value !== '') this.params.push([name, value]);
    return this;
  }

  /** NamedList::clearParam: remove ALL params of that name; with `childSep` also `name<sep>*`. */
  clearParam(name: string, childSep?: string): this {
    const prefix = childSep === undefined ? null : name + childSep;
    for (let i = this.params.length - 1; i >= 0; i--) {
      const n = this.params[i]![0];
      if (n === name || (prefix !== null && n.startsWith(prefix))) this.params.splice(i, 1);
    }
    return this;
  }

  /** NamedList::copyParam without child separator: set from `src`, or clear when `src` lacks it. */
  copyParam(src: Message, name: string): this {
    const v = src.getParam(name);
    return v === undefined ? this.clearParam(name) : this.setParam(name, v);
  }

  /** Integer value like NamedList::getIntValue: the whole (trimmed) value must be a number. */
  getInt(name: string, def = 0): number {
    const v = this.getParam(name);
    return v === undefined ? def : toInteger(v, def);
  }

  /** Boolean value like NamedList::getBoolValue. */
  getBool(name: string, def = false): boolean {
    const v = this.getParam(name);
    return v === undefined ? def : parseBool(v) ?? def;
  }

  /** A snapshot of the params (pairs are copied). */
  snapshot(): Param[] {
    return this.params.map(([k, v]) => [k, v]);
  }
}

function isIterable(x: unknown): x is Iterable<readonly [string, string]> {
  return typeof x === 'object' && x !== null && Symbol.iterator in x;
}

export function entries(params: ParamsInit): Iterable<readonly [string, string]> {
  return isIterable(params) ? params : Object.entries(params);
}
