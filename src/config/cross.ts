// Checks across fields, made on the file's raw values so that they are reported together with
// every other problem of the file (a schema refinement runs only once every field is valid, so
// a missing webhookSecret used to appear only after the other errors were fixed: issue 22).
// Each check looks only at values it can read, and leaves a value of the wrong type to the
// field's own message.
import type { ConfigIssue } from './issue.js';
import { traceAlias, MAX_ALIAS_HOPS } from './rules.js';
import { DEFAULTS, MAX_GROUP_MEMBERS } from './defaults.js';
import { show } from './leaves.js';

type Path = readonly PropertyKey[];

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Every problem that involves two fields of the file (comments already stripped). */
export function crossFieldProblems(data: unknown, env: { readonly webhookSecret?: string | undefined }, at: (path: Path) => string): ConfigIssue[] {
  const file = isObject(data) ? data : {};
  const aliases = isObject(file['aliases']) ? file['aliases'] : {};
  const webhooks = isObject(file['webhooks']) ? file['webhooks'] : {};
  return [...aliasProblems(aliases, at), ...webhookProblems(webhooks, aliases, file, env, at), ...groupProblems(file, aliases, webhooks, at)];
}

/** Aliases whose chain loops or is longer than MAX_ALIAS_HOPS. */
function aliasProblems(raw: Record<string, unknown>, at: (path: Path) => string): ConfigIssue[] {
  const aliases = Object.fromEntries(Object.entries(raw).filter((e): e is [string, string] => typeof e[1] === 'string'));
  const problems: ConfigIssue[] = [];
  for (const called of Object.keys(aliases)) {
    const trace = traceAlias(aliases, called);
    if (trace.ok) continue;
    const chain = trace.chain.join(' -> ');
    problems.push({
      field: at(['aliases', called]),
      message:
        trace.reason === 'loop'
          ? `expected an alias chain that ends, got a loop: ${chain}`
          : `expected at most ${MAX_ALIAS_HOPS} alias hops, got ${chain} -> ...`,
    });
  }
  return problems;
}

/** Webhooks need a secret to sign with, and an address that is not also an alias. */
function webhookProblems(
  webhooks: Record<string, unknown>,
  aliases: Record<string, unknown>,
  file: Record<string, unknown>,
  env: { readonly webhookSecret?: string | undefined },
  at: (path: Path) => string,
): ConfigIssue[] {
  const problems: ConfigIssue[] = [];
  const addresses = Object.keys(webhooks);
  if (addresses.length && file['webhookSecret'] === undefined && env.webhookSecret === undefined) {
    problems.push({ field: 'webhookSecret', message: 'expected a secret to sign webhook requests with (here or in YATE_CHAT_WEBHOOK_SECRET), got nothing' });
  }
  for (const a of addresses) {
    if (Object.hasOwn(aliases, a)) problems.push({ field: at(['webhooks', a]), message: `expected an address that is not also an alias, got ${show(a)} (aliases.${a} routes it elsewhere)` });
  }
  return problems;
}

/** A group's name is an address of its own: not also an alias, a webhook address or a user of
 *  `users` (one of them would never be reached). Its members are users, not groups (a copy is
 *  never fanned out again), and no more than groupPolicy.maxMembers. */
function groupProblems(file: Record<string, unknown>, aliases: Record<string, unknown>, webhooks: Record<string, unknown>, at: (path: Path) => string): ConfigIssue[] {
  const groups = isObject(file['groups']) ? file['groups'] : {};
  const users = Array.isArray(file['users']) ? file['users'] : [];
  const policy = isObject(file['groupPolicy']) ? file['groupPolicy'] : {};
  const raw = policy['maxMembers'];
  const max = Number.isInteger(raw) && (raw as number) >= 1 && (raw as number) <= MAX_GROUP_MEMBERS ? (raw as number) : DEFAULTS.groupPolicy.maxMembers;
  const problems: ConfigIssue[] = [];
  for (const [name, g] of Object.entries(groups)) {
    const taken = Object.hasOwn(aliases, name) ? `aliases.${name} routes it elsewhere` : Object.hasOwn(webhooks, name) ? `webhooks.${name} posts it to a URL` : users.includes(name) ? 'it is in users' : null;
    if (taken) problems.push({ field: at(['groups', name]), message: `expected a name that is not also an alias, a webhook address or a user, got ${show(name)} (${taken})` });
    const members = Array.isArray(g) ? g : isObject(g) && Array.isArray(g['members']) ? g['members'] : [];
    const where = Array.isArray(g) ? ['groups', name] : ['groups', name, 'members'];
    members.forEach((m, i) => {
      if (typeof m === 'string' && Object.hasOwn(groups, m)) problems.push({ field: at([...where, i]), message: `expected a user, got ${show(m)}, a group (a group's copies are not sent on to another group)` });
    });
    const distinct = new Set(members.filter((m) => typeof m === 'string')).size;
    if (distinct > max) problems.push({ field: at(where), message: `expected at most ${max} members (groupPolicy.maxMembers), got ${distinct}` });
  }
  return problems;
}
