// Store throughput: put N messages for U users into a fresh store (each put its own durable
// commit, as in production), then drain every user (pending + delivered one by one).
// SQLite (a fresh file) or PostgreSQL (a fresh database on the server the url names).
// Returns the figures; prints nothing.

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import pg from 'pg';
import { openPostgresStore, openSqliteStore, type MessageStore } from '../src/store/index.js';
import type { Progress } from './progress.js';

export interface StoreBenchOptions {
  readonly messages?: number;
  readonly users?: number;
  readonly bodyBytes?: number;
  /** A PostgreSQL database to fill (empty): the PostgreSQL store instead of a SQLite file. */
  readonly postgresUrl?: string;
  /** Told the puts, then the deliveries, done so far. */
  readonly progress?: { readonly put: Progress; readonly drain: Progress };
}

export interface StoreBenchResult {
  readonly messages: number;
  readonly users: number;
  readonly bodyBytes: number;
  /** put, awaited one after the other. */
  readonly storePerSec: number;
  /** pending(user) then delivered(id) for each message, user after user. */
  readonly drainPerSec: number;
  readonly storeMs: number;
  readonly drainMs: number;
  /** SQLite: database file plus WAL; PostgreSQL: the messages table with its indexes. Once everything was stored. */
  readonly fileBytes: number;
}

function sizeOf(file: string): number {
  return [file, `${file}-wal`].reduce((n, f) => n + (fs.existsSync(f) ? fs.statSync(f).size : 0), 0);
}

async function tableSize(url: string): Promise<number> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    return Number((await c.query("SELECT pg_total_relation_size('yate_chat.messages') AS n")).rows[0].n);
  } finally {
    await c.end();
  }
}

async function fill(store: MessageStore, messages: number, users: number, bodyBytes: number, size: () => Promise<number>, tell?: StoreBenchOptions['progress']): Promise<StoreBenchResult> {
  const filler = 'x\xe9\r\n'.repeat(Math.ceil(bodyBytes / 4));
  const user = (i: number) => `user${i % users}@example.org`;

  let t0 = performance.now();
  for (let i = 0; i < messages; i++) {
    const body = `${i}:`.concat(filler).slice(0, bodyBytes);
    await store.put({ recipient: user(i), sender: `sender${i % 97}`, senderUri: `sip:sender${i % 97}@example.org`, body, contentType: 'text/plain', params: { domain: 'example.org' } });
    tell?.put(i + 1);
  }
  const storeMs = performance.now() - t0;
  const fileBytes = await size();

  t0 = performance.now();
  let drained = 0;
  for (let u = 0; u < users; u++) {
    for (const m of await store.pending(user(u))) {
      await store.delivered(m.id);
      drained++;
    }
    tell?.drain(drained);
  }
  const drainMs = performance.now() - t0;
  if (drained !== messages) throw new Error(`drained ${drained} of ${messages} messages`);

  return {
    messages,
    users,
    bodyBytes,
    storePerSec: Math.round((messages / storeMs) * 1000),
    drainPerSec: Math.round((messages / drainMs) * 1000),
    storeMs: Math.round(storeMs),
    drainMs: Math.round(drainMs),
    fileBytes,
  };
}

export async function benchStore(opts: StoreBenchOptions = {}): Promise<StoreBenchResult> {
  const messages = opts.messages ?? 100_000;
  const users = opts.users ?? 1_000;
  const bodyBytes = opts.bodyBytes ?? 160;
  const limits = { quotaPerRecipient: Math.ceil(messages / users) + 1, maxMessages: messages + 1 };
  if (opts.postgresUrl) {
    const url = opts.postgresUrl;
    const store = await openPostgresStore({ url, ...limits });
    try {
      return await fill(store, messages, users, bodyBytes, () => tableSize(url), opts.progress);
    } finally {
      await store.close();
    }
  }
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'yate-chat-bench-store-'));
  const file = path.join(dir, 'store.db');
  try {
    const store = await openSqliteStore({ path: file, ...limits });
    try {
      return await fill(store, messages, users, bodyBytes, async () => sizeOf(file), opts.progress);
    } finally {
      await store.close();
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
