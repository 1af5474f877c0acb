// The human text for configuration problems: what `yate-chat check-config` prints and what
// the module writes to stderr (which Yate copies into its log) when it refuses to start.
//
//   Rules file /etc/yate/yate-chat.json is invalid (2 problems):
//     - rateLimit.messages: expected a positive integer, got -3
//     - line 7, column 3: expected "," or "}" after a field, got "\""

import { isYateChatError } from '../errors.js';
import type { ConfigIssue } from './issue.js';

export interface FormatOptions {
  /** Put before every line, e.g. "yate-chat: " so each line in Yate's log says whose it is. */
  readonly prefix?: string;
}

/** The text of a ConfigError's message: a header naming the file (invalid, or not readable at
 *  all), then one line per problem. */
export function describeConfigProblems(file: string | null, issues: readonly ConfigIssue[], unreadable = false): string {
  const where = file === null ? 'The configuration (no rules file given)' : `Rules file ${file}`;
  const state = unreadable ? 'cannot be read' : 'is invalid';
  if (issues.length === 0) return `${where} ${state}.`;
  const count = issues.length === 1 ? '1 problem' : `${issues.length} problems`;
  return [`${where} ${state} (${count}):`, ...issues.map((i) => `  - ${describeIssue(i)}`)].join('\n');
}

/** One problem on one line: `field (line L, column C): message`. */
export function describeIssue(issue: ConfigIssue): string {
  const at = issue.line === undefined ? '' : `line ${issue.line}, column ${issue.column ?? 1}`;
  const where = issue.field && at ? `${issue.field} (${at})` : issue.field || at;
  return where ? `${where}: ${issue.message}` : issue.message;
}

/**
 * Human text for an error from loadConfig (or anything else that stopped the start):
 * configuration problems in full, other errors as `CODE: message`. Never throws.
 */
export function formatConfigError(err: unknown, options: FormatOptions = {}): string {
  let text: string;
  if (isYateChatError(err, 'CONFIG_INVALID')) text = err.message;
  else if (isYateChatError(err)) text = `${err.code}: ${err.message}`;
  else if (err instanceof Error) text = err.message || err.name;
  else text = String(err);
  const prefix = options.prefix ?? '';
  return prefix ? text.split('\n').map((line) => prefix + line).join('\n') : text;
}
