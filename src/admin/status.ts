// engine.status: one line `name=yate-chat,type=misc;key=value,...` appended to what the other
// modules wrote (never erased: the answer carries the whole return value), for `status` and
// `status yate-chat` (module=yate-chat, which we then answer processed, like Yate's modules).
import type { Handler } from '../engine/handlers.js';
import type { ChatModule } from '../chat/module.js';

export const MODULE_NAME = 'yate-chat';

export function statusLine(chat: ChatModule): string {
  const { stats, presence, offline, config } = chat.ctx;
  const fields: [string, string | number][] = [
    ['mode', config.mode],
    ['received', stats.received],
    ['handed', stats.handed],
    ['delivered', stats.delivered],
    ['stored', stats.stored],
    ['offline_delivered', stats.offlineDelivered],
    ['rejected', [...stats.rejected.values()].reduce((a, b) => a + b, 0)],
    ...[...stats.rejected].sort((a, b) => a[0] - b[0]).map(([c, n]): [string, number] => [`rejected_${c}`, n]),
    ['rate_limited', stats.rateLimited],
    ['presence', presence.size],

    ['store', offline ? offline.store.name : 'off'],
    ['rtt_p50_ms', stats.roundTripP50()?.toFixed(1) ?? '-'],
    ['rss_mb', (process.memoryUsage.rss() / 1048576).toFixed(1)],
    ['heap_mb', (process.memoryUsage().heapUsed / 1048576).toFixed(1)],
    ['offered', chat.ctx.conn.counters.offered],
    ['emitted', chat.ctx.conn.counters.emitted],
    ['subscriptions', chat.ctx.watchers?.size ?? 0],
  ];
  return `name=${MODULE_NAME},type=misc;${fields.map(([k, v]) => `${k}=${String(v).replace(/[,;\r\n]/g, '_')}`).join(',')}\r\n`;
}

export function onEngineStatus(chat: ChatModule): Handler {
  return (msg) => {
    const module = msg.get('module');
    if (module && module !== MODULE_NAME) return false;
    msg.retval += statusLine(chat);
    return !!module;
  };
}
