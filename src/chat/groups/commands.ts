// Text commands a member sends to the group, in the style of Kamailio's and OpenSIPS's imc module:
// a text/plain MESSAGE whose whole text is one word starting with "#". It goes to nobody; the group
// answers its writer with a MESSAGE of its own (docs/groups.md):
//
//   #members   who is in the group
//   #leave     take me out (a group made at run time; one of the rules file changes with the file)
//   #help      these commands
//   #other     unknown: the list of commands
// Only members may use them (a group anyone may write to does not show its members to anyone).
import { baseMimeType } from '../../config/index.js';
import { toText } from '../../protocol/bytes.js';
import type { Outgoing } from '../core/outgoing.js';

/** The command `out` is, lower-case without its "#" (null: a message for the members). */
export function commandOf(out: Pick<Outgoing, 'type' | 'encoding' | 'body'>): string | null {
  if (out.encoding || baseMimeType(out.type) !== 'text/plain') return null;
  const m = /^\s*#([A-Za-z]{1,20})\s*$/.exec(out.body);
  return m ? m[1]!.toLowerCase() : null;
}

export const COMMANDS = '#members (who is in the group), #leave (leave it), #help (this list)';

export const memberList = (group: string, members: readonly string[]): string =>
  `${toText(group)}: ${members.length} member${members.length === 1 ? '' : 's'}: ${members.map(toText).join(', ')}`;

export const left = (group: string): string => `you left ${toText(group)}`;

export const leaveByRules = (group: string): string => `${toText(group)} is a group of the rules file: only its admin can take you out`;

export const membersOnly = (group: string): string => `only members of ${toText(group)} can use its commands`;

export const help = (group: string): string => `commands of ${toText(group)}: ${COMMANDS}`;

export const unknown = (command: string, group: string): string => `unknown command #${command}; commands of ${toText(group)}: ${COMMANDS}`;
