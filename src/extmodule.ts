// yate-chat/extmodule: the light entry, for writing your own external module for Yate in
// TypeScript. The engine connection (stdio or an extmodule [listener] socket), messages and
// their params, handlers, dispatch, watch, setlocal, typed errors and events; byte strings and
// text. It loads neither the chat module nor its rules, store or checker (no SQLite, no zod).
export {
  Connection, DEFAULT_BUFSIZE, DEFAULT_ENGINE_TIMEOUT, Message, Params, describeEndpoint, parseEndpoint,
  type Backoff, type ConnectionEvents, type ConnectionOptions, type ConnectionState, type DispatchOptions, type DispatchResult,
  type Endpoint, type Filter, type Handler, type HandlerContext, type HandlerOptions, type Logger, type LogLevel,
  type ParamInit, type RetryInfo, type Transport, type Watcher,
} from './engine/index.js';
export { YateChatError, isYateChatError, type ErrorCode } from './errors.js';
export { fromText, toText } from './protocol/bytes.js';
