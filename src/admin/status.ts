// engine.status: one line `name=yate-chat,type=misc;key=value,...` appended to what the other
// modules wrote (never erased: the answer carries the whole return value), for `status` and
// `status yate-chat` (module=yate-chat, which we then answer processed, like Yate's modules).
import type { Handler } from '../engine/handlers.js';
import type { ChatModule } from '../chat/index.js';

export const MODULE_NAME = 'yate-chat';

export function statusLine(chat: ChatModule): string {
  const s = chat.stats();
  const fields: [string, string | number][] = [
    ['mode', s.mode],
    ['received', s.received],
    ['handed', s.handed],
    ['delivered', s.delivered],
    ['stored', s.stored],
    ['offline_delivered', s.offlineDelivered],
    ['rejected', s.rejected],
    ...Object.entries(s.rejectedByCode).map(([c, n]): [string, number] => [`rejected_${c}`, n]),
    ['rate_limited', s.rateLimited],
    ['presence', s.presence],
    ['store', s.store ?? 'off'],
    ['rtt_p50_ms', s.rttP50Ms?.toFixed(1) ?? '-'],
    ['rss_mb', (process.memoryUsage.rss() / 1048576).toFixed(1)],
    ['heap_mb', (process.memoryUsage().heapUsed / 1048576).toFixed(1)],
    ['offered', s.offered],
    ['emitted', s.emitted],
    ['subscriptions', s.subscriptions],
    // Whether the stores can be used: the reason is in Yate's log (and the ready line).
    ['store_state', s.store === null ? 'off' : s.storeProblem === null ? 'ok' : 'unavailable'],
    ['subscriptions_kept', s.subscriptionStore === null ? 'off' : s.subscriptionProblem === null ? 'in_store' : 'memory_only'],
    ['offline_refused', s.offlineRefused],
    ['offline_gave_up', s.offlineGaveUp],
    ['devices', s.devices],
    ['forks', s.forks],
    ['late_delivered', s.lateDelivered],
    ['pushes', s.pushes],
    ['groups', s.groups],
    ['group_messages', s.groupMessages],
    ['group_copies', s.groupCopies],
    ['history', s.history ? 'on' : 'off'],
    ...(s.history ? [['history_written', s.history.written], ['history_waiting', s.history.waiting], ['history_dropped', s.history.dropped]] as [string, number][] : []),
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
