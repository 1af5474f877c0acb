// Every error yate-chat raises carries a stable string `code` (listed in docs/library.md, "Error codes").
// Errors reach the caller whose request failed; nothing is thrown into the void.

export type ErrorCode =
  /** A line would be longer than the bufsize Yate confirmed; it was not written. */
  | 'LINE_TOO_LONG'
  /** The engine connection is not open (not started, closed, or between reconnects). */
  | 'NOT_CONNECTED'
  /** The connection dropped while the request was pending. */
  | 'DISCONNECTED'
  /** Yate did not answer in time. */
  | 'ENGINE_TIMEOUT'
  /** Yate refused a command (install/watch/setlocal answered false) or the line (`Error in:`). */
  | 'ENGINE_REFUSED'
  /** A name or value cannot be written on the wire as given. */
  | 'BAD_ARGUMENT'
  /** The rules file is missing, unreadable or invalid. */
  | 'CONFIG_INVALID'
  /** The message store cannot be opened or written. */
  | 'STORE_FAILED'
  /** The recipient's stored-message quota is full. */
  | 'STORE_QUOTA'
  /** A message body is larger than the store accepts (`maxBodyBytes`); it was not stored. */
  | 'STORE_TOO_LARGE'
  /** The store holds as many messages as it may (`offline.maxMessages`, all recipients). */
  | 'STORE_FULL'
  /** Too many deliveries already wait for a turn; this one was not queued. */
  | 'OVERLOADED'
  /** The offline store is off (`offline.enabled: false`): there is no queue to read or purge. */
  | 'OFFLINE_DISABLED'
  /** No group by that name (neither in the rules file nor in the store). */
  | 'NO_SUCH_GROUP'
  /** The name is taken: a group already, or an alias, a webhook address or a user. */
  | 'GROUP_EXISTS'
  /** A group of the rules file: it changes only with the file (`chat reload`). */
  | 'GROUP_READ_ONLY'
  /** Past groupPolicy.maxMembers (members of one group) or maxGroups (groups in the store). */
  | 'GROUP_LIMIT'
  /** The history is off (`history.enabled: false`): there is nothing to read. */
  | 'HISTORY_DISABLED';

export class YateChatError extends Error {
  readonly code: ErrorCode;
  constructor(code: ErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'YateChatError';
    this.code = code;
  }
}

export function isYateChatError(err: unknown, code?: ErrorCode): err is YateChatError {
  return err instanceof YateChatError && (code === undefined || err.code === code);
}
