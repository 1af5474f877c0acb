// The chat module's one door for the faces built on it (src/admin: rmanager, src/http: the HTTP
// face) and for the library's users: starting it, its API and what the faces render.
export { startChat, PRIORITIES, type ChatModule, type ChatOptions } from './module.js';
export type { ChatApi, ChatHealth, ChatStats, ChatMetrics, DeviceInfo, PresenceInfo, WatcherInfo, QueueSummary, QueuedMessage, UserQueue, SendRequest, SendResult } from './api.js';
export type { GroupInfo, HistoryMessage, HistoryPage, HistoryRequest, Forgotten } from './api-groups.js';
export { bodyPreview } from './core/logline.js';
export { HANDED, PATH_NAMES, LATENCY_BOUNDS_MS, RTT_BOUNDS_MS, type Buckets } from './core/stats.js';
