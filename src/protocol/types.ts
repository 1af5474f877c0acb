// Typed values for every line of the extmodule protocol, in both directions.
// Names follow the protocol's own keywords. All strings are byte strings (see bytes.ts).

/** One parameter operation: [name, value] sets; [name, null] (a bare `name` on the wire) deletes. */
export type ParamOp = readonly [name: string, value: string | null];

/** `%%>message:ID:TIME:NAME:RETVAL[:k=v...]` — a message offered for handling (engine -> module),
 *  or a message the module emits (module -> engine; an empty id means fire-and-forget). */
export interface MessageLine {
  readonly type: 'message';
  readonly id: string;
  /** Seconds since the epoch; 0 means now. */
  readonly time: number;
  readonly name: string;
  readonly retval: string;
  readonly params: readonly ParamOp[];
}

/** What an answer changes in the message. */
export interface AnswerChange {
  /** Non-empty renames the message. */
  readonly name: string;
  /** Copied as given: an empty string ERASES the return value. */
  readonly retval: string;
  readonly params: readonly ParamOp[];
}

/** `%%<message:ID:PROCESSED:[NAME:RETVAL[:k=v...]]` — an answer. From the engine: the result of a
 *  message the module emitted, or (empty id) a watched notification. From the module: the answer
 *  to a message the engine offered; `change: null` is the short form that changes nothing. */
export interface AnswerLine {
  readonly type: 'answer';
  readonly id: string;
  readonly processed: boolean;
  readonly change: AnswerChange | null;
}

export interface InstallLine { readonly type: 'install'; readonly priority: number | null; readonly name: string; readonly filter: { readonly name: string; readonly value: string } | null }
export interface InstallReply { readonly type: 'install-reply'; readonly priority: number; readonly name: string; readonly ok: boolean }
export interface UninstallLine { readonly type: 'uninstall'; readonly name: string }
export interface UninstallReply { readonly type: 'uninstall-reply'; readonly priority: number; readonly name: string; readonly ok: boolean }
export interface WatchLine { readonly type: 'watch' | 'unwatch'; readonly name: string }
export interface WatchReply { readonly type: 'watch-reply'; readonly name: string; readonly ok: boolean }
export interface UnwatchReply { readonly type: 'unwatch-reply'; readonly name: string; readonly ok: boolean }
/** `%%>setlocal:NAME:VALUE` — NOT escaped; Yate trims the value. */
export interface SetlocalLine { readonly type: 'setlocal'; readonly name: string; readonly value: string }
/** `%%<setlocal:NAME:VALUE:ok` — NOT escaped. NAME and VALUE may both contain ':', so `rest`
 *  ("NAME:VALUE") is kept whole; the caller who asked for NAME reads the value with setlocalValue(). */
export interface SetlocalReply { readonly type: 'setlocal-reply'; readonly rest: string; readonly ok: boolean }
/** `%%>output:TEXT` — raw text to Yate's output. */
export interface OutputLine { readonly type: 'output'; readonly text: string }
/** `%%>debug:LEVEL:TEXT` — escaped text at a Yate debug level. */
export interface DebugLine { readonly type: 'debug'; readonly level: number; readonly text: string }
export interface ConnectLine { readonly type: 'connect'; readonly role: string; readonly channel: string; readonly kind: string }
export interface QuitLine { readonly type: 'quit' }
export interface QuitReply { readonly type: 'quit-reply' }
/** `Error in: <line>` — Yate refused a line we wrote. Never answer it. */
export interface ErrorReply { readonly type: 'error-in'; readonly line: string }

/** A line the engine writes to a module. */
export type EngineLine =
  | MessageLine | AnswerLine | InstallReply | UninstallReply | WatchReply | UnwatchReply | SetlocalReply | QuitReply | ErrorReply;

/** A line a module writes to the engine. */
export type ModuleLine =
  | MessageLine | AnswerLine | InstallLine | UninstallLine | WatchLine | SetlocalLine | OutputLine | DebugLine
  | ConnectLine | QuitLine;

export type Line = EngineLine | ModuleLine;

/** A line that could not be decoded. Never thrown: returned, so one bad line cannot stop a reader. */
export interface MalformedLine {
  readonly type: 'malformed';
  readonly line: string;
  readonly reason: string;
}
