// Subscriptions in PostgreSQL, the store several Yate nodes share: a table of the schema
// yate_chat (postgres/schema.ts, version 3). A subscription belongs to the node that accepted
// the SUBSCRIBE (its dialog and NOTIFYs go out through that Yate): each row carries the node's
// `owner` name, stable across restarts (Yate's [general] nodename), and a node loads, replaces
// and deletes only its own rows. Every save is one statement, committed before it resolves.
// Through a link of its own to the server (postgres/link.ts: a pool of one connection, like the
// SQLite backend's own connection; no listening), with the same outage handling and log lines
// as the message store's. Loaded only for a postgres store (store/index.ts imports it on demand).
import { YateChatError } from '../../errors.js';
import { toBuffer as bytes } from '../../protocol/bytes.js';
import { byteString, type StoreClock } from '../common.js';
import { PgLink, checkOptions, type PostgresOptions } from '../postgres/link.js';
import { migratePg } from '../postgres/schema.js';
import { checkSubscription } from './checks.js';
import { REPLACE_ALL, SUBSCRIPTION_COLUMNS, rowToSubscription, subscriptionRow, type SubscriptionRow } from './rows.js';
import type { SubscriptionStore } from './types.js';

export interface PostgresSubscriptionsOptions extends PostgresOptions, StoreClock {
  /** Which node's subscriptions these are: the same name after a restart, another on each node. */
  readonly owner: string;
}

const SAVE = `
  INSERT INTO yate_chat.subscriptions (owner, ${SUBSCRIPTION_COLUMNS.join(', ')})
  VALUES (${['owner', ...SUBSCRIPTION_COLUMNS].map((_, i) => `$${i + 1}`).join(', ')})
  ON CONFLICT (owner, id) DO UPDATE SET ${REPLACE_ALL}`;

/**
 * Opens the node's subscriptions. Rejects STORE_FAILED when the server cannot be reached now
 * (the module then keeps them in memory, and says so); BAD_ARGUMENT for options that can never
 * work. Once open, an outage is said in the log once, and operations fail at once meanwhile.
 */
export async function openPostgresSubscriptions(opts: PostgresSubscriptionsOptions): Promise<SubscriptionStore> {
  const clock = opts.now ?? Date.now;
  if (typeof opts.owner !== 'string' || opts.owner === '') throw new YateChatError('BAD_ARGUMENT', 'subscription store owner must be a non-empty name');
  const owner = opts.owner;
  const { name, timeoutMs, log } = checkOptions(opts);
  const link = new PgLink({
    url: opts.url,
    name,
    what: 'subscription store',
    consequence: 'presence subscriptions are not saved',
    poolSize: 1,
    timeoutMs,
    log,
    prepare: async (db) => void (await migratePg(db, name)),
  });
  await link.open();

  return {
    name: `${name} (node ${owner})`,
    save: (sub) =>
      link.run('save subscription', async (db) => {
        const row = subscriptionRow(checkSubscription(sub));
        await db.query(SAVE, [owner, ...SUBSCRIPTION_COLUMNS.map((c) => (c === 'transport' ? bytes(row.transport) : row[c]))]);
      }),
    remove: (id) =>
      link.run('remove subscription', async (db) => {
        const r = await db.query('DELETE FROM yate_chat.subscriptions WHERE owner = $1 AND id = $2', [owner, bytes(byteString('subscription id', id))]);
        return (r.rowCount ?? 0) > 0;
      }),
    load: (now) =>
      link.run('load subscriptions', async (db) => {
        const at = now ?? clock();
        await db.query('DELETE FROM yate_chat.subscriptions WHERE owner = $1 AND expires_at <= $2', [owner, at]);
        const { rows } = await db.query<SubscriptionRow>('SELECT * FROM yate_chat.subscriptions WHERE owner = $1 AND expires_at > $2 ORDER BY seq', [owner, at]);
        return rows.map(rowToSubscription);
      }),
    close: () => link.close(),
  };
}
