// What `yate-chat help` (and --help, -h) prints: the commands, the options, the exit codes and
// every environment variable yate-chat or its launcher reads. The README's "Command line" and
// "Environment" sections say the same; test/cli-help.test.ts checks that every YATE_CHAT_*
// variable the code reads is listed here.
import { VERSION } from '../version.js';

/** Exit codes of the yate-chat command (and of its launcher, scripts/yate-chat). */
export const EXIT = {
  /** A clean end: stdin closed, %%<quit, SIGTERM/SIGINT; check-config: all good. */
  OK: 0,
  /** The link to Yate failed during the start-up (the reason on stderr). */
  START_FAILED: 1,
  /** The rules file is invalid or cannot be read. */
  RULES: 2,
  /** check-config: the rules are valid, but this user cannot open the store. */
  STORE: 3,
  /** Wrong arguments. */
  USAGE: 64,
} as const;

export const USAGE = `usage:
  yate-chat [RULES.json]                       run as a Yate extmodule script (stdio): what extmodule.conf starts
  yate-chat --connect tcp://HOST:PORT [RULES]  socket mode: connect to an extmodule [listener] (a service of its own)
  yate-chat --connect unix:PATH [RULES]
  yate-chat check-config RULES.json            check a rules file, and that this user can open its store
  yate-chat demo                               a scripted tour: the real module against the engine emulator (no Yate)
  yate-chat demo --http [--listen HOST:PORT]   the same world kept running with the HTTP face on: try the send API
                                               and a webhook with curl, without Yate (Ctrl-C ends it)
  yate-chat help | --help | -h                 this text
  yate-chat --version | -v
`;

export const HELP = `yate-chat ${VERSION} — SIP MESSAGE and presence routing for Yate

${USAGE}
options:
  -c, --connect ENDPOINT   socket mode: tcp://HOST:PORT or unix:PATH of an extmodule [listener]; waits
                           (with backoff) while Yate is not listening, reconnects when the link drops
      --http               demo: keep running with the HTTP face (send API, metrics, /healthz) and a webhook
      --listen HOST:PORT   demo --http: where the HTTP face listens [127.0.0.1:8090]
  -h, --help               this text
  -v, --version            the version

  Yate passes a [scripts] line ONE argument (the text after '='): one that holds blanks and is not an
  existing file is split at blanks, so options can be written there too.

exit codes:
  0    a clean end: stdin closed, %%<quit, SIGTERM or SIGINT (also while still waiting for Yate);
       check-config: the rules are valid and this user can open the store
  1    the start-up on the link to Yate failed (the reason on stderr)
  2    the rules file is invalid or cannot be read (every problem is listed, with its field)
  3    check-config: the rules are valid, but this user cannot open the store (the path is named)
  64   wrong arguments
  127  the launcher found no node (20 or later) or no build (dist/) to run

environment (Yate's environment: a systemd unit's Environment= or EnvironmentFile=):
  YATE_CHAT_DATA            folder of the SQLite store when the rules name no offline.store.path
                            (absolute; default /var/lib/yate-chat when writable, else a temporary folder)
  YATE_CHAT_PG_URL          postgres:// URL of a PostgreSQL store whose offline.store names no url
  PGPASSWORD                the PostgreSQL password, kept out of the rules file (node-postgres also reads
                            the other libpq variables: PGUSER, PGHOST, PGPORT, PGDATABASE, PGSSLMODE...)
  YATE_CHAT_HTTP_TOKEN      bearer token of the HTTP face's /v1 API when the rules' http has no token
  YATE_CHAT_WEBHOOK_SECRET  key of the webhooks' HMAC-SHA256 signature when the rules have no webhookSecret
  YATE_CHAT_PUSH_SECRET     key of the push requests' HMAC-SHA256 signature when the rules' push has no secret
  YATE_CHAT_NODE            launcher: the node to run when it is not on Yate's PATH (nor in /usr/local/bin,
                            /usr/bin, /opt/node/bin)
  YATE_CHAT_HEAP_MB         launcher: V8's heap limit in MB [256]

Yate's log gets every line the module writes; \`status yate-chat\` and \`chat ...\` in rmanager show it at work.
Documentation: README.md and docs/ in ${'$'}(npm root -g)/yate-chat (or the checkout).
`;
