// The Yate engine emulator: what tests, the demo and users run yate-chat against.
// Its message, handler and dispatch types are Yate's side of things, exported with a Yate
// prefix so they never clash with the module side's (yate-chat, yate-chat/extmodule).
export { Emulator, type EmulatorOptions, type DispatchResult as YateDispatchResult, type InstallHandlerOptions } from './emulator.js';
export { Message as YateMessage, type Origin, type Param, type ParamsInit } from './message.js';
export { toInteger } from './convert.js';
export { Addresses } from './addresses.js';
export type { NativeHost } from './host.js';
export {
  Dispatcher, type Filter as YateFilter, type Handler as YateHandler, type HandlerFn as YateHandlerFn, type InstallOptions, type PostHook,
} from './dispatcher.js';
export { ModuleLink, type LinkHost, type LinkIO, type Role } from './link.js';
export { Watcher as YateWatcher } from './watcher.js';
export { Waiting } from './waiting.js';
export { EmuLog, DebugLevel, type LogEntry } from './log.js';
export { Ledger, type SentRecord, type SentStatus } from './ledger.js';
export { Cost, type CostCounts } from './cost.js';
export { LineBuffer, type Frame } from './framing.js';
export { applySetlocal, type EngineView, type LocalState, MIN_BUFSIZE, DEF_BUFSIZE, MAX_BUFSIZE, MAX_MAXQUEUE } from './setlocal.js';
export { spawnScript, listen, type SpawnOptions, type Spawned, type ListenerSpec, type ExtListener } from './transport.js';
export { Rmanager, type ConsoleResult } from './natives/engine.js';
export { Regfile, type RegfileOptions, type RegfileUser } from './natives/regfile.js';
export { Lateroute, type LaterouteOptions, replaceParams } from './natives/lateroute.js';
export { Ysipchan, type YsipchanOptions, type SipRequest, type Responder, type ResponderResult } from './natives/ysipchan.js';
export { IncomingSip, type IncomingOptions, type MessageOptions, type RegisterOptions, type SubscribeOptions, type IncomingRecord } from './natives/sip-incoming.js';
