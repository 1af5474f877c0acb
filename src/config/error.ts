// The one error loadConfig throws: code CONFIG_INVALID, the file, and every problem found.

import { YateChatError } from '../errors.js';
import { describeConfigProblems } from './format.js';

/** One problem in the rules file (or in the environment loadConfig reads). */
export interface ConfigIssue {
  /**
   * Where: the field path as written in the file (`rateLimit.messages`, `deny.callers[2]`,
   * `aliases["100"]`), an environment variable (`YATE_CHAT_DATA (environment)`), or "" for
   * the file as a whole (unreadable, not JSON).
   */
  readonly field: string;
  /** What was expected and what was found: `expected a positive integer, got -3`. */
  readonly message: string;
  /** 1-based position in the file, when known (syntax errors, duplicate fields). */
  readonly line?: number;
  readonly column?: number;
}

/** Thrown by loadConfig; `message` is already the full human text (see format.ts). */
export class ConfigError extends YateChatError {
  /** Absolute path of the rules file, or null when no file was given. */
  readonly file: string | null;
  readonly issues: readonly ConfigIssue[];
  constructor(file: string | null, issues: readonly ConfigIssue[], options?: { cause?: unknown }) {
    super('CONFIG_INVALID', describeConfigProblems(file, issues), options);
    this.name = 'ConfigError';
    this.file = file;
    this.issues = Object.freeze([...issues]);
  }
}
