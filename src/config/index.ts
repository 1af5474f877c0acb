// Configuration: the rules file (loadConfig), the questions the chat pipeline asks it
// (rules), the per-sender rate limiter, and the human text for configuration errors.

export type { Config, Pattern, Mode, LogLevel, RateLimit, KnownUsers, OfflineConfig, PresenceConfig, HttpConfig, Listen, GroupConfig, GroupPolicy, GroupWriters, HistoryConfig } from './types.js';
export { parseListen, isLocalOnly, listenName } from './listen.js';
export { loadConfig, defaultStorePath, formatPath, type LoadOptions, type StorePathOptions, type DefaultStorePath } from './load.js';
export { loadRules, LOAD_CHECK_MS, type RulesLoadOptions } from './load-rules.js';
export { RegexVerdicts, type Verdict } from './verdicts.js';
export { ConfigError, type ConfigIssue } from './error.js';
export { reloadable, type Reloaded } from './restart.js';
export { formatConfigError, describeConfigProblems, describeIssue, type FormatOptions } from './format.js';
export {
  matchesPattern,
  isDenied,
  resolveAlias,
  traceAlias,
  acceptsContentType,
  MAX_ALIAS_HOPS,
  type AliasTarget,
  type AliasTrace,
} from './rules.js';
export { compilePattern, compileMimeRange, baseMimeType, isHost, type Compiled } from './pattern.js';
export { createRateLimiter, type RateLimiter, type RateDecision, type RateLimiterOptions } from './rate-limit.js';
export { rulesFileSchema, DEFAULTS, MAX_BODY_BYTES_LIMIT, MAX_WAIT_MS, type SchemaContext, type RulesFile } from './schema.js';
export { MAX_GROUP_MEMBERS } from './defaults.js';
