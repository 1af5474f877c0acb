// The extmodule side of the engine: what a module author builds on (re-exported by the light
// entry, src/extmodule.ts).
export { Connection, type ConnectionEvents, type ConnectionState, type DispatchOptions, type RetryInfo } from './connection.js';
export { DEFAULT_BUFSIZE, DEFAULT_ENGINE_TIMEOUT, type Backoff, type ConnectionOptions } from './options.js';
export { Message, type DispatchResult } from './message.js';
export { Params, type ParamInit } from './params.js';
export type { Handler, HandlerContext, HandlerOptions, Filter } from './handlers.js';
export type { Watcher } from './watchers.js';
export { parseEndpoint, describeEndpoint, type Endpoint, type Transport } from './transport.js';
export type { Logger, LogLevel } from './logger.js';
