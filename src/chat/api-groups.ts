// The part of the chat API (api.ts) about groups, the history and forgetting a user: what
// rmanager's `chat group`, `chat history`, `chat forget` and the HTTP face's /v1/groups,
// /v1/history and DELETE /v1/users show and do. Text in and out, as in api.ts: names and bodies
// are JS strings here, byte strings in the rooms.
import type { GroupWriters } from '../config/index.js';
import { YateChatError } from '../errors.js';
import { fromText, toText } from '../protocol/bytes.js';
import type { Directory, Group } from './groups/directory.js';
import type { History } from './history/index.js';

/** A group, as the faces show it. */
export interface GroupInfo {
  readonly name: string;
  readonly members: readonly string[];
  readonly writers: GroupWriters;
  /** 'rules': from the rules file, read-only; 'store': made at run time. */
  readonly source: 'rules' | 'store';
  /** When a run-time group was made (ms since the epoch); null for a rules group. */
  readonly createdAt: number | null;
}

/** A message of the history. */
export interface HistoryMessage {
  /** The store's id (increasing in the order messages were recorded). */
  readonly id: number;
  /** When it was routed (ms since the epoch). */
  readonly at: number;
  readonly from: string;
  /** A user, or a group (`group` true). */
  readonly to: string;
  readonly group: boolean;
  readonly contentType: string;
  /** `base64` for a body Yate carried encoded; '' for text. */
  readonly bodyEncoding: string;
  /** The body as text (UTF-8 decoded; an encoded body as its encoding wrote it). */
  readonly body: string;
  readonly bytes: number;
  /** The SIP code its sender got; 0: handed to ysipchan, which answered with the far end's own. */
  readonly outcome: number;
}

/** A page of a user's history: the most recent messages before the cursor, oldest first. */
export interface HistoryPage {
  readonly user: string;
  /** The peer asked for (a user or a group), or null: everything of `user` and their groups. */
  readonly with: string | null;
  readonly messages: readonly HistoryMessage[];
  /** The cursor of the page before this one (give it back as `before`); null: this is the first. */
  readonly next: string | null;
}

export interface HistoryRequest {
  readonly user: string;
  readonly with?: string;
  readonly before?: string;
  /** 1..500 [50]. */
  readonly limit?: number;
}

/** What forgetting a user deleted; null where the part is off (offline store, history). */
export interface Forgotten {
  readonly user: string;
  readonly history: number | null;
  readonly messages: number | null;
  readonly publications: number;
  readonly subscriptions: number;
  /** Run-time groups they were taken out of. */
  readonly groups: readonly string[];
  /** Groups of the rules file that still name them: those change only with the file. */
  readonly rulesGroups: readonly string[];
}

export interface GroupsApi {
  /** Every group, the rules' and the run-time ones, by name. */
  groups(): GroupInfo[];
  /** The group, or null. */
  group(name: string): GroupInfo | null;
  /** Makes a run-time group. Rejects GROUP_EXISTS (the name is a group, an alias, a webhook or a
   *  user), GROUP_LIMIT, BAD_ARGUMENT (a name that is not a user name, a member that is a
   *  group), STORE_FAILED. */
  createGroup(name: string, members: readonly string[], opts?: { readonly writers?: GroupWriters }): Promise<GroupInfo>;
  /** Rejects NO_SUCH_GROUP, GROUP_READ_ONLY (a rules group), GROUP_LIMIT, BAD_ARGUMENT, STORE_FAILED. */
  addToGroup(name: string, members: readonly string[]): Promise<GroupInfo>;
  /** Rejects NO_SUCH_GROUP, GROUP_READ_ONLY, BAD_ARGUMENT, STORE_FAILED. */
  removeFromGroup(name: string, members: readonly string[]): Promise<GroupInfo>;
  /** Rejects NO_SUCH_GROUP, GROUP_READ_ONLY, STORE_FAILED. */
  deleteGroup(name: string): Promise<void>;
  /** A page of `user`'s history. Rejects HISTORY_DISABLED, BAD_ARGUMENT (cursor, limit), STORE_FAILED. */
  history(req: HistoryRequest): Promise<HistoryPage>;
  /** A user who leaves is forgotten: their history, the messages kept for them, their presence
   *  and subscriptions, their place in run-time groups. Rejects STORE_FAILED. */
  forget(user: string): Promise<Forgotten>;
}

/** What the facade is built from (module.ts). */
export interface GroupsApiParts {
  readonly directory: Directory;
  /** null when history is off. */
  readonly history: History | null;
  /** Deletes what waits for `user` in the offline store; null when it is off. */
  readonly purge: ((user: string) => Promise<number>) | null;
  readonly presence: { forget(user: string): Promise<{ readonly publications: number; readonly subscriptions: number }> };
}

const info = (g: Group): GroupInfo => ({ name: toText(g.name), members: g.members.map(toText), writers: g.writers, source: g.source, createdAt: g.createdAt });
const bytesOf = (names: readonly string[]): string[] => names.map(fromText);

export function groupsApi(parts: GroupsApiParts): GroupsApi {
  const { directory } = parts;
  return {
    groups: () => directory.list().map(info),
    group(name) {
      const g = directory.find(fromText(name));
      return g && info(g);
    },
    createGroup: async (name, members, opts = {}) => info(await directory.create(fromText(name), bytesOf(members), opts.writers)),
    addToGroup: async (name, members) => info(await directory.add(fromText(name), bytesOf(members))),
    removeFromGroup: async (name, members) => info(await directory.remove(fromText(name), bytesOf(members))),
    async deleteGroup(name) {
      await directory.delete(fromText(name));
    },
    async history(req) {
      if (!parts.history) throw new YateChatError('HISTORY_DISABLED', 'the history is off (history.enabled: false)');
      const page = await parts.history.page({
        user: fromText(req.user),
        ...(req.with !== undefined ? { peer: fromText(req.with) } : {}),
        ...(req.before !== undefined ? { before: req.before } : {}),
        ...(req.limit !== undefined ? { limit: req.limit } : {}),
      });
      return {
        user: req.user,
        with: req.with ?? null,
        messages: page.records.map((r) => ({
          id: r.id, at: r.at, from: toText(r.sender), to: toText(r.recipient), group: r.group, contentType: toText(r.contentType),
          bodyEncoding: r.bodyEncoding, body: toText(r.body), bytes: r.body.length, outcome: r.outcome,
        })),
        next: page.next,
      };
    },
    async forget(user) {
      const who = fromText(user);
      const history = parts.history ? await parts.history.forget(who) : null;
      const messages = parts.purge ? await parts.purge(who) : null;
      const { publications, subscriptions } = await parts.presence.forget(who);
      const { left, rules } = await directory.forget(who);
      return { user, history, messages, publications, subscriptions, groups: left.map(toText), rulesGroups: rules.map(toText) };
    },
  };
}
