// engine.command `chat ...` for rmanager, engine.help for `help chat`, and completion hints.
import { formatConfigError, isHost, loadConfig } from '../config/index.js';
import type { Handler } from '../engine/handlers.js';
import type { Message } from '../engine/message.js';
import type { ChatModule } from '../chat/module.js';
import { route } from '../chat/decide.js';
import { budgetFor, carryOut } from '../chat/flow.js';
import { toText, fromText } from '../protocol/bytes.js';
import { bodyPreview } from '../chat/logline.js';
import { statusLine } from './status.js';

const SUBCOMMANDS = ['stats', 'presence', 'queue', 'purge', 'send', 'reload'];
export const USAGE = 'chat {stats|presence [USER]|queue [USER]|purge USER|send FROM TO TEXT|reload}';
const HELP = [
  '  chat stats                 counters since start',
  '  chat presence [USER]       latest PUBLISHed presence (a user\'s every device) and who watches it',
  '  chat queue [USER]          stored offline messages (counts, or one user\'s list)',
  '  chat purge USER            delete a user\'s stored messages',
  '  chat send FROM TO TEXT     deliver TEXT to TO as if FROM sent it',
  '  chat reload                re-read the rules file (a bad file keeps the old rules)',
].join('\r\n');

const crlf = (lines: string[]) => lines.map((l) => fromText(l) + '\r\n').join('');

/** Append a completion like Yate's Module::itemComplete (tab separated). */
function complete(msg: Message, item: string, partWord: string): void {
  if (!item.startsWith(partWord)) return;
  msg.retval = msg.retval ? `${msg.retval}\t${item}` : item;
}

export function onEngineCommand(chat: ChatModule, configPath: string | undefined): Handler {
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
    msg.retval = crlf(await run(chat, configPath, words.slice(1), toText(line)));
    return true;
  };
}

async function run(chat: ChatModule, configPath: string | undefined, args: string[], line: string): Promise<string[]> {
  const { ctx } = chat;
  const [sub, ...rest] = args;
  switch (sub) {
    case 'stats':
      return statusLine(chat).trimEnd().split(/[;,]/).map((kv) => kv.replace('=', ': '));
    case 'presence': {
      const only = rest[0] === undefined ? undefined : fromText(rest[0]);
      const list = only !== undefined ? ctx.presence.all(only) : ctx.presence.list();
      // Watchers of each presentity (SUBSCRIBE), by presentity.
      const watched = new Map<string, string[]>();
      for (const w of ctx.watchers?.list(only) ?? []) watched.set(w.presentity, [...(watched.get(w.presentity) ?? []), toText(w.watcher)]);
      const by = (user: string) => (watched.has(user) ? ` watched by ${watched.get(user)!.join(', ')}` : '');
      // The note is the publisher's text: quoted and escaped, so a CR/LF in it cannot start a line of its own.
      const lines = list.map((p) => `${toText(p.user)} ${p.basic}${p.note ? ` ${JSON.stringify(p.note)}` : ''} since ${new Date(p.at).toISOString()}${only === undefined ? by(p.user) : ''}`);
      const published = new Set(list.map((p) => p.user));
      for (const [user, names] of watched) if (only !== undefined || !published.has(user)) lines.push(`${toText(user)}${published.has(user) ? '' : ' no presence published,'} watched by ${names.join(', ')}`);
      if (!lines.length) return [rest[0] ? `no presence for ${rest[0]}` : 'no presence known'];
      return lines;
    }
    case 'queue': {
      if (!ctx.offline) return ['offline store is off'];
      try {
        if (rest[0]) {
          const user = fromText(rest[0]);
          const msgs = await ctx.offline.store.pending(user, 100);
          if (!msgs.length) return [`no stored messages for ${rest[0]}`];
          const total = await ctx.offline.store.count(user);
          const lines = msgs.map((m) => `#${m.id} ${new Date(m.receivedAt).toISOString()} from ${toText(m.sender)} ${bodyPreview(m.body, m.bodyEncoding)} (attempts ${m.attempts})`);
          return total > msgs.length ? [...lines, `... and ${total - msgs.length} more`] : lines;
        }
        const all = await ctx.offline.store.recipients();
        if (!all.length) return ['no stored messages'];
        return all.map((r) => `${toText(r.recipient)}: ${r.count} waiting, oldest ${new Date(r.oldest).toISOString()}`);
      } catch (err) {
        return [`store error: ${(err as Error).message}`];
      }
    }
    case 'purge': {
      if (rest.length !== 1) return [`usage: chat purge USER`];
      if (!ctx.offline) return ['offline store is off'];
      try {
        return [`purged ${await ctx.offline.store.purge(fromText(rest[0]!))} message(s) for ${rest[0]}`];
      } catch (err) {
        return [`store error: ${(err as Error).message}`];
      }
    }
    case 'send': {
      // TEXT starts at its first non-blank: a line with only blanks after TO has no text.
      const m = /^\s*chat\s+send\s+(\S+)\s+(\S+)\s+(\S.*)$/s.exec(line);
      if (!m) return ['usage: chat send FROM TO TEXT'];
      const [from, to, text] = [m[1]!, m[2]!, m[3]!];
      const at = fromText(from).indexOf('@');
      const user = at < 0 ? fromText(from) : fromText(from).slice(0, at);
      const given = at < 0 ? null : fromText(from).slice(at + 1);
      if (given !== null && !isHost(given)) return [`not a domain: ${toText(given)} (usage: chat send FROM[@DOMAIN] TO TEXT)`];
      // A bare FROM: the rules' domain, else the one FROM registered in, else none (ysipchan
      // then writes its own address). Never a domain some other sender used.
      const domain = given ?? ctx.config.domain ?? ctx.registrations.domainOf(user);
      const called = fromText(to).split('@')[0]!;
      const out = { sender: user, domain, called, type: 'text/plain', body: fromText(text), encoding: '', antiloop: 20 };
      const r = await carryOut(ctx, out, route(called, ctx.world), budgetFor(ctx));
      return [`${r.code} ${r.detail}`];
    }
    case 'reload': {
      if (!configPath) return ['no rules file was given at start; nothing to reload'];
      try {
        chat.reload(loadConfig(configPath));
        return [`rules reloaded from ${configPath}`];
      } catch (err) {
        return ['reload failed, the old rules stay in force:', ...formatConfigError(err).split('\n')];
      }
    }
    default:
      return [`usage: ${USAGE}`];
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
