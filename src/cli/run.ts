// Running as a Yate module: connect (stdio or socket), start the chat handlers and the admin
// commands, log a banner, and end cleanly on stdin EOF, `%%<quit` or SIGTERM.
import { formatConfigError, loadRules, RegexVerdicts, type Config } from '../config/index.js';
import { Connection } from '../engine/connection.js';
import type { Endpoint } from '../engine/transport.js';
import { startChat, PRIORITIES, type ChatModule } from '../chat/index.js';
import { startAdmin } from '../admin/index.js';
import { startHttp, type HttpFace } from '../http/index.js';
import { VERSION } from '../version.js';
import { fromText } from '../protocol/bytes.js';

export interface RunOptions {
  readonly configPath?: string;
  readonly endpoint: Endpoint;
}

/** Resolves with the process exit code once the link to Yate is over. */
export async function runModule(opts: RunOptions): Promise<number> {
  // The verdicts on the rules' regexes, kept for `chat reload` (config/verdicts.ts).
  const verdicts = new RegexVerdicts();
  let config: Config;
  try {
    config = await loadRules(opts.configPath, { verdicts });
  } catch (err) {
    // stderr is Yate's log in stdio mode: the admin sees why we refused to start.
    process.stderr.write(formatConfigError(err, { prefix: 'yate-chat: refusing to start: ' }) + '\n');
    return 2;
  }
  const conn = new Connection({ endpoint: opts.endpoint, logLevel: config.log, trackName: 'yate-chat' });
  const closed = new Promise<void>((resolve) => conn.once('close', () => resolve()));
  // SIGTERM (Yate unloading us, systemd stopping the service) ends the module cleanly from the
  // start, also while socket mode still waits for Yate's listener: exit 0, not 143.
  const stop = () => void conn.close();
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
  if (opts.endpoint.kind === 'stdio' && process.stdin.isTTY) {
    process.stderr.write('yate-chat: waiting for Yate on stdin. This is the extmodule protocol, meant for Yate\'s [scripts] line; ' +
      'a person wants `yate-chat help`, `yate-chat demo` or `yate-chat check-config FILE` (Ctrl-D or Ctrl-C ends this).\n');
  }
  // The link closing before we are ready (stdin EOF: Yate unloading us, `external stop`) is
  // the end Yate asked for, not a failure: exit 0 quietly, as after the banner.
  try {
    await conn.start();
  } catch (err) {
    if (conn.state === 'closed') return 0;
    process.stderr.write(`yate-chat: cannot start on ${conn.endpointName}: ${(err as Error).message}\n`);
    return 1;
  }
  // Started from extmodule.conf: ask Yate to start us again should we ever die (`external stop`
  // turns this off before stopping us, so an admin can still stop the module).
  if (opts.endpoint.kind === 'stdio') {
    await conn.setlocal('restart', 'true').catch((err: Error) => conn.log.debug(`restart not enabled: ${err.message}`));
  }
  let chat: ChatModule;
  try {
    chat = await startChat(conn, config);
    await startAdmin(conn, chat, opts.configPath, { verdicts });
  } catch (err) {
    if (conn.state === 'closed') return 0;
    throw err;
  }
  for (const w of config.warnings) conn.log.warn(w);
  // Only with `http` in the rules (read at start: a reload does not move it).
  const http: HttpFace | null = config.http ? await startHttp(chat, config.http, conn.log) : null;
  // The banner goes out whatever the log level: an admin must see that the module is up, and
  // whether its stores are (when Yate already closed the link, there is no one to tell: we end
  // below).
  if (conn.state === 'open') conn.output(fromText(
    `yate-chat ${VERSION} ready on ${conn.endpointName}: mode=${config.mode}, rules=${config.file ?? 'built-in defaults'}, ` +
      `${storeState(chat)}, bufsize=${conn.maxLineLength}, timeout=${conn.engineTimeout}ms, ` +
      `handlers=${Object.entries(PRIORITIES).map(([n, p]) => `${n}:${p}`).join(',')}${http ? `, http=${http.address}` : ''}`,
  ));
  await closed;
  await http?.close();
  await chat.close();
  return 0;
}

/** `store=NAME`, and what is wrong with the stores, in words an admin reads in the ready line. */
function storeState(chat: ChatModule): string {
  const s = chat.stats();
  const parts = [`store=${s.store ?? 'off'}`];
  if (s.storeProblem !== null) parts.push(`STORE UNAVAILABLE (${s.storeProblem}): messages for offline users get 500`);
  if (s.subscriptionProblem !== null) parts.push('PRESENCE SUBSCRIPTIONS IN MEMORY ONLY (the store could not be opened for them)');
  return parts.join(' ');
}
