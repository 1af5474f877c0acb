#!/usr/bin/env node
// The yate-chat command. Default: run as an extmodule script on stdio (what Yate starts).
//
// Yate passes exactly ONE argument, the whole text after '=' in extmodule.conf: a rules file
// path, options written on that line ("--connect unix:/run/yate/ext.sock /etc/yate/chat.json"),
// or the empty string for `path=`, which means no rules file. So a single argument that is not
// an existing file is split at blanks before parsing.
import { existsSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { formatConfigError, loadRules, RegexVerdicts } from '../config/index.js';
import { parseEndpoint, type Endpoint } from '../engine/transport.js';
import { VERSION } from '../version.js';
import { runModule } from './run.js';

const USAGE = `yate-chat ${VERSION} — SIP MESSAGE and presence routing for Yate

usage:
  yate-chat [RULES.json]                       run as a Yate extmodule script (stdio)
  yate-chat --connect tcp://HOST:PORT [RULES]  run against an extmodule [listener] socket
  yate-chat --connect unix:PATH [RULES]
  yate-chat check-config RULES.json            validate a rules file (exit 0 ok, 2 invalid)
  yate-chat demo                               run the module against the engine emulator
  yate-chat --version | --help

extmodule.conf:  [scripts]  /path/to/yate-chat/scripts/yate-chat=/etc/yate/yate-chat.json
`;

export function splitSingleArgument(argv: readonly string[]): string[] {
  if (argv.length === 1 && /\s/.test(argv[0]!) && !existsSync(argv[0]!)) return argv[0]!.trim().split(/\s+/);
  return [...argv];
}

async function main(argv: string[]): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: splitSingleArgument(argv),
      allowPositionals: true,
      options: {
        connect: { type: 'string', short: 'c' },
        version: { type: 'boolean', short: 'v' },
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (err) {
    process.stderr.write(`yate-chat: ${(err as Error).message}\n\n${USAGE}`);
    return 64;
  }
  const { values, positionals } = parsed;
  // --help/--version/check-config/demo are run by people in a terminal: stdout is theirs.
  if (values.help) return void process.stdout.write(USAGE), 0;
  if (values.version) return void process.stdout.write(`${VERSION}\n`), 0;
  const [first, ...rest] = positionals;
  if (first === 'check-config') {
    if (rest.length !== 1) return void process.stderr.write(`usage: yate-chat check-config RULES.json\n`), 64;
    try {
      const c = await loadRules(rest[0], { verdicts: new RegexVerdicts() });
      process.stdout.write(`${c.file}: OK (mode ${c.mode}, offline ${c.offline.enabled ? c.offline.store.kind : 'off'})\n`);
      for (const w of c.warnings) process.stdout.write(`warning: ${w}\n`);
      return 0;
    } catch (err) {
      process.stderr.write(formatConfigError(err) + '\n');
      return 2;
    }
  }
  if (first === 'demo') {
    const { runDemo } = await import('../demo/index.js');
    return runDemo();
  }
  if (positionals.length > 1) return void process.stderr.write(`yate-chat: one rules file at most\n\n${USAGE}`), 64;
  let endpoint: Endpoint = { kind: 'stdio' };
  try {
    if (values.connect) endpoint = parseEndpoint(values.connect);
  } catch (err) {
    return void process.stderr.write(`yate-chat: ${(err as Error).message}\n`), 64;
  }
  return runModule({ endpoint, ...(first ? { configPath: first } : {}) });
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: Error) => {
    process.stderr.write(`yate-chat: ${err.stack ?? err.message}\n`);
    process.exitCode = 1;
  },
);
