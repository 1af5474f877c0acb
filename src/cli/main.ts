#!/usr/bin/env node
// The yate-chat command. Default: run as an extmodule script on stdio (what Yate starts).
//
// Yate passes exactly ONE argument, the whole text after '=' in extmodule.conf: a rules file
// path, options written on that line ("--connect unix:/run/yate/ext.sock /etc/yate/chat.json"),
// or the empty string for `path=`, which means no rules file. So a single argument that is not
// an existing file is split at blanks before parsing.
import { existsSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { parseEndpoint, type Endpoint } from '../engine/transport.js';
import { VERSION } from '../version.js';
import { checkConfig } from './check-config.js';
import { EXIT, HELP, USAGE } from './help.js';
import { runModule } from './run.js';

export function splitSingleArgument(argv: readonly string[]): string[] {
  if (argv.length === 1 && /\s/.test(argv[0]!) && !existsSync(argv[0]!)) return argv[0]!.trim().split(/\s+/);
  return [...argv];
}

/** A usage error: the reason, where the rest is explained, and the short usage (stderr). */
function usageError(reason: string): number {
  process.stderr.write(`yate-chat: ${reason} (yate-chat help lists the commands and options)\n\n${USAGE}`);
  return EXIT.USAGE;
}

/** node's parseArgs messages, in our words (its unknown-option text has an unbalanced quote). */
function argumentProblem(err: unknown): string {
  const e = err as { code?: string; message?: string };
  const option = /option '([^']+)'/i.exec(e.message ?? '')?.[1];
  if (e.code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION' && option) return `unknown option ${option}`;
  if (e.code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE' && option) return `option ${option.replace(/^-\w, /, '').replace(/ <value>$/, '')} needs a value`;
  return e.message ?? String(err);
}

async function main(argv: string[]): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: splitSingleArgument(argv),
      allowPositionals: true,
      options: {
        connect: { type: 'string', short: 'c' },
        http: { type: 'boolean' },
        listen: { type: 'string' },
        version: { type: 'boolean', short: 'v' },
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (err) {
    return usageError(argumentProblem(err));
  }
  const { values, positionals } = parsed;
  const [first, ...rest] = positionals;
  // help/--version/check-config/demo are run by people in a terminal: stdout is theirs.
  if (values.help || first === 'help') return void process.stdout.write(HELP), EXIT.OK;
  if (values.version) return void process.stdout.write(`${VERSION}\n`), EXIT.OK;
  if (first !== 'demo' && (values.http || values.listen !== undefined)) return usageError(`--http and --listen belong to yate-chat demo`);
  if (first === 'check-config') {
    if (rest.length !== 1) return void process.stderr.write(`usage: yate-chat check-config RULES.json\n`), EXIT.USAGE;
    return checkConfig(rest[0]!);
  }
  if (first === 'demo') {
    if (rest.length) return usageError(`demo takes no file: ${rest.join(' ')}`);
    if (values.http || values.listen !== undefined) {
      const { runHttpDemo } = await import('../demo/http.js');
      return runHttpDemo({ listen: values.listen ?? '127.0.0.1:8090' });
    }
    const { runDemo } = await import('../demo/index.js');
    return runDemo();
  }
  if (positionals.length > 1) return usageError('one rules file at most');
  let endpoint: Endpoint = { kind: 'stdio' };
  try {
    if (values.connect) endpoint = parseEndpoint(values.connect);
  } catch (err) {
    return void process.stderr.write(`yate-chat: ${(err as Error).message}\n`), EXIT.USAGE;
  }
  return runModule({ endpoint, ...(first ? { configPath: first } : {}) });
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: Error) => {
    process.stderr.write(`yate-chat: ${err.stack ?? err.message}\n`);
    process.exitCode = EXIT.START_FAILED;
  },
);
