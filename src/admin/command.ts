// engine.command `chat ...` for rmanager, engine.help for `help chat`, and completion hints.
import { formatConfigError, loadRules, type RegexVerdicts } from '../config/index.js';
import type { Handler } from '../engine/handlers.js';
import type { Message } from '../engine/message.js';
import type { ChatModule } from '../chat/index.js';
import { isYateChatError } from '../errors.js';
import { toText, fromText } from '../protocol/bytes.js';
import { bodyPreview } from '../chat/index.js';
import { forgetCommand, GROUP_USAGE, groupCommand, HISTORY_USAGE, historyCommand } from './groups.js';
import { statusLine } from './status.js';

const SUBCOMMANDS = ['stats', 'presence', 'devices', 'queue', 'purge', 'send', 'reload', 'group', 'history', 'forget'];
export const USAGE = 'chat {stats|presence [USER]|devices USER|queue [USER]|purge USER|send FROM TO TEXT|reload|group ...|history USER [PEER]|forget USER}';
const HELP = [
  '  chat stats                 counters since start',
  '  chat presence [USER]       latest PUBLISHed presence (a user\'s every device) and who watches it',
  '  chat devices USER          a user\'s registered devices and the copies each is owed',
  '  chat queue [USER]          stored offline messages (counts, or one user\'s list)',
  '  chat purge USER            delete a user\'s stored messages',
  '  chat send FROM TO TEXT     deliver TEXT to TO as if FROM sent it',
  '  chat reload                re-read the rules file (a bad file keeps the old rules; says what needs a restart)',
  '  chat group [NAME]          every group (rules file and run time), or one, with its members',
  '  chat group create NAME [anyone] [MEMBER...]   make a group (members write to it; "anyone": any user)',
  '  chat group add|remove NAME MEMBER...          change a group made at run time',
  '  chat group delete NAME     delete a group made at run time',
  `  ${HISTORY_USAGE}   the latest messages of USER (with PEER: a user or a group), oldest first`,
  '  chat forget USER           delete USER\'s history, stored messages, presence and group memberships',
].join('\r\n');

const crlf = (lines: string[]) => lines.map((l) => fromText(l) + '\r\n').join('');

/** Append a completion like Yate's Module::itemComplete (tab separated). */
function complete(msg: Message, item: string, partWord: string): void {
  if (!item.startsWith(partWord)) return;
  msg.retval = msg.retval ? `${msg.retval}\t${item}` : item;
}

export function onEngineCommand(chat: ChatModule, configPath: string | undefined, verdicts: RegexVerdicts): Handler {
  return async (msg) => {
    const line = msg.get('line');
    if (line === undefined) {
      const partLine = msg.get('partline') ?? '';
      const partWord = msg.get('partword') ?? '';
      if (partLine === '' || partLine === 'help' || partLine === 'status') complete(msg, partLine === 'status' ? 'yate-chat' : 'chat', partWord);
      else if (partLine === 'chat') for (const s of SUBCOMMANDS) complete(msg, s, partWord);
      return false;
    }
    const words = toText(line).trim().split(/\s+/);
    if (words[0] !== 'chat') return false;
    msg.retval = crlf(await run(chat, configPath, verdicts, words.slice(1), toText(line)));
    return true;
  };
}

async function run(chat: ChatModule, configPath: string | undefined, verdicts: RegexVerdicts, args: string[], line: string): Promise<string[]> {
  const [sub, ...rest] = args;
  switch (sub) {
    case 'stats':
      return statusLine(chat).trimEnd().split(/[;,]/).map((kv) => kv.replace('=', ': '));
    case 'presence': {
      const list = chat.presence(rest[0]);
      // Watchers of each presentity (SUBSCRIBE), by presentity.
      const watched = new Map<string, string[]>();
      for (const w of chat.watchers(rest[0])) watched.set(w.presentity, [...(watched.get(w.presentity) ?? []), w.watcher]);
      const by = (user: string) => (watched.has(user) ? ` watched by ${watched.get(user)!.join(', ')}` : '');
      // The note is the publisher's text: quoted and escaped, so a CR/LF in it cannot start a line of its own.
      const lines = list.map((p) => `${p.user} ${p.basic}${p.note ? ` ${JSON.stringify(p.note)}` : ''} since ${iso(p.since)}${rest[0] === undefined ? by(p.user) : ''}`);
      const published = new Set(list.map((p) => p.user));
      for (const [user, names] of watched) if (rest[0] !== undefined || !published.has(user)) lines.push(`${user}${published.has(user) ? '' : ' no presence published,'} watched by ${names.join(', ')}`);
      if (!lines.length) return [rest[0] ? `no presence for ${rest[0]}` : 'no presence known'];
      return lines;
    }
    case 'devices': {
      if (rest.length !== 1) return ['usage: chat devices USER'];
      const list = await chat.devices(rest[0]!);
      if (!list.length) return [`no registered devices for ${rest[0]}`];
      return list.map((d) => [
        `${d.device}${d.device === d.contact ? '' : ` at ${d.contact}`}`,
        d.userAgent ? JSON.stringify(d.userAgent) : '',
        d.push ? `push ${d.push.provider} ${d.push.prid}` : '',
        `since ${iso(d.since)}`,
        d.expiresAt === null ? 'no expiry' : `expires ${iso(d.expiresAt)}`,
        d.owed === null ? '' : `owed ${d.owed}`,
      ].filter(Boolean).join(' '));
    }
    case 'queue':
      return answer(async () => {
        if (!rest[0]) {
          const all = await chat.queue();
          return all.length ? all.map((r) => `${r.user}: ${r.count} waiting, oldest ${iso(r.oldest)}`) : ['no stored messages'];
        }
        const q = await chat.queue(rest[0]);
        if (!q.messages.length) return [`no stored messages for ${rest[0]}`];
        const lines = q.messages.map((m) => `#${m.id} ${iso(m.receivedAt)} from ${m.from} ${bodyPreview(fromText(m.body), m.bodyEncoding)} (attempts ${m.attempts})`);
        return q.total > lines.length ? [...lines, `... and ${q.total - lines.length} more`] : lines;
      });
    case 'purge':
      if (rest.length !== 1) return [`usage: chat purge USER`];
      return answer(async () => [`purged ${await chat.purge(rest[0]!)} message(s) for ${rest[0]}`]);
    case 'send': {
      // TEXT starts at its first non-blank: a line with only blanks after TO has no text.
      const m = /^\s*chat\s+send\s+(\S+)\s+(\S+)\s+(\S.*)$/s.exec(line);
      if (!m) return ['usage: chat send FROM TO TEXT'];
      return answer(async () => {
        const r = await chat.send({ from: m[1]!, to: m[2]!, text: m[3]! });
        return [`${r.code} ${r.detail}`];
      }, ' (usage: chat send FROM[@DOMAIN] TO TEXT)');
    }
    case 'group':
      return answer(() => groupCommand(chat, rest), ` (usage: ${GROUP_USAGE})`);
    case 'history':
      return answer(() => historyCommand(chat, rest));
    case 'forget':
      return answer(() => forgetCommand(chat, rest));
    case 'reload': {
      if (!configPath) return ['no rules file was given at start; nothing to reload'];
      try {
        // New regexes are checked in a worker: routing goes on meanwhile (config/load-rules.ts).
        const { restartNeeded } = chat.reload(await loadRules(configPath, { verdicts }));
        if (!restartNeeded.length) return [`rules reloaded from ${configPath}`];
        return [
          `rules reloaded from ${configPath}, but not these changes, which the module reads only at start:`,
          `  ${restartNeeded.join(', ')}`,
          'they keep their old values until the module restarts (a Yate restart; in socket mode, the yate-chat service\'s)',
        ];
      } catch (err) {
        return ['reload failed, the old rules stay in force:', ...formatConfigError(err).split('\n')];
      }
    }
    default:
      return [`usage: ${USAGE}`];
  }
}

const iso = (ms: number) => new Date(ms).toISOString();

/** The lines of `f`, or the line its error becomes (a store's error is the store's). */
async function answer(f: () => Promise<string[]>, usage = ''): Promise<string[]> {
  try {
    return await f();
  } catch (err) {
    if (isYateChatError(err, 'OFFLINE_DISABLED')) return ['offline store is off'];
    if (isYateChatError(err, 'HISTORY_DISABLED')) return ['history is off (history.enabled in the rules file, then a restart)'];
    if (isYateChatError(err, 'BAD_ARGUMENT')) return [`${err.message}${usage}`];
    if (isYateChatError(err, 'NO_SUCH_GROUP') || isYateChatError(err, 'GROUP_EXISTS') || isYateChatError(err, 'GROUP_READ_ONLY') || isYateChatError(err, 'GROUP_LIMIT')) return [err.message];
    return [`store error: ${(err as Error).message}`];
  }
}

export function onEngineHelp(): Handler {
  return (msg) => {
    const line = msg.get('line');
    if (line && line !== 'chat') return false;
    msg.retval += `  ${USAGE}\r\n`;
    if (!line) return false;
    msg.retval += `${HELP}\r\n`;
    return true;
  };
}
