// What `chat reload` cannot change: the fields the running module read once, at start, to open
// its store, start its timers and handlers and its HTTP server. A reload applies every other
// field and keeps these as they were, and says which of them changed in the file: those wait
// for a restart of the module (issue 22: a reload used to say "rules reloaded" after a change
// of offline.store it had not applied).
import type { Config } from './types.js';

/** A field read only at start: its name as written in the rules file, and its value. */
const START_ONLY: readonly (readonly [string, (c: Config) => unknown])[] = [
  ['offline.enabled', (c) => c.offline.enabled],
  // The store is opened at start; leaseSeconds (PostgreSQL) is read at each delivery.
  ['offline.store', (c) => ({ ...c.offline.store, leaseSeconds: undefined })],
  // Limits the store was opened with.
  ['offline.quotaPerRecipient', (c) => c.offline.quotaPerRecipient],
  ['offline.maxBodyBytes', (c) => c.offline.maxBodyBytes],
  ['offline.expirySeconds', (c) => c.offline.expirySeconds],
  ['offline.maxMessages', (c) => c.offline.maxMessages],
  // The period of the retry timer.
  ['offline.retryIntervalSeconds', (c) => c.offline.retryIntervalSeconds],
  // The sip.subscribe handler is installed at start, or not.
  ['presence.subscribe', (c) => c.presence.subscribe],
  // The HTTP server listens from start to end.
  ['http', (c) => c.http ?? null],
  // The history's store is opened at start, or not.
  ['history.enabled', (c) => c.history.enabled],
];

export interface Reloaded {
  /** The rules now in force: the new file's, but for the start-only fields, kept. */
  readonly config: Config;
  /** Start-only fields whose value the new file changes: not in force until a restart. */
  readonly restartNeeded: readonly string[];
}

/** `next`, with the start-only fields of `running`, and the names of those that differ. */
export function reloadable(running: Config, next: Config): Reloaded {
  const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);
  const restartNeeded = START_ONLY.filter(([, read]) => !same(read(running), read(next))).map(([name]) => name);
  const store = running.offline.store.kind === 'postgres' && next.offline.store.kind === 'postgres'
    ? { ...running.offline.store, leaseSeconds: next.offline.store.leaseSeconds }
    : running.offline.store;
  const { enabled, quotaPerRecipient, maxBodyBytes, expirySeconds, maxMessages, retryIntervalSeconds } = running.offline;
  const config: Config = Object.freeze({
    ...next,
    offline: Object.freeze({ ...next.offline, enabled, store, quotaPerRecipient, maxBodyBytes, expirySeconds, maxMessages, retryIntervalSeconds }),
    presence: Object.freeze({ ...next.presence, subscribe: running.presence.subscribe }),
    http: running.http,
    history: Object.freeze({ ...next.history, enabled: running.history.enabled }),
  });
  return { config, restartNeeded };
}
