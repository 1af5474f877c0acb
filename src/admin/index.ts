// The admin face in rmanager: status line, `chat` commands, help.
import type { Connection } from '../engine/connection.js';
import type { ChatModule } from '../chat/index.js';
import { RegexVerdicts } from '../config/index.js';
import { onEngineCommand, onEngineHelp } from './command.js';
import { onEngineStatus } from './status.js';

export { statusLine, MODULE_NAME } from './status.js';
export { USAGE } from './command.js';

export interface AdminOptions {
  /** Verdicts on the deny regexes checked so far (the ones checked at start): `chat reload`
   *  checks only new ones. [a cache of its own] */
  readonly verdicts?: RegexVerdicts;
}

export async function startAdmin(conn: Connection, chat: ChatModule, configPath: string | undefined, opts: AdminOptions = {}): Promise<void> {
  await Promise.all([
    conn.install('engine.status', onEngineStatus(chat), { priority: 100 }),
    conn.install('engine.command', onEngineCommand(chat, configPath, opts.verdicts ?? new RegexVerdicts()), { priority: 100 }),
    conn.install('engine.help', onEngineHelp(), { priority: 100 }),
  ]);
}
