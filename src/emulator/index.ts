// The Yate engine emulator: what tests, the demo and users run yate-chat against.
export { Emulator, type EmulatorOptions, type DispatchResult, type InstallHandlerOptions } from './emulator.js';
export { Message, type Param, type ParamsInit, toBoolean, toInteger } from './message.js';
export { Dispatcher, type Filter, type Handler, type HandlerFn, type InstallOptions, type PostHook } from './dispatcher.js';
export { ModuleLink, type LinkHost, type LinkIO, type Role } from './link.js';
export { Watcher } from './watcher.js';
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
