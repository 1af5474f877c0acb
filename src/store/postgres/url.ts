// What makes a string the url of a PostgreSQL server, checked the same way wherever the url
// comes from: the rules file (offline.store.url), the environment (YATE_CHAT_PG_URL), a library
// caller opening a store. Issue 21: the environment's url was taken unchecked, so `mysql://...`
// started a module that answered 500 for offline users and kept subscriptions in memory only.
// Depends on nothing.

/** What a valid url looks like, for messages. */
export const POSTGRES_URL = 'a postgres://user@host[:port]/database URL';

/** null when `url` can name a PostgreSQL server: postgres:// or postgresql://, with a host (or a
 *  `host` query parameter, for a Unix socket folder); otherwise what is wrong, to follow
 *  POSTGRES_URL in a message ("(not mysql:)"). Never shows the url itself (it may hold a password). */
export function postgresUrlProblem(url: unknown): string | null {
  if (typeof url !== 'string') return '';
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return '';
  }
  if (u.protocol !== 'postgres:' && u.protocol !== 'postgresql:') return `(not ${u.protocol})`;
  if (!u.hostname && !u.searchParams.get('host')) return '(with a host)';
  return null;
}
