// The engine connection: one link to Yate over a duplex stream, its start-up handshake, the
// link's life (reconnect in socket mode, a clean end), and the lines Yate sends, each handed to
// the part that owns it:
//   incoming.ts   messages Yate offers us, answered exactly once (handlers.ts runs the chains)
//   outgoing.ts   messages we emit and wait for, with their timeouts
//   watchers.ts   notifications of watched messages
//   commands.ts   install/watch/setlocal and their replies, replayed on a new link
//   writer.ts     lines out: bufsize checked, batched per turn of the event loop
//   options.ts    every option resolved once; logger.ts the sink into Yate's log
//
// Guarantees (see docs/yate-module.md):
// - every `%%>message` Yate offers is answered EXACTLY once: with the handler's result, or
//   unchanged and not processed when the handler throws, passes its deadline (kept below the
//   engine's timeout, read at start), when nothing handles it, and at shutdown; one that cannot
//   be read (malformed, or longer than we read) is answered so when its id can be read, and
//   every such line is logged once;
// - an answer that changes nothing uses the short form, so it can never erase the return value;
// - no line longer than the bufsize Yate confirmed is ever written: the caller gets
//   LINE_TOO_LONG (or NOT_CONNECTED without a link) instead, and nothing is written;
// - stdout carries protocol lines only.
import { EventEmitter } from 'node:events';
import { isYateChatError, YateChatError } from '../errors.js';
import { decodeEngineLine, messageIdOf } from '../protocol/decode.js';
import { encodeLine } from '../protocol/encode.js';
import type { EngineLine, MessageLine, ModuleLine } from '../protocol/types.js';
import { Commands } from './commands.js';
import { Overflow, readLines, wireLength } from './framing.js';
import { HandlerTable, type Handler, type HandlerOptions } from './handlers.js';
import { Incoming } from './incoming.js';
import { createLogger, engineSink, type Logger } from './logger.js';
import { Message, resultOf, type DispatchResult } from './message.js';
import { backoffDelay, DEFAULT_ENGINE_TIMEOUT, resolveOptions, type ConnectionOptions, type Resolved } from './options.js';
import { Outgoing } from './outgoing.js';
import type { ParamInit } from './params.js';
import type { Transport } from './transport.js';
import { Watchers, type Watcher } from './watchers.js';
import { LineWriter } from './writer.js';

export type { DispatchResult };

export type ConnectionState = 'idle' | 'connecting' | 'open' | 'closed';

/** A failed attempt to (re)connect in socket mode, and the wait before the next one. */
export interface RetryInfo {
  readonly error: YateChatError;
  /** Attempts that failed in a row so far (1 at the first). */
  readonly failures: number;
  /** The wait before the next attempt (ms). */
  readonly delayMs: number;
}

/** The events a Connection emits (there is no 'error' event: failures reject the call that
 *  asked, and what no caller waits for goes to the log). */
export type ConnectionEvents = {
  /** The link is up: handlers installed, watches and settings applied (at start, and after
   *  every reconnect). */
  open: [];
  /** Socket mode: the link dropped. Pending dispatches were rejected with DISCONNECTED, offered
   *  messages released; reconnecting follows. */
  disconnect: [error: YateChatError];
  /** Socket mode: Yate could not be reached (or a new link failed its set-up); trying again. */
  retry: [info: RetryInfo];
  /** The connection is over for good: close(), quit(), the end of stdio, or a drop without
   *  reconnect. */
  close: [];
};

export interface DispatchOptions {
  /** The message's return value as emitted. [''] */
  readonly retval?: string;
  /** Give up (ENGINE_TIMEOUT) when Yate has not answered within this (ms). [as long as the link lasts] */
  readonly timeoutMs?: number;
}

export class Connection extends EventEmitter<ConnectionEvents> {
  readonly log: Logger;
  readonly #o: Resolved;
  #state: ConnectionState = 'idle';
  #transport: Transport | null = null;
  #engineTimeout = DEFAULT_ENGINE_TIMEOUT;
  readonly #writer = new LineWriter();
  readonly #handlers = new HandlerTable();
  readonly #watchers = new Watchers();
  readonly #commands = new Commands((line) => this.#write(line));
  readonly #incoming: Incoming;
  readonly #outgoing = new Outgoing();
  /** The wait between two connection attempts; close() ends it early. */
  #pause: { timer: NodeJS.Timeout; wake(): void } | null = null;
  #closing = false;
  #offered = 0;
  #emitted = 0;

  /** Throws BAD_ARGUMENT for an option that cannot be used. */
  constructor(opts: ConnectionOptions = {}) {
    super();
    this.#o = resolveOptions(opts);
    this.log = createLogger(engineSink(this), this.#o.logLevel);
    this.#incoming = new Incoming({
      handlers: this.#handlers,
      log: this.log,
      deadlineMs: () => this.deadlineMs,
      maxLine: () => this.#writer.maxLine,
      writeText: (text) => this.#writeAnswer(text),
    });
  }

  get state(): ConnectionState { return this.#state; }
  /** Longest line (with its '\n') we may write: the bufsize Yate confirmed. */
  get maxLineLength(): number { return this.#writer.maxLine; }
  /** Yate's message timeout for this module, read at start. */
  get engineTimeout(): number { return this.#engineTimeout; }
  /** How long a handler may run before its message is answered unprocessed. */
  get deadlineMs(): number {
    return this.#o.deadlineMs ?? Math.max(100, this.#engineTimeout - Math.max(1000, this.#engineTimeout / 10));
  }
  /** Messages Yate offered that are not answered yet. */
  get pendingIncoming(): number { return this.#incoming.size; }
  get endpointName(): string { return this.#o.endpointName; }
  /** What this link has cost Yate so far: messages it offered us (each holds one of its threads
   *  until we answer) and messages we emitted (each run by one of its workers). */
  get counters(): { readonly offered: number; readonly emitted: number } {
    return { offered: this.#offered, emitted: this.#emitted };
  }

  /** Open the link, raise bufsize, read the engine timeout, install handlers and watches.
   *  Socket mode: waits (with backoff, 'retry' events) while Yate is not listening yet. */
  async start(): Promise<void> {
    if (this.#state !== 'idle') throw new YateChatError('BAD_ARGUMENT', `start() called in state ${this.#state}`);
    for (let attempt = 0; ; attempt++) {
      try {
        return await this.#connect();
      } catch (err) {
        // At start only an unreachable Yate is waited for; a refusal during set-up is the caller's.
        if (this.#transport || !isYateChatError(err, 'NOT_CONNECTED') || !(await this.#retryAfter(attempt, err, attempt + 1))) throw err;
      }
    }
  }

  // ---- handlers, watches, settings ---------------------------------------------------------

  /** Add a handler for `name`. Resolves once Yate confirmed the install (at once if it already had). */
  async install(name: string, handler: Handler, opts: HandlerOptions = {}): Promise<void> {
    checkName(name);
    this.#handlers.add(name, handler, opts);
    if (this.#state === 'open') await this.#commands.sync(name, this.#handlers.spec(name));
  }

  /** Remove one handler, or every handler of `name`. */
  async uninstall(name: string, handler?: Handler): Promise<void> {
    this.#handlers.remove(name, handler);
    if (this.#state === 'open') await this.#commands.sync(name, this.#handlers.spec(name));
  }

  /** Be told of every `name` Yate dispatches, after its dispatch. */
  async watch(name: string, watcher: Watcher): Promise<void> {
    checkName(name);
    if (this.#watchers.add(name, watcher) && this.#state === 'open') await this.#commands.watch(name);
  }

  /** Remove one watcher, or every watcher of `name`. */
  async unwatch(name: string, watcher?: Watcher): Promise<void> {
    if (this.#watchers.remove(name, watcher) && this.#state === 'open') await this.#commands.unwatch(name);
  }

  /** Set (or, with '', read) a module-local setting. Resolves with the value Yate reports;
   *  rejects ENGINE_REFUSED when Yate refused to set it. Settings are re-applied after a reconnect. */
  async setlocal(name: string, value = ''): Promise<string> {
    checkName(name);
    return this.#commands.setlocal(name, value);
  }

  // ---- messages we emit --------------------------------------------------------------------

  /** Emit a message and wait for Yate's answer after its dispatch. Rejects LINE_TOO_LONG or
   *  NOT_CONNECTED (nothing written), ENGINE_REFUSED, ENGINE_TIMEOUT, DISCONNECTED. */
  dispatch(name: string, params?: ParamInit, opts: DispatchOptions = {}): Promise<DispatchResult> {
    const id = this.#outgoing.nextId();
    try {
      this.#writeMessage(id, name, params, opts.retval ?? '');
    } catch (err) {
      return Promise.reject(err);
    }
    return this.#outgoing.wait(id, name, opts.timeoutMs);
  }

  /** Emit a message and forget it (empty id: Yate never answers). Throws LINE_TOO_LONG / NOT_CONNECTED. */
  enqueue(name: string, params?: ParamInit, retval = ''): void {
    this.#writeMessage('', name, params, retval);
  }

  /** Would a message with these fields fit the confirmed bufsize? */
  fits(name: string, params?: ParamInit, retval = ''): boolean {
    const m = new Message(name, params, retval);
    return wireLength(encodeLine(messageLine(this.#outgoing.peekId(), m))) <= this.#writer.maxLine;
  }

  /** Raw text to Yate's output, one protocol line per text line. Throws NOT_CONNECTED or
   *  LINE_TOO_LONG (then none of its lines is written). */
  output(text: string): void {
    const lines = text.split(/\r?\n/).map((line) => this.#encode({ type: 'output', text: line }));
    this.#writer.queue(lines.join('\n'));
  }

  /** Text at a Yate debug level. Throws NOT_CONNECTED or LINE_TOO_LONG (nothing written). */
  debug(level: number, text: string): void {
    this.#write({ type: 'debug', level, text });
  }

  /** Ask Yate to end the link, then close. */
  async quit(): Promise<void> {
    if (this.#state !== 'open') return this.close();
    const bye = new Promise<void>((resolve) => this.once('close', () => resolve()));
    this.#closing = true;
    // Yate reads nothing after `%%>quit`: answer what is pending first (unprocessed, unchanged).
    this.#incoming.answerAll();
    this.#write({ type: 'quit' });
    const t = setTimeout(() => void this.close(), 2000);
    await bye;
    clearTimeout(t);
  }

  /** Answer whatever is pending (unprocessed), fail pending dispatches, and end the link. */
  async close(): Promise<void> {
    if (this.#state === 'closed') return;
    this.#closing = true;
    this.#pause?.wake();
    this.#drop(new YateChatError('NOT_CONNECTED', 'connection closed'));
    this.#writer.flush(); // the answers #drop just wrote, while the way out is still there
    this.#writer.detach();
    this.#transport?.close();
    this.#transport = null;
    this.#state = 'closed';
    this.emit('close');
  }

  // ---- the link ----------------------------------------------------------------------------

  async #connect(): Promise<void> {
    this.#state = 'connecting';
    const transport = await this.#o.open();
    if (this.#closing) {
      transport.close();
      return;
    }
    this.#transport = transport;
    this.#writer.attach(transport.output);
    const lines = readLines(transport.input, (line) => (typeof line === 'string' ? this.#onLine(line) : this.#onOverflow(line)), this.#o.maxIncomingLine);
    lines.once('end', () => this.#onEnd(transport));
    transport.input.once('close', () => this.#onEnd(transport));
    transport.output.on('error', () => this.#onEnd(transport));
    this.#state = 'open';

    const o = this.#o;
    if (o.role) this.#write({ type: 'connect', role: o.role, channel: '', kind: '' });
    const setup: Promise<unknown>[] = [];
    if (o.trackName !== null) setup.push(this.#commands.ask('trackparam', o.trackName));
    setup.push(this.#commands.ask('bufsize', String(o.bufsize)).then(({ value }) => {
      const n = Number(value);
      if (Number.isInteger(n) && n >= 2048) this.#writer.maxLine = n;
    }));
    setup.push(this.#commands.ask('timeout', '').then(({ value }) => {
      const n = Number(value);
      if (Number.isInteger(n) && n > 0) this.#engineTimeout = n;
    }));
    setup.push(...this.#commands.replaySettings());
    this.#commands.reset();
    for (const name of this.#handlers.names()) setup.push(this.#commands.sync(name, this.#handlers.spec(name)));
    for (const name of this.#watchers.names()) setup.push(this.#commands.watch(name));
    await Promise.all(setup);
    this.emit('open');
  }

  #onEnd(transport: Transport): void {
    if (this.#transport !== transport) return;
    if (this.#closing || this.#o.reconnect === false) {
      // close() answers what is pending while the way out is still there (stdout outlives stdin EOF).
      void this.close();
      return;
    }
    const err = new YateChatError('DISCONNECTED', `lost the link to Yate at ${this.#o.endpointName}`);
    this.#abandon(err);
    this.emit('disconnect', err);
    void this.#reconnect();
  }

  /** After a drop: wait, try again, and keep trying (with backoff) until a link is up or close(). */
  async #reconnect(): Promise<void> {
    let failure: YateChatError | null = null;
    // Wait number `attempt` comes after that many failed attempts (the first: after the drop).
    for (let attempt = 0; await this.#retryAfter(attempt, failure, attempt); attempt++) {
      try {
        return await this.#connect();
      } catch (err) {
        failure = asEngineError(err);
        // A link that failed its set-up is left, with whatever waited on it.
        if (this.#transport) this.#abandon(failure);
      }
    }
  }

  /** The wait number `attempt` before the next attempt, saying why when `failures` attempts
   *  failed; false when the connection was closed meanwhile or may not retry. */
  async #retryAfter(attempt: number, failure: unknown, failures: number): Promise<boolean> {
    const backoff = this.#o.reconnect;
    if (backoff === false || this.#closing) return false;
    const delayMs = backoffDelay(backoff, attempt);
    if (failure) {
      const error = asEngineError(failure);
      this.log.warn(`${error.message}; retrying in ${Math.round(delayMs)} ms`);
      this.emit('retry', { error, failures, delayMs });
    }
    // Not unref'd: while we wait nothing else need keep the process alive, and a module that
    // exits at the first drop never comes back. close() ends the wait.
    await new Promise<void>((wake) => (this.#pause = { timer: setTimeout(wake, delayMs), wake }));
    clearTimeout(this.#pause?.timer);
    this.#pause = null;
    return !this.#closing;
  }

  /** Leave the current link: its transport, its unwritten lines, and everything waiting on it. */
  #abandon(err: YateChatError): void {
    const t = this.#transport;
    this.#transport = null;
    this.#writer.detach();
    t?.close();
    // Yate forgot everything about us: pending work on that link is void.
    this.#drop(err);
    this.#state = 'connecting';
  }

  /** Fail everything that waits on the current link. */
  #drop(err: YateChatError): void {
    this.#incoming.answerAll();
    this.#outgoing.failAll(err);
    this.#commands.replies.failAll(err);
  }

  // ---- lines from Yate ---------------------------------------------------------------------

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
    this.log.warn(`ignored a line from Yate of ${o.length} bytes, longer than the ${this.#o.maxIncomingLine} read: ${preview(o.head)}`);
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
      this.#incoming.handle(m);
    },
    'answer': (a) => {
      // An empty id: a watched notification; else the answer to a dispatch of ours (or to one
      // given up on: Yate's late answer changes nothing).
      if (a.id === '') this.#watchers.notify(resultOf(a), this.log);
      else this.#outgoing.settle(a.id, resultOf(a));
    },
    'install-reply': (r) => this.#commands.replies.settle('install', r.name, r.ok, String(r.priority)),
    'uninstall-reply': (r) => this.#commands.replies.settle('uninstall', r.name, r.ok, String(r.priority)),
    'watch-reply': (r) => this.#commands.replies.settle('watch', r.name, r.ok, ''),
    'unwatch-reply': (r) => this.#commands.replies.settle('unwatch', r.name, r.ok, ''),
    'setlocal-reply': (r) => this.#commands.replies.settleSetlocal(r.rest, r.ok),
    'quit-reply': () => void this.close(),
    'error-in': (e) => this.#onRefused(e.line),
  };

  /** Yate answered `Error in: <line>`: fail whatever waited on that line. Never answer it. */
  #onRefused(line: string): void {
    if (line.startsWith('%%>connect:')) {
      // The listener was configured with a role of its own (role=global): Yate already treats
      // us as global and reads our connect line as an unknown command. Nothing is lost.
      this.log.debug('the extmodule listener has its own role; our %%>connect line was not needed');
      return;
    }
    this.log.warn(`Yate refused a line: ${line.slice(0, 200)}`);
    const id = /^%%>message:([^:]*):/.exec(line)?.[1];
    if (id) this.#outgoing.fail(id, new YateChatError('ENGINE_REFUSED', `Yate refused the line: ${line.slice(0, 200)}`));
  }

  // ---- lines to Yate -----------------------------------------------------------------------

  /** (A line Yate cannot read, a NUL or '=' in a param name, comes back as `Error in:` and
   *  rejects the dispatch with ENGINE_REFUSED: nothing waits on it.) */
  #writeMessage(id: string, name: string, params: ParamInit | undefined, retval: string): void {
    this.#write(messageLine(id, new Message(name, params, retval)));
    this.#emitted++;
  }

  /** Write one line, refusing (typed error, nothing written) what Yate could not take. */
  #write(line: ModuleLine): void {
    this.#writer.queue(this.#encode(line));
  }

  #encode(line: ModuleLine): string {
    if (!this.#writer.attached || this.#state === 'closed') throw new YateChatError('NOT_CONNECTED', `not connected to Yate (state ${this.#state})`);
    return this.#writer.encode(line);
  }

  /** An answer, encoded once and already checked against bufsize. Lost only when the link is
   *  gone, and Yate released the message then. */
  #writeAnswer(text: string): void {
    if (!this.#writer.queue(text)) this.log.debug(`an answer was not written: no link to Yate (state ${this.#state})`);
  }
}

/** The start of a line for the log, with its length when cut. */
function preview(line: string): string {
  return line.length > 200 ? `${line.slice(0, 200)}... (${line.length} bytes)` : line;
}

function messageLine(id: string, m: Message): MessageLine {
  return { type: 'message', id, time: Math.floor(Date.now() / 1000), name: m.name, retval: m.retval, params: [...m.params] };
}

function asEngineError(err: unknown): YateChatError {
  return err instanceof YateChatError ? err : new YateChatError('NOT_CONNECTED', String((err as Error)?.message ?? err), { cause: err });
}

/** Names that go raw on the wire cannot hold ':' or control characters. */
function checkName(name: string): void {
  if (!name || /[\x00-\x1f:]/.test(name)) throw new YateChatError('BAD_ARGUMENT', `"${name}" cannot be used as a message or setting name`);
}
