// The rules file's groups (`groups`: name -> members) and how every group behaves
// (`groupPolicy`): schema.ts puts them in their place. Each field's JSDoc says what it means, its
// limits and [its default], like schema.ts's own fields. Checks that involve other fields (a
// group name that is also an alias, a webhook or a user; a member that is a group; more members
// than groupPolicy.maxMembers) are in cross.ts, so they come with every other problem of the file.
import { z } from 'zod';
import { DEFAULTS, MAX_GROUP_MEMBERS } from './defaults.js';
import { isInt, isPlainObject, leaf, positiveInt, show, strict, USER, userList, variant, word } from './leaves.js';
import type { GroupConfig, GroupWriters } from './types.js';

const writers = () => word<GroupWriters>('members', 'anyone');

/** One group: its members (a list), or {"members": [...], "writers": ...}. */
function groupSchema() {
  const full = strict(
    {
      /** User names; a MESSAGE to the group goes to each of them but its writer. */
      members: userList,
      /** Who may write to the group: "members" or "anyone" (any user of this server). [groupPolicy.writers] */
      writers: writers().optional(),
    },
    'an object {"members": [...], "writers"}',
  );
  return variant<{ members: string[]; writers?: GroupWriters | undefined }>('a list of user names or {"members": [...], "writers"}', (v) =>
    Array.isArray(v) ? userList.transform((members) => ({ members })) : isPlainObject(v) ? full : undefined,
  );
}

/** groups: name -> members (src/chat/groups/). The writers of a group that does not say them are
 *  groupPolicy.writers, filled in by schema.ts's caller (load.ts). */
export function groupsSchema() {
  return z
    .record(leaf<string>('a group name (a user name: no spaces, "@" or ":")', (v) => typeof v === 'string' && USER.test(v)), groupSchema(), {
      error: (iss) =>
        iss.code === 'invalid_key'
          ? `expected a group name (a user name: no spaces, "@" or ":"), got ${show(iss.input)}`
          : `expected an object {"group": ["user", ...]}, got ${show(iss.input)}`,
    })
    .default({});
}

/** groupPolicy: bounds and manners of every group. */
export function groupPolicySchema() {
  return strict(
    {
      /** Members one group may have, rules-file and run-time groups alike: each message to a
       *  group is one copy per member. 1..1000. [100] */
      maxMembers: positiveInt(MAX_GROUP_MEMBERS).default(DEFAULTS.groupPolicy.maxMembers),
      /** Groups made at run time (rmanager, HTTP) the store keeps at most; 0: none may be made. 0..100000. [1000] */
      maxGroups: leaf<number>('a whole number 0..100000', isInt(0, 100_000)).default(DEFAULTS.groupPolicy.maxGroups),
      /** Who may write to a group that does not say: "members" (others get 403) or "anyone". ["members"] */
      writers: writers().default(DEFAULTS.groupPolicy.writers),
      /** A text/plain copy starts with its writer's name ("123: hello"), so that a phone that
       *  shows only the group's name still shows who wrote. [true] */
      prefix: leaf<boolean>('true or false', (v) => typeof v === 'boolean').default(DEFAULTS.groupPolicy.prefix),
    },
    'an object {"maxMembers", "maxGroups", "writers", "prefix"}',
  ).default({ ...DEFAULTS.groupPolicy });
}

/** The rules' groups with their writers filled in, as a null-prototype object. */
export function resolveGroups(groups: Record<string, { members: string[]; writers?: GroupWriters | undefined }>, fallback: GroupWriters): Record<string, GroupConfig> {
  const out = Object.create(null) as Record<string, GroupConfig>;
  for (const [name, g] of Object.entries(groups)) out[name] = { members: g.members, writers: g.writers ?? fallback };
  return out;
}
