// One problem in the rules file: what loadConfig collects (load.ts), what ConfigError carries
// (error.ts) and what format.ts turns into text. Its own file so that the error and the
// formatting both take it without taking each other.

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
