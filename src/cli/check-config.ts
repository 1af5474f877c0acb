// `yate-chat check-config RULES.json`: every problem of the rules file at once (exit 2), then,
// for valid rules, whether THIS user can open the store they name (exit 3 naming the path).
// Run it as the user Yate runs as (`su -s /bin/sh yate -c "yate-chat check-config FILE"`): the
// store is opened by Yate's user, and a folder only root may write to is the classic first
// set-up failure (every offline message 500, EACCES, issue 22).
//
// It writes nothing that stays: folders it had to create and its probe file are removed, an
// existing database is only read (src/store/sqlite/access.ts).
import os from 'node:os';
import path from 'node:path';
import { formatConfigError, loadRules, RegexVerdicts, type Config } from '../config/index.js';
import { redactUrl } from '../redact.js';
import { checkSqliteAccess } from '../store/index.js';
import { EXIT } from './help.js';

const out = (line: string) => process.stdout.write(line + '\n');
const err = (line: string) => process.stderr.write(line + '\n');

export async function checkConfig(file: string): Promise<number> {
  let config: Config;
  try {
    // Its regexes checked in a worker, with no time limit in the verdict (config/load-rules.ts).
    config = await loadRules(file, { verdicts: new RegexVerdicts() });
  } catch (e) {
    err(formatConfigError(e));
    return EXIT.RULES;
  }
  const store = storeLine(config);
  if (store.problems.length) {
    err(`${config.file}: rules OK, but ${whoAmI()} cannot open the store ${store.name}:`);
    for (const p of store.problems) err(`  - ${p}`);
    err(`  (give the folder to the user Yate runs as, e.g. install -d -o yate -g yate -m 0750 ${store.folder}; or set offline.store.path)`);
    for (const w of config.warnings) err(`warning: ${w}`);
    return EXIT.STORE;
  }
  out(`${config.file}: OK (mode ${config.mode}, offline ${config.offline.enabled ? config.offline.store.kind : 'off'})`);
  out(`store: ${store.text}`);
  for (const n of store.notes) out(`note: ${n}`);
  if (store.checked && process.geteuid?.() === 0) {
    out('note: checked as root, who may write anywhere: run it as the user Yate runs as to learn whether that user can (su -s /bin/sh yate -c "yate-chat check-config FILE")');
  }
  for (const w of config.warnings) out(`warning: ${w}`);
  return EXIT.OK;
}

interface StoreCheck {
  readonly name: string;
  readonly folder: string;
  readonly text: string;
  readonly checked: boolean;
  readonly problems: readonly string[];
  readonly notes: readonly string[];
}

/** The store the module would open (for offline messages, or only for presence subscriptions). */
function storeLine(config: Config): StoreCheck {
  const used = config.offline.enabled || config.presence.subscribe;
  const s = config.offline.store;
  const none = { folder: '', checked: false, problems: [], notes: [] };
  if (!used) return { ...none, name: 'none', text: 'none (offline.enabled and presence.subscribe are off)' };
  if (s.kind === 'memory') return { ...none, name: 'memory', text: 'memory (nothing kept across restarts)' };
  if (s.kind === 'postgres') {
    const name = redactUrl(s.url);
    return { ...none, name, text: `${name} (not reached from here: the module says in Yate's log whether it can reach it)` };
  }
  const r = checkSqliteAccess(s.path);
  return {
    name: `sqlite:${r.path}`,
    folder: path.dirname(r.path),
    text: `sqlite:${r.path}: ${whoAmI()} can create and write it`,
    checked: true,
    problems: r.problems,
    notes: r.notes,
  };
}

/** `uid 65534 (nobody)`: whose rights were checked. */
function whoAmI(): string {
  const uid = process.geteuid?.();
  if (uid === undefined) return 'this user';
  let name = '';
  try {
    name = os.userInfo().username;
  } catch {
    // A uid without a passwd entry (a container's): the number says it.
  }
  return `uid ${uid}${name ? ` (${name})` : ''}`;
}
