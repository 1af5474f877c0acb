// URLs with their secrets hidden, for every place that shows one to a person: Yate's log, the
// rmanager `status` line, a configuration error. A database url may carry a password in its
// user info (postgres://user:password@host/db) or in its query (?password=..., ?sslpassword=...);
// one function hides both, so no caller can forget one of them. Depends on nothing.

/** Query parameters whose value is a secret: any name with one of these words in it. */
const SECRET_NAME = /password|secret|token/i;

/** Every `name=value` of a query (after `?`, between `&`). */
const QUERY_PARAM = /([?&])([^=&#]*)=([^&#]*)/g;

function isSecretName(raw: string): boolean {
  let name = raw;
  try {
    name = decodeURIComponent(raw.replace(/\+/g, ' '));
  } catch {
    // A malformed escape: judge the name as written.
  }
  return SECRET_NAME.test(name);
}

/** `text` with the value of every secret query parameter replaced by ***. */
function redactQuery(text: string): string {
  return text.replace(QUERY_PARAM, (all, sep: string, name: string) => (isSecretName(name) ? `${sep}${name}=***` : all));
}

export interface RedactOptions {
  /** Leave *** where the password was (user:***@host) instead of leaving it out (user@host):
   *  for a message about the URL itself, which should show that it holds one. Default false. */
  readonly markPassword?: boolean;
}

/**
 * `url` for showing: without the password of its user info, and with *** as the value of every
 * query parameter named like a secret (password, sslpassword, any name containing "password",
 * "secret" or "token", in any case). A URL without either comes back unchanged. Text that does
 * not parse as a URL may still hold `user:password@`: whatever sits between "://" and the last
 * "@" becomes ***.
 */
export function redactUrl(url: string, options: RedactOptions = {}): string {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return redactQuery(url.replace(/:\/\/.*@/s, '://***@'));
  }
  const search = redactQuery(u.search);
  if (u.password === '' && search === u.search) return url;
  if (u.password !== '') u.password = options.markPassword ? '***' : '';
  u.search = search;
  return u.toString();
}
