// yate-chat as a library: the extmodule protocol (codec + connection), the chat pipeline, the
// rules, the store. The engine emulator is exported separately as `yate-chat/emulator`.
export * from './engine/index.js';
export * as protocol from './protocol/index.js';
export { YateChatError, isYateChatError, type ErrorCode } from './errors.js';
export { loadConfig, formatConfigError, ConfigError, type Config } from './config/index.js';
export { startChat, PRIORITIES, type ChatModule, type ChatOptions } from './chat/module.js';
export type { ChatApi, ChatStats, PresenceInfo, QueueSummary, QueuedMessage, UserQueue, SendRequest, SendResult } from './chat/api.js';
export { startAdmin } from './admin/index.js';
export { openStore, createMemoryStore, openSqliteStore, type MessageStore, type StoredMessage, type NewMessage } from './store/index.js';
export { fromText, toText } from './protocol/bytes.js';
export { VERSION } from './version.js';
