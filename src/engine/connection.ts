// The engine connection: one link to Yate over a duplex stream, its start-up handshake, the
// handler chains Yate offers messages to, the messages we emit, and a clean end.
//
// Guarantees (see docs/yate-module.md):
// - every `%%>message` Yate offers is answered EXACTLY once: with the handler's result, or
//   unchanged and not processed when the handler throws, passes its deadline (kept below the
//   engine's timeout, read at start), when nothing handles it, and at shutdown; one that cannot
//   be read (malformed, or longer than we read) is answered so when its id can be read, and
//   every such line is logged once;
// - an answer that changes nothing uses the short form, so it can never erase the return value;
// - no line longer than the bufsize Yate confirmed is ever written (LINE_TOO_LONG instead);
// - stdout carries protocol lines only.
import { EventEmitter } from 'node:events';
import { isYateChatError, YateChatError } from '../errors.js';
import { fromText } from '../protocol/bytes.js';
import { decodeEngineLine, messageIdOf, setlocalValue } from '../protocol/decode.js';
import { encodeLine } from '../protocol/encode.js';
import type { AnswerLine, EngineLine, MessageLine, ModuleLine } from '../protocol/types.js';
import { MAX_INCOMING_LINE, Overflow, readLines, wireLength } from './framing.js';
import { HandlerTable, sameSpec, type Handler, type HandlerOptions, type InstallSpec } from './handlers.js';
import { createLogger, YATE_LEVEL, type Logger, type LogLevel } from './logger.js';
import { Message } from './message.js';
import { Incoming } from './incoming.js';
import type { ParamInit } from './params.js';
import { describeEndpoint, openTransport, type Endpoint, type Transport } from './transport.js';
import { Replies } from './replies.js';

/** Yate's default module -> engine line buffer, before our bufsize is confirmed. */
export const DEFAULT_BUFSIZE = 8192;
export const DEFAULT_ENGINE_TIMEOUT = 10000;
const DEFAULT_RECONNECT = { initialMs: 200, maxMs: 10000 };

export interface ConnectionOptions {
  /** Where Yate is: stdio (default, started from extmodule.conf) or a listener socket. */
  readonly endpoint?: Endpoint;
  /** Open the link yourself (tests, custom transports); overrides `endpoint`. */
  readonly open?: () => Promise<Transport>;
  /** Name Yate appends to the `handlers` param for our handlers (`setlocal trackparam`). */
  readonly trackName?: string;
  /** bufsize to ask for at start (Yate accepts 2048..65536). */
  readonly bufsize?: number;
  /** Socket mode: role to announce with `%%>connect:` ('global'); null when the listener has a role. */
  readonly role?: string | null;
  /** Socket mode: reconnect with exponential backoff; false to give up at the first drop. */
  readonly reconnect?: { readonly initialMs: number; readonly maxMs: number } | false;
  /** Handler deadline in ms; default: the engine's timeout less a safety margin. */
  readonly deadlineMs?: number;
  /** Longest engine -> module line read; a longer one is logged, answered if it is a message
   *  whose id can be read, and dropped. [MAX_INCOMING_LINE, 4 MiB] */
  readonly maxIncomingLine?: number;
  readonly logLevel?: LogLevel;
}

export interface DispatchResult {
  readonly processed: boolean;
  /** The message as Yate returned it (possibly renamed, with the handlers' params). */
  readonly message: Message;
}

export type ConnectionState = 'idle' | 'connecting' | 'open' | 'closed';

interface PendingDispatch { resolve(r: DispatchResult): void; reject(e: Error): void; timer?: NodeJS.Timeout }
type Watcher = (notification: DispatchResult) => void;

export class Connection extends EventEmitter {
  readonly log: Logger;
  #opts: ConnectionOptions;
  #state: ConnectionState = 'idle';
  #transport: Transport | null = null;
  #maxLine = DEFAULT_BUFSIZE;
  #engineTimeout = DEFAULT_ENGINE_TIMEOUT;
  #seq = 0;
  #idPrefix = `yc${process.pid}.${Date.now().toString(36)}.`;
  #handlers = new HandlerTable();
  #installed = new Map<string, InstallSpec>();
  #watchers = new Map<string, Set<Watcher>>();
  #locals = new Map<string, string>();
  #incoming: Incoming;
  #outgoing = new Map<string, PendingDispatch>();
  #replies = new Replies();
  #backoff = 0;
  #retryTimer: NodeJS.Timeout | null = null;
  #closing = false;
  #offered = 0;
  #emitted = 0;
  #outText = '';
  #outScheduled = false;

  constructor(opts: ConnectionOptions = {}) {
    super();
    this.#opts = opts;
    this.log = createLogger((level, text) => this.#logLine(level, text), opts.logLevel);
    this.#incoming = new Incoming({
      handlers: this.#handlers,
      log: this.log,
      deadlineMs: () => this.deadlineMs,
      maxLine: () => this.#maxLine,
      writeText: (text) => this.#writeText(text),
    });
  }

  get state(): ConnectionState { return this.#state; }
  /** Longest line (with its '\n') we may write: the bufsize Yate confirmed. */
  get maxLineLength(): number { return this.#maxLine; }
  /** Yate's message timeout for this module, read at start. */
  get engineTimeout(): number { return this.#engineTimeout; }
  /** How long a handler may run before its message is answered unprocessed. */
  get deadlineMs(): number {
    return this.#opts.deadlineMs ?? Math.max(100, this.#engineTimeout - Math.max(1000, this.#engineTimeout / 10));
  }
  /** Messages Yate offered that are not answered yet. */
  get pendingIncoming(): number { return this.#incoming.size; }
  get endpointName(): string { return describeEndpoint(this.#opts.endpoint ?? { kind: 'stdio' }); }
  /** What this link has cost Yate so far: messages it offered us (each holds one of its threads
   *  until we answer) and messages we emitted (each run by one of its workers). */
  get counters(): { readonly offered: number; readonly emitted: number } {
    return { offered: this.#offered, emitted: this.#emitted };
  }

  /** Open the link, raise bufsize, read the engine timeout, install handlers and watches. */
  async start(): Promise<void> {
    if (this.#state !== 'idle') throw new YateChatError('BAD_ARGUMENT', `start() called in state ${this.#state}`);
    const ep = this.#opts.endpoint ?? { kind: 'stdio' as const };
    const retry = this.#opts.reconnect ?? DEFAULT_RECONNECT;
    // Socket mode: Yate may not be listening yet (started after us, restarting). Wait for it
    // with the same backoff as after a drop, rather than exit and leave chat down.
    for (let attempt = 0; ; attempt++) {
      try {
        return await this.#connect();
      } catch (err) {
        if (ep.kind === 'stdio' || retry === false || this.#closing || !isYateChatError(err, 'NOT_CONNECTED') || this.#transport) throw err;
        const delay = Math.min(retry.maxMs, retry.initialMs * 2 ** attempt);
        this.log.warn(`${(err as Error).message}; retrying in ${Math.round(delay)} ms`);
        await new Promise((resolve) => setTimeout(resolve, delay));
        if (this.#closing) throw err;
      }
    }
  }

  // ---- handlers, watches, settings ---------------------------------------------------------

  /** Add a handler for `name`. Resolves once Yate confirmed the install (at once if it already had). */
  async install(name: string, handler: Handler, opts: HandlerOptions = {}): Promise<void> {
    checkName(name);
    this.#handlers.add(name, handler, opts);
    if (this.#state === 'open') await this.#syncInstall(name);
  }

  async uninstall(name: string, handler?: Handler): Promise<void> {
    this.#handlers.remove(name, handler);
    if (this.#state === 'open') await this.#syncInstall(name);
  }

  async watch(name: string, watcher: Watcher): Promise<void> {
    checkName(name);
    const set = this.#watchers.get(name) ?? new Set();
    const first = set.size === 0;
    set.add(watcher);
    this.#watchers.set(name, set);
    if (first && this.#state === 'open') await this.#command({ type: 'watch', name }, 'watch', name);
  }

  async unwatch(name: string, watcher?: Watcher): Promise<void> {
    const set = this.#watchers.get(name);
    if (!set) return;
    if (watcher) set.delete(watcher);
    else set.clear();
    if (set.size) return;
    this.#watchers.delete(name);
    if (this.#state === 'open') await this.#command({ type: 'unwatch', name }, 'unwatch', name);
  }

  /** Set (or, with '', read) a module-local setting. Resolves with the value Yate reports;
   *  rejects ENGINE_REFUSED when Yate refused to set it. Settings are re-applied after a reconnect. */
  async setlocal(name: string, value = ''): Promise<string> {
    checkName(name);
    const r = await this.#setlocal(name, value);
    if (value !== '' && !r.ok) throw new YateChatError('ENGINE_REFUSED', `Yate refused setlocal ${name}=${value}`);
    if (value !== '') this.#locals.set(name, value);
    return r.value;
  }

  // ---- messages we emit --------------------------------------------------------------------

  /** Emit a message and wait for Yate's answer after its dispatch. */
  dispatch(name: string, params?: ParamInit, opts: { retval?: string; timeoutMs?: number } = {}): Promise<DispatchResult> {
    const id = this.#idPrefix + ++this.#seq;
    return new Promise((resolve, reject) => {
      try {
        this.#writeMessage(id, name, params, opts.retval ?? '');
      } catch (err) {
        reject(err);
        return;
      }
      const pending: PendingDispatch = { resolve, reject };
      if (opts.timeoutMs) {
        pending.timer = setTimeout(() => {
          this.#outgoing.delete(id);
          reject(new YateChatError('ENGINE_TIMEOUT', `Yate did not answer ${name} within ${opts.timeoutMs} ms`));
        }, opts.timeoutMs);
      }
      this.#outgoing.set(id, pending);
    });
  }

  /** Emit a message and forget it (empty id: Yate never answers). Throws LINE_TOO_LONG / NOT_CONNECTED. */
  enqueue(name: string, params?: ParamInit, retval = ''): void {
    this.#writeMessage('', name, params, retval);
  }

  /** Would a message with these fields fit the confirmed bufsize? */
  fits(name: string, params?: ParamInit, retval = ''): boolean {
    const m = new Message(name, params, retval);
    return wireLength(encodeLine(messageLine(this.#idPrefix + (this.#seq + 1), m))) <= this.#maxLine;
  }

  /** Raw text to Yate's output (one protocol line per text line). */
  output(text: string): void {
    for (const line of text.split(/\r?\n/)) this.#tryWrite({ type: 'output', text: line });
  }

  /** Text at a Yate debug level. */
  debug(level: number, text: string): void {
    this.#tryWrite({ type: 'debug', level, text });
  }

  /** Ask Yate to end the link, then close. */
  async quit(): Promise<void> {
    if (this.#state !== 'open') return this.close();
    const bye = new Promise<void>((resolve) => this.once('close', () => resolve()));
    this.#closing = true;
    // Yate reads nothing after `%%>quit`: answer what is pending first (unprocessed, unchanged).
    this.#incoming.answerAll();
    this.#tryWrite({ type: 'quit' });
    const t = setTimeout(() => void this.close(), 2000);
    await bye;
    clearTimeout(t);
  }

  /** Answer whatever is pending (unprocessed), fail pending dispatches, and end the link. */
  async close(): Promise<void> {
    if (this.#state === 'closed') return;
    this.#closing = true;
    clearTimeout(this.#retryTimer ?? undefined);
    this.#retryTimer = null;
    this.#drop(new YateChatError('NOT_CONNECTED', 'connection closed'));
    this.#flush(); // the answers #drop just wrote, while the way out is still there
    this.#transport?.close();
    this.#transport = null;
    this.#state = 'closed';
    this.emit('close');
  }

  // ---- internals ---------------------------------------------------------------------------

  async #connect(): Promise<void> {
    this.#state = 'connecting';
    const ep = this.#opts.endpoint ?? { kind: 'stdio' as const };
    const transport = await (this.#opts.open ?? (() => openTransport(ep)))();
    if (this.#closing) {
      transport.close();
      return;
    }
    this.#transport = transport;
    this.#maxLine = DEFAULT_BUFSIZE;
    const lines = readLines(transport.input, (line) => (typeof line === 'string' ? this.#onLine(line) : this.#onOverflow(line)), this.#opts.maxIncomingLine);
    lines.once('end', () => this.#onEnd(transport));
    transport.input.once('close', () => this.#onEnd(transport));
    transport.output.on('error', () => this.#onEnd(transport));
    this.#state = 'open';

    const role = this.#opts.role === undefined ? (ep.kind === 'stdio' ? null : 'global') : this.#opts.role;
    if (role) this.#write({ type: 'connect', role, channel: '', kind: '' });
    const setup: Promise<unknown>[] = [];
    if (this.#opts.trackName !== '') setup.push(this.#setlocal('trackparam', this.#opts.trackName ?? 'yate-chat'));
    setup.push(this.#setlocal('bufsize', String(this.#opts.bufsize ?? 65536)).then(({ value }) => {
      const n = Number(value);
      if (Number.isInteger(n) && n >= 2048) this.#maxLine = n;
    }));
    setup.push(this.#setlocal('timeout', '').then(({ value }) => {
      const n = Number(value);
      if (Number.isInteger(n) && n > 0) this.#engineTimeout = n;
    }));
    for (const [n, v] of this.#locals) setup.push(this.#setlocal(n, v));
    this.#installed.clear();
    for (const name of this.#handlers.names()) setup.push(this.#syncInstall(name));
    for (const name of this.#watchers.keys()) setup.push(this.#command({ type: 'watch', name }, 'watch', name));
    await Promise.all(setup);
    this.#backoff = 0;
    this.emit('open');
  }

  #onEnd(transport: Transport): void {
    if (this.#transport !== transport) return;
    const ep = this.#opts.endpoint ?? { kind: 'stdio' as const };
    const retry = this.#opts.reconnect ?? DEFAULT_RECONNECT;
    if (this.#closing || ep.kind === 'stdio' || retry === false) {
      // close() answers what is pending while the way out is still there (stdout outlives stdin EOF).
      void this.close();
      return;
    }
    this.#transport = null;
    this.#outText = ''; // lines for the link that is gone
    // Yate forgot everything about us: pending work on that link is void.
    this.#drop(new YateChatError('DISCONNECTED', `lost the link to Yate at ${describeEndpoint(ep)}`));
    this.#state = 'connecting';
    this.emit('disconnect');
    this.#scheduleReconnect(retry);
  }

  #scheduleReconnect(retry: { initialMs: number; maxMs: number }): void {
    // One attempt at a time: a link lost during its setup reaches here twice (#onEnd and the catch).
    if (this.#retryTimer) return;
    const delay = Math.min(retry.maxMs, retry.initialMs * 2 ** this.#backoff++);
    // Not unref'd: while we wait nothing else need keep the process alive, and a module that
    // exits at the first drop never comes back. close() clears it.
    this.#retryTimer = setTimeout(() => {
      this.#retryTimer = null;
      if (this.#closing) return;
      this.#connect().catch((err: Error) => {
        this.emit('warning', err);
        this.#scheduleReconnect(retry);
      });
    }, delay * (0.75 + Math.random() / 2));
  }

  /** Fail everything that waits on the current link. */
  #drop(err: YateChatError): void {
    this.#incoming.answerAll();
    for (const [id, p] of this.#outgoing) {
      clearTimeout(p.timer);
      this.#outgoing.delete(id);
      p.reject(err);
    }
    this.#replies.failAll(err);
  }

  #onLine(line: string): void {
    if (line === '') return;
    const decoded = decodeEngineLine(line);
    if (decoded.type === 'malformed') {
      this.log.warn(`ignored a line from Yate (${decoded.reason}): ${preview(line)}`);
      this.#refuseMessage(line);
      return;
    }
    this.#table[decoded.type](decoded as never);
  }

  /** A line longer than we read: logged, and answered when it is a message whose id shows. */
  #onOverflow(o: Overflow): void {
    this.log.warn(`ignored a line from Yate of ${o.length} bytes, longer than the ${this.#opts.maxIncomingLine ?? MAX_INCOMING_LINE} read: ${preview(o.head)}`);
    this.#refuseMessage(o.head);
  }

  /** A `%%>message` we could not read still holds a Yate thread: answer it (the short form)
   *  when its id can be read, rather than leave that thread to Yate's timeout. */
  #refuseMessage(line: string): void {
    const id = messageIdOf(line);
    if (id === null) return;
    this.#offered++;
    this.#incoming.refuse(id);
  }

  /** One entry per engine line type, named after the protocol's keywords. */
  #table: { [T in EngineLine['type']]: (line: Extract<EngineLine, { type: T }>) => void } = {
    'message': (m) => {
      this.#offered++;
      void this.#incoming.handle(m);
    },
    'answer': (a) => this.#onAnswer(a),
    'install-reply': (r) => this.#replies.settle('install', r.name, r.ok, String(r.priority)),
    'uninstall-reply': (r) => this.#replies.settle('uninstall', r.name, r.ok, String(r.priority)),
    'watch-reply': (r) => this.#replies.settle('watch', r.name, r.ok, ''),
    'unwatch-reply': (r) => this.#replies.settle('unwatch', r.name, r.ok, ''),
    'setlocal-reply': (r) => this.#replies.settleSetlocal(r.rest, r.ok),
    'quit-reply': () => void this.close(),
    'error-in': (e) => this.#onRefused(e.line),
  };

  #onAnswer(a: AnswerLine): void {
    const change = a.change ?? { name: '', retval: '', params: [] };
    const msg = new Message(change.name, undefined, change.retval);
    for (const [n, v] of change.params) if (v === null) msg.params.delete(n); else msg.params.add(n, v);
    const result: DispatchResult = { processed: a.processed, message: msg };
    if (a.id === '') {
      for (const w of this.#watchers.get(msg.name) ?? []) {
        try { w(result); } catch (err) { this.log.error(`watcher for ${msg.name} failed: ${String(err)}`); }
      }
      return;
    }
    const p = this.#outgoing.get(a.id);
    if (!p) return; // we gave up on it (timeout); Yate's late answer changes nothing
    this.#outgoing.delete(a.id);
    clearTimeout(p.timer);
    p.resolve(result);
  }

  /** Yate answered `Error in: <line>`: fail whatever waited on that line. Never answer it. */
  #onRefused(line: string): void {
    if (line.startsWith('%%>connect:')) {
      // The listener was configured with a role of its own (role=global): Yate already treats
      // us as global and reads our connect line as an unknown command. Nothing is lost.
      this.log.debug('the extmodule listener has its own role; our %%>connect line was not needed');
      return;
    }
    this.log.warn(`Yate refused a line: ${line.slice(0, 200)}`);
    const err = new YateChatError('ENGINE_REFUSED', `Yate refused the line: ${line.slice(0, 200)}`);
    const id = /^%%>message:([^:]*):/.exec(line)?.[1];
    const p = id ? this.#outgoing.get(id) : undefined;
    if (id && p) {
      this.#outgoing.delete(id);
      clearTimeout(p.timer);
      p.reject(err);
    }
  }

  async #syncInstall(name: string): Promise<void> {
    const want = this.#handlers.spec(name);
    const have = this.#installed.get(name) ?? null;
    if (sameSpec(want, have)) return;
    if (have) {
      this.#installed.delete(name);
      await this.#command({ type: 'uninstall', name }, 'uninstall', name);
    }
    if (want) {
      this.#installed.set(name, want);
      try {
        await this.#command({ type: 'install', name, priority: want.priority, filter: want.filter }, 'install', name);
      } catch (err) {
        this.#installed.delete(name);
        throw err;
      }
    }
  }

  #command(line: ModuleLine, kind: 'install' | 'uninstall' | 'watch' | 'unwatch', name: string): Promise<string> {
    const reply = this.#replies.expect(kind, name);
    this.#write(line);
    return reply;
  }

  #setlocal(name: string, value: string): Promise<{ value: string; ok: boolean }> {
    const reply = this.#replies.expectSetlocal(name);
    this.#write({ type: 'setlocal', name, value });
    return reply.then((r) => ({ value: setlocalValue(r.rest, name) ?? '', ok: r.ok }));
  }

  /** (A line Yate cannot read, a NUL or '=' in a param name, comes back as `Error in:` and
   *  rejects the dispatch with ENGINE_REFUSED: nothing waits on it.) */
  #writeMessage(id: string, name: string, params: ParamInit | undefined, retval: string): void {
    this.#write(messageLine(id, new Message(name, params, retval)));
    this.#emitted++;
  }

  /** Write one line, refusing (typed error, nothing written) what Yate could not take. */
  #write(line: ModuleLine): void {
    const t = this.#transport;
    if (!t || this.#state === 'closed') throw new YateChatError('NOT_CONNECTED', `not connected to Yate (state ${this.#state})`);
    const text = encodeLine(line);
    if (wireLength(text) > this.#maxLine) {
      throw new YateChatError('LINE_TOO_LONG', `a ${line.type} line of ${wireLength(text)} bytes exceeds Yate's bufsize of ${this.#maxLine}`);
    }
    this.#queue(text);
  }

  /** An encoded line already checked against bufsize (answers: Yate waits on them, so they are
   *  encoded once). Lost only when the link is gone, and Yate released the message then. */
  #writeText(text: string): void {
    if (!this.#transport || this.#state === 'closed') {
      this.emit('warning', new YateChatError('NOT_CONNECTED', `not connected to Yate (state ${this.#state})`));
      return;
    }
    this.#queue(text);
  }

  /**
   * Lines written in one turn of the event loop (the answers to every line of a chunk Yate sent,
   * their log lines) leave in ONE write at the end of the turn: a write is a system call, and
   * per line they cost the module more than everything else it does for a MESSAGE.
   */
  #queue(text: string): void {
    this.#outText += text + '\n';
    if (this.#outScheduled) return;
    this.#outScheduled = true;
    queueMicrotask(() => this.#flush());
  }

  #flush(): void {
    this.#outScheduled = false;
    const text = this.#outText;
    if (!text) return;
    this.#outText = '';
    const t = this.#transport;
    if (t && this.#state !== 'closed') t.output.write(text, 'latin1');
  }

  #tryWrite(line: ModuleLine): void {
    try {
      this.#write(line);
    } catch (err) {
      this.emit('warning', err);
    }
  }

  #logLine(level: LogLevel, text: string): void {
    if (this.#state !== 'open') {
      process.stderr.write(`yate-chat ${level}: ${text}\n`);
      return;
    }
    // Log text is text: written as UTF-8 bytes, cut so that even escaped it fits a line.
    const bytes = fromText(text);
    const room = Math.floor(this.#maxLine / 2) - 80;
    const line = bytes.length > room ? bytes.slice(0, room) + '...' : bytes;
    if (level === 'info') this.output(line);
    else this.debug(YATE_LEVEL[level], line);
  }
}

/** The start of a line for the log, with its length when cut. */
function preview(line: string): string {
  return line.length > 200 ? `${line.slice(0, 200)}... (${line.length} bytes)` : line;
}

function messageLine(id: string, m: Message): MessageLine {
  return { type: 'message', id, time: Math.floor(Date.now() / 1000), name: m.name, retval: m.retval, params: [...m.params] };
}

/** Names that go raw on the wire cannot hold ':' or control characters. */
function checkName(name: string): void {
  if (!name || /[\x00-\x1f:]/.test(name)) throw new YateChatError('BAD_ARGUMENT', `"${name}" cannot be used as a message or setting name`);
}
