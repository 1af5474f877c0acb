// A MESSAGE to a group: a copy to each member but its writer, each routed like any message
// (registered: sent, offline: kept for later, several devices: to each) through the function
// module.ts gives the room (messaging's routeCopy); what the writer is told sums the copies up:
//
//   200   every copy was delivered now (or there is no other member)
//   202   none was refused, some are kept for later (or still under way at the writer's answer)
//   202   some were refused or could not be kept, but others went out or were kept: the log line
//         names who got none
//   the best code of the copies (core/sip.ts bestCode) when none went anywhere
//
// Not sent on to the members: a receipt (message/imdn+xml: a member's phone answering its copy,
// addressed to the group it came from) or an is-typing indication (each would be one more copy
// per member, for every member who reads or types), answered 200; a command (commands.ts), which
// the group answers with a MESSAGE of its own after the writer's answer.
import { baseMimeType } from '../../config/index.js';
import { fromText } from '../../protocol/bytes.js';
import { logMessage } from '../core/logline.js';
import type { Kernel } from '../core/kernel.js';
import type { Outgoing } from '../core/outgoing.js';
import { bestCode } from '../core/sip.js';
import { DEFAULT_ANTILOOP, IMDN_TYPE, ISCOMPOSING_TYPE } from '../core/vocabulary.js';
import * as say from './commands.js';
import { copyOf } from './copy.js';
import type { Directory, Group } from './directory.js';
import type { Posted, Send } from './room.js';

export interface PostDeps {
  readonly kernel: Kernel;
  readonly directory: Directory;
  readonly send: Send;
}

export async function post(deps: PostDeps, out: Outgoing, name: string, until: number): Promise<Posted> {
  const g = deps.directory.find(name);
  if (!g) return { code: 404, detail: `no group ${name}`, routed: false };
  const base = baseMimeType(out.type);
  if (base === IMDN_TYPE || base === ISCOMPOSING_TYPE) return { code: 200, detail: `a ${base} for group ${name} goes no further`, routed: false };
  const command = say.commandOf(out);
  if (command !== null) return answer(deps, out, g, command);

  const { stats, config } = deps.kernel;
  const members = g.members.filter((m) => m !== out.sender);
  stats.groups.messages++;
  if (!members.length) return { code: 200, detail: `group ${name} has no other member` };
  stats.groups.copies += members.length;
  const codes = await Promise.all(members.map((m) => deps.send(copyOf(out, name, m, config.groupPolicy), until).then((r) => r.code)));
  return summary(name, members, codes);
}

/** What the writer is told of the copies (the table above). */
export function summary(name: string, members: readonly string[], codes: readonly number[]): Posted {
  const delivered = codes.filter((c) => c >= 200 && c < 300 && c !== 202).length;
  const kept = codes.filter((c) => c === 202).length;
  const none = members.flatMap((m, i) => (codes[i]! >= 200 && codes[i]! < 300 ? [] : [`${m} (${codes[i]})`]));
  const parts = [`${delivered} delivered`, ...(kept ? [`${kept} kept for later`] : []), ...(none.length ? [`none for ${none.slice(0, 10).join(', ')}${none.length > 10 ? ` and ${none.length - 10} more` : ''}`] : [])];
  const detail = `to group ${name}: ${parts.join(', ')}`;
  if (delivered === members.length) return { code: 200, detail };
  if (delivered + kept > 0) return { code: 202, detail };
  return { code: bestCode(codes), detail };
}

/** A command: answered 200 now, the group's reply after the writer's answer. */
function answer(deps: PostDeps, out: Outgoing, g: Group, command: string): Posted {
  const writer = out.sender;
  const member = g.members.includes(writer);
  const reply = async (): Promise<string> => {
    if (!member) return say.membersOnly(g.name);
    switch (command) {
      case 'members': return say.memberList(g.name, g.members);
      case 'help': return say.help(g.name);
      case 'leave':
        if (g.source === 'rules') return say.leaveByRules(g.name);
        await deps.directory.remove(g.name, [writer]);
        return say.left(g.name);
      default: return say.unknown(command, g.name);
    }
  };
  setImmediate(() => void reply()
    .catch((err: Error) => `#${command} failed: ${err.message}`)
    .then((text) => sendReply(deps, out, g.name, text)));
  return { code: 200, detail: `#${command} for group ${g.name}: the group answers`, routed: false };
}

async function sendReply(deps: PostDeps, to: Outgoing, group: string, text: string): Promise<void> {
  const k = deps.kernel;
  const reply: Outgoing = {
    sender: group, senderName: group, domain: to.domain, called: to.sender,
    type: 'text/plain;charset=utf-8', body: fromText(text), encoding: '', antiloop: DEFAULT_ANTILOOP,
  };
  const r = await deps.send(reply, Date.now() + k.config.delivery.waitMs);
  logMessage(k, reply, `${r.code} the group's answer to a command: ${r.detail}`);
}
