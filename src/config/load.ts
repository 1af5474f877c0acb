// loadConfig(): the ONE place yate-chat reads its rules file and its environment.
// Everything else receives the frozen Config it returns.

import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { crossFieldProblems } from './cross.js';
import { resolveGroups } from './groups.js';
import { ConfigError, type ConfigIssue } from './error.js';
import { isCommentKey, readJson, stripComments, type JsonPath } from './json.js';
import { isLocalOnly, listenName } from './listen.js';
import { redactUrl } from '../redact.js';
import { POSTGRES_URL, postgresUrlProblem } from '../store/postgres/url.js';
import { rulesFileSchema, SECRET, show, TOKEN } from './schema.js';
import type { Config, Listen } from './types.js';
import type { RegexVerdicts } from './verdicts.js';

export interface StorePathOptions {
  /** The system data folder, used when it exists and is writable. ["/var/lib/yate-chat"] */
  readonly systemDir?: string;
  /** The temporary folder of last resort. [os.tmpdir()] */
  readonly tmpDir?: string;
}

/** `systemDir` and `tmpDir`: the folders defaultStorePath chooses between (tests point them at temp folders). */
export interface LoadOptions extends StorePathOptions {
  /** The environment to read (YATE_CHAT_DATA, YATE_CHAT_PG_URL, YATE_CHAT_HTTP_TOKEN, YATE_CHAT_WEBHOOK_SECRET, YATE_CHAT_PUSH_SECRET). [process.env] */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** Verdicts on deny regexes checked before, kept across loads (the running module's). [none: each regex is checked] */
  readonly verdicts?: RegexVerdicts;
}

export type DefaultStorePath =
  | { readonly ok: true; readonly path: string; /** In the temporary folder: may vanish at reboot. */ readonly temporary: boolean }
  | { readonly ok: false; readonly issue: ConfigIssue };

const DB_NAME = 'yate-chat.db';

/**
 * Where the offline store lives when the rules file names no path (or there is no file):
 *   1. `$YATE_CHAT_DATA/yate-chat.db` when YATE_CHAT_DATA is set (it must be absolute:
 *      Yate's working directory is not ours, so a relative folder would land anywhere);
 *   2. `/var/lib/yate-chat/yate-chat.db` when that folder exists and we may write in it
 *      (the packaged install creates it owned by Yate's user);
 *   3. `<os.tmpdir()>/yate-chat-<uid>/yate-chat.db` otherwise, so a first try works anywhere;
 *      loadConfig then adds a warning, because a temporary folder may be emptied at reboot.
 *      The folder is this user's own: another local user could create a shared
 *      `<tmp>/yate-chat` first and read or replace the messages, so the store creates it 0700
 *      and refuses one that exists with another owner or wider permissions (sqlite.ts).
 * The folder of the returned path may not exist yet: the store creates it.
 * The rules file's folder is deliberately not used: it is usually /etc/yate, which holds
 * configuration, not data, and is often not writable by Yate's user.
 */
export function defaultStorePath(env: Readonly<Record<string, string | undefined>>, options: StorePathOptions = {}): DefaultStorePath {
  const dataDir = env['YATE_CHAT_DATA'];
  if (dataDir !== undefined && dataDir !== '') {
    if (!path.isAbsolute(dataDir)) {
      return {
        ok: false,
        issue: { field: 'YATE_CHAT_DATA (environment)', message: `expected an absolute folder path, got ${JSON.stringify(dataDir)}` },
      };
    }
    return { ok: true, path: path.join(dataDir, DB_NAME), temporary: false };
  }
  const systemDir = options.systemDir ?? '/var/lib/yate-chat';
  if (isWritableDir(systemDir)) return { ok: true, path: path.join(systemDir, DB_NAME), temporary: false };
  return { ok: true, path: path.join(options.tmpDir ?? os.tmpdir(), tmpFolderName(), DB_NAME), temporary: true };
}

/** `yate-chat-<uid>`: one temporary folder per user (the uid, as the folder's owner must be). */
function tmpFolderName(): string {
  return `yate-chat-${process.geteuid?.() ?? process.getuid?.() ?? 'user'}`;
}

function isWritableDir(dir: string): boolean {
  try {
    fs.accessSync(dir, fs.constants.W_OK);
    return fs.statSync(dir).isDirectory();
  } catch {
    return false;
  }
}

/**
 * Reads and validates the rules file and returns the configuration, deeply frozen.
 * Without a file (undefined or ""), returns the defaults, which work as they are.
 * Throws ConfigError (code CONFIG_INVALID) naming the file and listing every problem:
 * unreadable file, invalid JSON (with line and column), duplicate, unknown or bad fields.
 */
export function loadConfig(file?: string, options: LoadOptions = {}): Config {
  const env = options.env ?? process.env;
  const absFile = file ? path.resolve(file) : null;
  const issues: ConfigIssue[] = [];
  const fail = (more: ConfigIssue[] = [], cause?: unknown, unreadable = false): never => {
    throw new ConfigError(absFile, [...issues, ...more], { cause, unreadable });
  };

  const storeDefault = defaultStorePath(env, options);
  if (!storeDefault.ok) issues.push(storeDefault.issue);
  const defaultPath = storeDefault.ok ? storeDefault.path : path.join(options.tmpDir ?? os.tmpdir(), tmpFolderName(), DB_NAME);

  let data: unknown = {};
  if (absFile !== null) {
    const text = readText(absFile, file as string, fail);
    const json = readJson(text);
    if (!json.ok) return fail([{ field: '', ...json.problem, message: json.problem.message }]);
    for (const d of json.duplicates) issues.push({ field: formatPath(d.path ?? []), message: d.message, line: d.line, column: d.column });
    issues.push(...forbiddenKeys(json.value, []));
    data = stripComments(json.value);
  }

  const secrets = secretsFromEnv(env, issues);
  // Checks across fields run on the raw values, so they are reported along with any other
  // problem in the file (the schema's output exists only when all else is valid).
  const crossIssues = crossFieldProblems(data, secrets, formatPath);
  // A postgres store's url may hold a password: it can stay out of the rules file.
  const postgresUrl = postgresUrlFromEnv(env, issues);
  const schema = rulesFileSchema({
    baseDir: absFile === null ? process.cwd() : path.dirname(absFile), defaultStorePath: defaultPath, postgresUrl, ...secrets,
    ...(options.verdicts ? { verdicts: options.verdicts } : {}),
  });
  const parsed = schema.safeParse(data);
  if (!parsed.success) {
    for (const issue of parsed.error.issues) issues.push({ field: formatPath(issue.path), message: issue.message });
  }
  issues.push(...crossIssues);
  if (!parsed.success || issues.length > 0) return fail();
  const rules = parsed.data;

  const warnings: string[] = [];
  const { offline } = rules;
  if (storeDefault.ok && storeDefault.temporary && offline.enabled && offline.store.kind === 'sqlite' && offline.store.path === defaultPath) {
    warnings.push(
      `offline messages are kept in ${defaultPath}, a temporary folder that may be emptied at reboot: ` +
        'set offline.store.path in the rules file or YATE_CHAT_DATA in the environment',
    );
  }

  warnings.push(...httpWarnings(rules));

  const config: Config = {
    file: absFile,
    ...rules,
    aliases: Object.assign(Object.create(null) as Record<string, string>, rules.aliases),
    webhooks: Object.assign(Object.create(null) as Record<string, string>, rules.webhooks),
    groups: resolveGroups(rules.groups, rules.groupPolicy.writers),
    ...(secrets.webhookSecret && !rules.webhookSecret ? { webhookSecret: secrets.webhookSecret } : {}),
    warnings,
  };
  return deepFreeze(config);
}

/** YATE_CHAT_HTTP_TOKEN, YATE_CHAT_WEBHOOK_SECRET and YATE_CHAT_PUSH_SECRET (used when the file
 *  has none); a bad one is an issue. */
function secretsFromEnv(env: Readonly<Record<string, string | undefined>>, issues: ConfigIssue[]): { httpToken?: string; webhookSecret?: string; pushSecret?: string } {
  const out: { httpToken?: string; webhookSecret?: string; pushSecret?: string } = {};
  for (const [name, key, rule] of [['YATE_CHAT_HTTP_TOKEN', 'httpToken', TOKEN], ['YATE_CHAT_WEBHOOK_SECRET', 'webhookSecret', SECRET], ['YATE_CHAT_PUSH_SECRET', 'pushSecret', SECRET]] as const) {
    const v = env[name];
    if (v === undefined || v === '') continue;
    // The value itself is never shown: it is a secret.
    if (rule.pattern.test(v)) out[key] = v;
    else issues.push({ field: `${name} (environment)`, message: `expected ${rule.expected}, got ${v.length} characters that are not` });
  }
  return out;
}

/** YATE_CHAT_PG_URL, checked like a url in the file whenever it is set (used or not: a bad one is
 *  a mistake waiting for the day the store is switched to postgres); shown without its secrets. */
function postgresUrlFromEnv(env: Readonly<Record<string, string | undefined>>, issues: ConfigIssue[]): string | undefined {
  const v = env['YATE_CHAT_PG_URL'];
  if (v === undefined || v === '') return undefined;
  const problem = postgresUrlProblem(v);
  if (problem === null) return v;
  issues.push({ field: 'YATE_CHAT_PG_URL (environment)', message: `expected ${POSTGRES_URL}${problem ? ` ${problem}` : ''}, got ${show(redactUrl(v, { markPassword: true }))}` });
  return undefined;
}

/** Valid, but an admin should know: an API any local process may use, webhooks and pushes in clear text. */
function httpWarnings(rules: { http?: { listen: Listen; token: string | null } | undefined; webhooks: Record<string, string>; push?: { url: string } | undefined }): string[] {
  const out: string[] = [];
  if (rules.http && rules.http.token === null) {
    out.push(`http: no token, so the /v1 API on ${listenName(rules.http.listen)} takes requests from any local process: set http.token or YATE_CHAT_HTTP_TOKEN`);
  }
  const plain = (url: string): boolean => {
    const u = new URL(url);
    return u.protocol === 'http:' && !isLocalOnly({ kind: 'tcp', host: u.hostname.replace(/^\[|\]$/g, ''), port: 0 });
  };
  for (const [address, url] of Object.entries(rules.webhooks)) {
    if (plain(url)) out.push(`webhooks.${address}: ${url} is plain http to another machine: the messages travel unencrypted (signed, not hidden); use https`);
  }
  if (rules.push && plain(rules.push.url)) {
    out.push(`push.url: ${rules.push.url} is plain http to another machine: device tokens travel unencrypted (signed, not hidden); use https`);
  }
  return out;
}

function readText(absFile: string, given: string, fail: (more: ConfigIssue[], cause?: unknown, unreadable?: boolean) => never): string {
  let bytes: Buffer;
  try {
    bytes = fs.readFileSync(absFile);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const why =
      code === 'ENOENT' ? 'no such file' : code === 'EACCES' || code === 'EPERM' ? 'permission denied' : code === 'EISDIR' ? 'it is a folder' : (err as Error).message;
    const spaces = given !== given.trim() ? ` (the path given, ${JSON.stringify(given)}, has spaces at its start or end)` : '';
    // Permissions are the reader's: say who read (check-config run as Yate's user, say).
    const who = code === 'EACCES' || code === 'EPERM' ? ` to uid ${process.geteuid?.() ?? '?'}` : '';
    return fail([{ field: '', message: `cannot read the rules file: ${why}${who}${spaces}` }], err, true);
  }
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch (err) {
    return fail([{ field: '', message: 'expected UTF-8 text, got bytes that are not UTF-8' }], err);
  }
}

/** "__proto__" would be dropped silently by object handling; refuse it wherever it is. */
function forbiddenKeys(value: unknown, at: JsonPath): ConfigIssue[] {
  if (Array.isArray(value)) return value.flatMap((v, i) => forbiddenKeys(v, [...at, i]));
  if (value === null || typeof value !== 'object') return [];
  return Object.entries(value).flatMap(([k, v]) => {
    if (isCommentKey(k)) return [];
    if (k === '__proto__') return [{ field: formatPath([...at, k]), message: 'expected another name: "__proto__" cannot be used' }];
    return forbiddenKeys(v, [...at, k]);
  });
}

/** A field path as a person would write it: `rateLimit.messages`, `deny.callers[2]`, `aliases["100"]`. */
export function formatPath(segments: readonly PropertyKey[]): string {
  let out = '';
  for (const s of segments) {
    if (typeof s === 'number') out += `[${s}]`;
    else if (typeof s === 'string' && /^[A-Za-z_$][\w$]*$/.test(s)) out += out ? `.${s}` : s;
    else out += `[${JSON.stringify(String(s))}]`;
  }
  return out;
}

function deepFreeze<T>(value: T): T {
  if (value === null || typeof value !== 'object' || value instanceof RegExp || Object.isFrozen(value)) return value;
  for (const v of Object.values(value)) deepFreeze(v);
  return Object.freeze(value);
}
