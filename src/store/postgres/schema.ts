// The PostgreSQL schema, as an ordered list of steps (like sqlite/migrations.ts for SQLite). Everything
// lives in the schema `yate_chat`; `yate_chat.schema_version` records the last step applied.
// Append new steps; never edit one that has shipped (databases in the field already ran it).
//
// Several nodes may start at once on a new database: migrate() runs under a transaction-level
// advisory lock, so the first does the work and the others find it done.
import { YateChatError } from '../../errors.js';
import type { Queryable } from './link.js';

export interface PgMigration {
  /** 1, 2, 3... in order, no gaps. */
  readonly version: number;
  readonly description: string;
  readonly sql: string;
}

/** First key of every advisory lock yate-chat takes ("yc"), so it cannot meet another
 *  application's locks on a shared database. */
export const LOCK_SPACE = 0x7963;

/** The start of yate_chat.put in every version (steps 1 and 4 define it): under the store's
 *  lock, expired rows make room, then the recipient's quota and the store's size are checked.
 *  Shared text of shipped steps: never edit it (a new put gets a new copy in its new step). */
const PUT_MAKES_ROOM = `          PERFORM pg_advisory_xact_lock(p_lock_space, p_lock_key);
          DELETE FROM yate_chat.messages m WHERE m.recipient = p_recipient AND m.expires_at <= p_now;
          GET DIAGNOSTICS dropped = ROW_COUNT;
          IF (SELECT count(*) FROM yate_chat.messages m WHERE m.recipient = p_recipient AND m.expires_at > p_now) >= p_quota THEN
            RAISE EXCEPTION 'recipient quota full' USING ERRCODE = 'YCQTA';
          END IF;
          IF (SELECT n FROM yate_chat.message_count WHERE message_count.id = 1) >= p_max THEN
            DELETE FROM yate_chat.messages m WHERE m.expires_at <= p_now;
            GET DIAGNOSTICS k = ROW_COUNT;
            dropped := dropped + k;
          END IF;
          IF (SELECT n FROM yate_chat.message_count WHERE message_count.id = 1 FOR UPDATE) >= p_max THEN
            RAISE EXCEPTION 'store full' USING ERRCODE = 'YCFUL';
          END IF;
`;

export const PG_MIGRATIONS: readonly PgMigration[] = [
  {
    version: 1,
    description: 'messages (bytea, as SQLite keeps BLOBs), their trigger-kept count, delivery leases, presence, known users',
    sql: `
      -- Byte strings are bytea: stored and compared byte for byte (ORDER BY is memcmp order).
      -- An identity is never reused, so a late delivered(id) cannot delete a newer message.
      CREATE TABLE yate_chat.messages (
        id            bigint  GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        recipient     bytea   NOT NULL,
        sender        bytea   NOT NULL,
        sender_uri    bytea   NOT NULL,
        content_type  bytea   NOT NULL,
        body_encoding bytea   NOT NULL,
        body          bytea   NOT NULL,
        params        bytea,            -- JSON object of byte strings, one byte per char; NULL when none
        received_at   bigint  NOT NULL, -- ms since the epoch
        expires_at    bigint  NOT NULL, -- ms since the epoch
        attempts      integer NOT NULL DEFAULT 0
      );
      CREATE INDEX messages_recipient_id ON yate_chat.messages (recipient, id);
      CREATE INDEX messages_expires_at ON yate_chat.messages (expires_at);

      -- Every row of messages, expired or not, for the global quota (maxMessages) in O(1).
      -- A put locks this row last (rows, then the count: no deadlock with a delete).
      CREATE TABLE yate_chat.message_count (
        id integer PRIMARY KEY CHECK (id = 1),
        n  bigint  NOT NULL
      );
      INSERT INTO yate_chat.message_count (id, n) VALUES (1, 0);
      CREATE FUNCTION yate_chat.count_added() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
          UPDATE yate_chat.message_count SET n = n + (SELECT count(*) FROM added) WHERE id = 1;
          RETURN NULL;
        END $$;
      CREATE FUNCTION yate_chat.count_gone() RETURNS trigger LANGUAGE plpgsql AS $$
        DECLARE k bigint := (SELECT count(*) FROM gone);
        BEGIN
          IF k > 0 THEN UPDATE yate_chat.message_count SET n = n - k WHERE id = 1; END IF;
          RETURN NULL;
        END $$;
      CREATE TRIGGER messages_count_insert AFTER INSERT ON yate_chat.messages
        REFERENCING NEW TABLE AS added FOR EACH STATEMENT EXECUTE FUNCTION yate_chat.count_added();
      CREATE TRIGGER messages_count_delete AFTER DELETE ON yate_chat.messages
        REFERENCING OLD TABLE AS gone FOR EACH STATEMENT EXECUTE FUNCTION yate_chat.count_gone();

      -- put(): the whole of a put in one statement (one round trip; its transaction is the
      -- statement's). One put per recipient at a time (an advisory lock on the recipient's key):
      -- their expired messages are dropped, their quota counted, then the global one, for which
      -- expired rows of everyone make room first when the store is full. The count row is locked
      -- last, so every put and delete takes rows, then it: no deadlock. The notification goes
      -- out with the commit. Refusals: SQLSTATE YCQTA (recipient quota), YCFUL (store full).
      CREATE FUNCTION yate_chat.put(
        p_recipient bytea, p_sender bytea, p_sender_uri bytea, p_content_type bytea, p_body_encoding bytea,
        p_body bytea, p_params bytea, p_received_at bigint, p_expires_at bigint,
        p_now bigint, p_quota integer, p_max bigint, p_lock_space integer, p_lock_key integer, p_channel text, p_note text,
        OUT id bigint, OUT dropped bigint) LANGUAGE plpgsql AS $$
        DECLARE k bigint;
        BEGIN
${PUT_MAKES_ROOM}          INSERT INTO yate_chat.messages (recipient, sender, sender_uri, content_type, body_encoding, body, params, received_at, expires_at)
            VALUES (p_recipient, p_sender, p_sender_uri, p_content_type, p_body_encoding, p_body, p_params, p_received_at, p_expires_at)
            RETURNING messages.id INTO id;
          PERFORM pg_notify(p_channel, p_note);
        END $$;

      -- Who delivers a recipient's messages now: one node at a time, until 'until' (the
      -- database's clock, so nodes' clocks need not agree).
      CREATE TABLE yate_chat.leases (
        recipient bytea       PRIMARY KEY,
        node      text        NOT NULL,
        until     timestamptz NOT NULL
      );

      -- The latest PUBLISH per user.
      CREATE TABLE yate_chat.presence (
        username   bytea  PRIMARY KEY,
        basic      text   NOT NULL,
        note       bytea  NOT NULL, -- UTF-8
        at         bigint NOT NULL,
        expires_at bigint,
        etag       text   NOT NULL
      );

      -- Users any node saw register (offline.knownUsers "registered").
      CREATE TABLE yate_chat.known_users (
        username bytea  PRIMARY KEY,
        seen_at  bigint NOT NULL
      );
      CREATE INDEX known_users_seen_at ON yate_chat.known_users (seen_at);
    `,
  },
  {
    version: 2,
    description: 'presence: every live publication (device) of a user, not only the latest',
    sql: `
      -- One row per publication (RFC 3903: each device publishes under its own entity tag),
      -- written one by one by the node that answered its PUBLISH; seq orders a user's rows, the
      -- latest last. Presence is soft state (clients publish again before it expires): the old
      -- one-row-per-user table is dropped.
      DROP TABLE yate_chat.presence;
      CREATE SEQUENCE yate_chat.presence_seq;
      CREATE TABLE yate_chat.presence (
        username   bytea  NOT NULL,
        id         text   NOT NULL, -- stays across refreshes of one publication (PIDF tuple id)
        seq        bigint NOT NULL DEFAULT nextval('yate_chat.presence_seq'),
        basic      text   NOT NULL,
        note       bytea  NOT NULL, -- UTF-8
        at         bigint NOT NULL,
        expires_at bigint NOT NULL,
        etag       text   NOT NULL,
        PRIMARY KEY (username, id)
      );
    `,
  },
  {
    version: 3,
    description: 'subscriptions: presence subscriptions (SUBSCRIBE dialogs) of each node, kept across its restarts',
    sql: `
      -- As SQLite keeps them (sqlite/migrations.ts version 3), plus the node that holds each dialog
      -- (Yate's nodename): a node loads and purges only its own. seq keeps the order of first save.
      CREATE TABLE yate_chat.subscriptions (
        seq        bigint  GENERATED ALWAYS AS IDENTITY,
        owner      text    NOT NULL,
        id         bytea   NOT NULL,
        watcher    bytea   NOT NULL,
        presentity bytea   NOT NULL,
        event      bytea   NOT NULL,
        call_id    bytea   NOT NULL,
        local_tag  bytea   NOT NULL,
        remote_tag bytea   NOT NULL,
        local_uri  bytea   NOT NULL,
        remote_uri bytea   NOT NULL,
        target     bytea   NOT NULL,
        contact    bytea   NOT NULL,
        transport  bytea   NOT NULL, -- JSON object of byte strings, one byte per char
        cseq       bigint  NOT NULL,
        created_at bigint  NOT NULL, -- ms since the epoch
        expires_at bigint  NOT NULL, -- ms since the epoch
        PRIMARY KEY (owner, id)
      );
      CREATE INDEX subscriptions_owner_expires_at ON yate_chat.subscriptions (owner, expires_at);
    `,
  },
  {
    version: 4,
    description: 'messages.headers: the SIP headers a stored message carries to its recipient (Call-ID, Content-Encoding...); put() takes them',
    sql: `
      -- JSON object of byte strings, like params; NULL when none (and for every older row).
      ALTER TABLE yate_chat.messages ADD COLUMN headers bytea;
      -- put() as in version 1, with p_headers after p_params (a node of an older version calls
      -- the old signature until it is upgraded: it is dropped, so such a node gets STORE_FAILED
      -- rather than storing messages without their headers).
      DROP FUNCTION yate_chat.put(bytea, bytea, bytea, bytea, bytea, bytea, bytea, bigint, bigint, bigint, integer, bigint, integer, integer, text, text);
      CREATE FUNCTION yate_chat.put(
        p_recipient bytea, p_sender bytea, p_sender_uri bytea, p_content_type bytea, p_body_encoding bytea,
        p_body bytea, p_params bytea, p_headers bytea, p_received_at bigint, p_expires_at bigint,
        p_now bigint, p_quota integer, p_max bigint, p_lock_space integer, p_lock_key integer, p_channel text, p_note text,
        OUT id bigint, OUT dropped bigint) LANGUAGE plpgsql AS $$
        DECLARE k bigint;
        BEGIN
${PUT_MAKES_ROOM}          INSERT INTO yate_chat.messages (recipient, sender, sender_uri, content_type, body_encoding, body, params, headers, received_at, expires_at)
            VALUES (p_recipient, p_sender, p_sender_uri, p_content_type, p_body_encoding, p_body, p_params, p_headers, p_received_at, p_expires_at)
            RETURNING messages.id INTO id;
          PERFORM pg_notify(p_channel, p_note);
        END $$;
    `,
  },
  {
    version: 5,
    description: 'chat_groups and group_members: groups made at run time, shared by every node; history: the conversation history',
    sql: `
      -- As SQLite keeps them (sqlite/migrations.ts version 5). A change takes the groups' advisory
      -- lock (groups/postgres.ts), so that two nodes cannot pass groupPolicy's bounds together,
      -- and tells every node with a notification (kind g) at its commit.
      CREATE TABLE yate_chat.chat_groups (
        name       bytea  PRIMARY KEY,
        writers    text   NOT NULL, -- "members" or "anyone"
        created_at bigint NOT NULL  -- ms since the epoch
      );
      CREATE TABLE yate_chat.group_members (
        seq        bigint GENERATED ALWAYS AS IDENTITY, -- the order members were added in
        group_name bytea  NOT NULL REFERENCES yate_chat.chat_groups (name) ON DELETE CASCADE,
        member     bytea  NOT NULL,
        PRIMARY KEY (group_name, member)
      );
      CREATE INDEX group_members_member ON yate_chat.group_members (member);

      -- Every MESSAGE routed by any node, with history.enabled; read by user, newest first.
      CREATE TABLE yate_chat.history (
        id            bigint  GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        at            bigint  NOT NULL, -- ms since the epoch
        sender        bytea   NOT NULL,
        recipient     bytea   NOT NULL,
        via_group     boolean NOT NULL, -- recipient is a group
        content_type  bytea   NOT NULL,
        body_encoding bytea   NOT NULL,
        body          bytea   NOT NULL,
        outcome       integer NOT NULL  -- the SIP code the sender got; 0: handed to ysipchan
      );
      CREATE INDEX history_sender ON yate_chat.history (sender, at, id);
      CREATE INDEX history_recipient ON yate_chat.history (recipient, at, id);
      CREATE INDEX history_at ON yate_chat.history (at);
    `,
  },
  {
    version: 6,
    description: 'copies: which devices of the recipient are owed a message, or done with it; messages.late_until',
    sql: `
      -- As SQLite keeps them (sqlite/migrations.ts version 6). late_until: 0 until a device takes
      -- the message, then until when (ms) the recipient's devices that never had it get it too.
      ALTER TABLE yate_chat.messages ADD COLUMN late_until bigint NOT NULL DEFAULT 0;
      -- One row per device the message concerns: state 0 owed, 1 done (took it, or refused it
      -- for good). Every node reads them: a device gets each message once, whichever node it
      -- registers on.
      CREATE TABLE yate_chat.copies (
        message_id bigint   NOT NULL REFERENCES yate_chat.messages (id) ON DELETE CASCADE,
        device     bytea    NOT NULL,
        state      smallint NOT NULL CHECK (state IN (0, 1)),
        PRIMARY KEY (message_id, device)
      );
    `,
  },
];

function newerError(where: string, found: number, known: number): YateChatError {
  return new YateChatError(
    'STORE_FAILED',
    `store ${where}: schema version ${found} is newer than this yate-chat knows (${known}); upgrade yate-chat, or point the store at another database`,
  );
}

/** Brings the database to the last version in one transaction on `db` (one connection);
 *  resolves with what it did. */
export async function migratePg(db: Queryable, where: string, migrations: readonly PgMigration[] = PG_MIGRATIONS): Promise<{ from: number; to: number }> {
  migrations.forEach((m, i) => {
    if (m.version !== i + 1) throw new Error(`migration list out of order: entry ${i} has version ${m.version}`);
  });
  const known = migrations.length;
  await db.query('BEGIN');
  try {
    await db.query('SELECT pg_advisory_xact_lock($1, 0)', [LOCK_SPACE]);
    await db.query('CREATE SCHEMA IF NOT EXISTS yate_chat');
    await db.query('CREATE TABLE IF NOT EXISTS yate_chat.schema_version (version integer NOT NULL)');
    const { rows } = await db.query<{ version: number }>('SELECT version FROM yate_chat.schema_version');
    const from = rows[0]?.version ?? 0;
    if (from > known) throw newerError(where, from, known);
    for (const m of migrations.slice(from)) await db.query(m.sql);
    if (rows.length) await db.query('UPDATE yate_chat.schema_version SET version = $1', [known]);
    else await db.query('INSERT INTO yate_chat.schema_version (version) VALUES ($1)', [known]);
    await db.query('COMMIT');
    return { from, to: known };
  } catch (err) {
    await db.query('ROLLBACK').catch(() => {});
    throw err;
  }
}
