// rmanager's `chat group ...`, `chat history ...` and `chat forget USER` (command.ts dispatches
// to them): each returns the lines to print, or throws what the chat API rejects with (command.ts
// turns a YateChatError into its line).
import type { ChatModule, GroupInfo, HistoryMessage } from '../chat/index.js';
import { bodyPreview } from '../chat/index.js';
import { fromText } from '../protocol/bytes.js';

export const GROUP_USAGE = 'chat group [NAME | create NAME [anyone] [MEMBER...] | add NAME MEMBER... | remove NAME MEMBER... | delete NAME]';
export const HISTORY_USAGE = 'chat history USER [PEER] [before=CURSOR]';

/** Messages `chat history` shows at once. */
const HISTORY_LINES = 20;

const iso = (ms: number) => new Date(ms).toISOString();

function groupLine(g: GroupInfo): string {
  const who = g.writers === 'anyone' ? 'anyone writes' : 'members write';
  const from = g.source === 'rules' ? 'rules file' : `made ${iso(g.createdAt!)}`;
  return `${g.name} (${from}, ${who}): ${g.members.length ? g.members.join(', ') : 'no members'}`;
}

export async function groupCommand(chat: ChatModule, args: readonly string[]): Promise<string[]> {
  const [verb, name, ...rest] = args;
  switch (verb) {
    case undefined: {
      const all = chat.groups();
      return all.length ? all.map(groupLine) : ['no groups'];
    }
    case 'create': {
      if (!name) return [`usage: ${GROUP_USAGE}`];
      const anyone = rest[0] === 'anyone';
      const g = await chat.createGroup(name, anyone ? rest.slice(1) : rest, anyone ? { writers: 'anyone' } : {});
      return [`created ${groupLine(g)}`];
    }
    case 'add':
    case 'remove': {
      if (!name || !rest.length) return [`usage: ${GROUP_USAGE}`];
      const g = verb === 'add' ? await chat.addToGroup(name, rest) : await chat.removeFromGroup(name, rest);
      return [groupLine(g)];
    }
    case 'delete':
      if (!name || rest.length) return [`usage: ${GROUP_USAGE}`];
      await chat.deleteGroup(name);
      return [`deleted group ${name}`];
    default: {
      if (name !== undefined) return [`usage: ${GROUP_USAGE}`];
      const g = chat.group(verb);
      return [g ? groupLine(g) : `no group ${verb}`];
    }
  }
}

function historyLine(m: HistoryMessage): string {
  const outcome = m.outcome === 0 ? 'sent' : String(m.outcome);
  return `${iso(m.at)} ${m.from} -> ${m.to}${m.group ? ' (group)' : ''} [${m.contentType}] ${bodyPreview(fromText(m.body), m.bodyEncoding, 200)} (${outcome})`;
}

export async function historyCommand(chat: ChatModule, args: readonly string[]): Promise<string[]> {
  const before = args.at(-1)?.startsWith('before=') ? args.at(-1)!.slice('before='.length) : undefined;
  const [user, peer, ...extra] = before === undefined ? args : args.slice(0, -1);
  if (!user || extra.length) return [`usage: ${HISTORY_USAGE}`];
  const page = await chat.history({ user, ...(peer ? { with: peer } : {}), ...(before !== undefined ? { before } : {}), limit: HISTORY_LINES });
  if (!page.messages.length) return [`no history for ${user}${peer ? ` with ${peer}` : ''}`];
  const lines = page.messages.map(historyLine);
  if (page.next) lines.unshift(`... older: chat history ${user}${peer ? ` ${peer}` : ''} before=${page.next}`);
  return lines;
}

export async function forgetCommand(chat: ChatModule, args: readonly string[]): Promise<string[]> {
  if (args.length !== 1) return ['usage: chat forget USER'];
  const f = await chat.forget(args[0]!);
  const part = (n: number | null, what: string) => (n === null ? `${what} off` : `${n} ${what}`);
  const lines = [
    `forgot ${f.user}: ${part(f.history, 'history entries')}, ${part(f.messages, 'stored messages')}, ${f.publications} presence publications, ${f.subscriptions} subscriptions, left groups: ${f.groups.length ? f.groups.join(', ') : 'none'}`,
  ];
  if (f.rulesGroups.length) lines.push(`still a member of ${f.rulesGroups.join(', ')} by the rules file: take ${f.user} out there (and chat reload)`);
  return lines;
}
