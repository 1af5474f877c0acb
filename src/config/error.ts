// The one error loadConfig throws: code CONFIG_INVALID, the file, and every problem found.

import { YateChatError } from '../errors.js';
import { describeConfigProblems } from './format.js';
import type { ConfigIssue } from './issue.js';

export type { ConfigIssue } from './issue.js';

/** Thrown by loadConfig; `message` is already the full human text (see format.ts). */
export class ConfigError extends YateChatError {
  /** Absolute path of the rules file, or null when no file was given. */
  readonly file: string | null;
  readonly issues: readonly ConfigIssue[];
  /** The file could not be read at all (missing, no permission): not "invalid". */
  readonly unreadable: boolean;
  constructor(file: string | null, issues: readonly ConfigIssue[], options?: { cause?: unknown; unreadable?: boolean }) {
    super('CONFIG_INVALID', describeConfigProblems(file, issues, options?.unreadable ?? false), options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'ConfigError';
    this.file = file;
    this.issues = Object.freeze([...issues]);
    this.unreadable = options?.unreadable ?? false;
  }
}
