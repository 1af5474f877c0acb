// Checks shared by every group backend, so they refuse the same inputs with the same codes.
import { YateChatError } from '../../errors.js';
import { byteString } from '../common.js';
import type { GroupBounds, NewGroup, StoredGroup } from './types.js';

/** A group or member name: a user name as Yate carries it (no spaces, "@" or ":"), 1..256 bytes. */
const NAME = /^[^\s@:<>"]{1,256}$/;

export function checkName(what: string, value: unknown): string {
  const s = byteString(what, value);
  if (!NAME.test(s)) throw new YateChatError('BAD_ARGUMENT', `${what} must be a user name (1 to 256 bytes, no spaces, "@", ":", "<", ">" or quotes), got ${JSON.stringify(s.slice(0, 60))}`);
  return s;
}

/** The members given, checked, duplicates dropped (the first stays). */
export function checkMembers(members: readonly unknown[]): string[] {
  if (!Array.isArray(members)) throw new YateChatError('BAD_ARGUMENT', 'group members must be an array of user names');
  return [...new Set(members.map((m) => checkName('group member', m)))];
}

export function checkGroup(g: NewGroup): NewGroup {
  const name = checkName('group name', g.name);
  if (g.writers !== 'members' && g.writers !== 'anyone') throw new YateChatError('BAD_ARGUMENT', `group writers must be "members" or "anyone", got ${JSON.stringify(g.writers)}`);
  const members = checkMembers(g.members);
  notItself(name, members);
  return { name, members, writers: g.writers };
}

/** BAD_ARGUMENT when `members` names the group itself. */
export function notItself(name: string, members: readonly string[]): void {
  if (members.includes(name)) throw new YateChatError('BAD_ARGUMENT', `group ${name} cannot be a member of itself`);
}

export function checkBounds(b: GroupBounds): GroupBounds {
  for (const k of ['maxMembers', 'maxGroups'] as const) {
    if (!Number.isSafeInteger(b[k]) || b[k] < 0) throw new YateChatError('BAD_ARGUMENT', `group bound ${k} must be a non-negative integer, got ${String(b[k])}`);
  }
  return b;
}

export const noSuchGroup = (name: string): YateChatError => new YateChatError('NO_SUCH_GROUP', `no group ${name}`);
export const groupExists = (name: string): YateChatError => new YateChatError('GROUP_EXISTS', `group ${name} exists already`);
export const tooManyGroups = (max: number): YateChatError => new YateChatError('GROUP_LIMIT', `the store holds ${max} groups already (groupPolicy.maxGroups)`);
export const tooManyMembers = (name: string, n: number, max: number): YateChatError =>
  new YateChatError('GROUP_LIMIT', `group ${name} would have ${n} members, more than ${max} (groupPolicy.maxMembers)`);

export function copyGroup(g: StoredGroup): StoredGroup {
  return { name: g.name, members: [...g.members], writers: g.writers, createdAt: g.createdAt };
}

/** Which of `members` are new to `have`, in the order given. */
export function newMembers(have: readonly string[], members: readonly string[]): string[] {
  const set = new Set(have);
  return members.filter((m) => !set.has(m));
}
