// yate-chat as a library: everything of the light entry (yate-chat/extmodule: the engine
// connection), the extmodule protocol codec, and the chat module with its rules, store and
// rmanager face. The engine emulator is exported separately as `yate-chat/emulator`.
export * from './extmodule.js';
export * as protocol from './protocol/index.js';
export { loadConfig, formatConfigError, ConfigError, type Config, type ConfigIssue } from './config/index.js';
export { startChat, PRIORITIES, type ChatModule, type ChatOptions } from './chat/index.js';
export type { ChatApi, ChatHealth, ChatStats, PresenceInfo, WatcherInfo, QueueSummary, QueuedMessage, UserQueue, SendRequest, SendResult, GroupInfo, HistoryMessage, HistoryPage, HistoryRequest, Forgotten } from './chat/index.js';
export { startAdmin } from './admin/index.js';
export {
  openStore, createMemoryStore, openSqliteStore,
  type StoreConfig, type MessageStore, type StoredMessage, type NewMessage, type RecipientSummary, type StoreStats,
} from './store/index.js';
export { VERSION } from './version.js';
