export { Connection, DEFAULT_BUFSIZE, DEFAULT_ENGINE_TIMEOUT } from './connection.js';
export type { ConnectionOptions, ConnectionState, DispatchResult } from './connection.js';
export { Message, answerChange, snapshot } from './message.js';
export { Params, type ParamInit } from './params.js';
export type { Handler, HandlerContext, HandlerOptions, Filter } from './handlers.js';
export { parseEndpoint, describeEndpoint, openTransport, type Endpoint, type Transport } from './transport.js';
export { createLogger, stderrSink, YATE_LEVEL, type Logger, type LogLevel, type LogSink } from './logger.js';
