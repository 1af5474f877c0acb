// What a /metrics scrape costs the module with a big offline store (issue 21, finding 4): the old
// read (recipients(): a GROUP BY over every row, synchronous with SQLite, the event loop stalled
// meanwhile) against the new one (summary(): the trigger-kept count and the first row by its
// key). A SQLite file filled with `messages` rows for as many recipients (one transaction, not a
// commit per row: the fill is not what is measured); median of 7 reads of each, interleaved.
// Returns the figures; prints nothing.
import Database from 'better-sqlite3';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { openSqliteStore } from '../src/store/index.js';
import { median } from './stats.js';

export interface MetricsReadResult {
  readonly messages: number;
  readonly scanMs: number;
  readonly summaryMs: number;
  /** scanMs / summaryMs. */
  readonly ratio: number;
}

export async function benchMetricsRead(opts: { messages?: number } = {}): Promise<MetricsReadResult> {
  const messages = opts.messages ?? 100_000;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'yate-chat-bench-metrics-'));
  const file = path.join(dir, 'store.db');
  try {
    await (await openSqliteStore({ path: file })).close(); // the schema
    const db = new Database(file);
    const insert = db.prepare('INSERT INTO messages (recipient, sender, sender_uri, content_type, body_encoding, body, params, received_at, expires_at) VALUES (?, ?, ?, ?, ?, ?, NULL, ?, ?)');
    const now = Date.now();
    db.transaction(() => {
      for (let i = 0; i < messages; i++) {
        insert.run(Buffer.from(`user${i}`), Buffer.from('123'), Buffer.from('sip:123@h'), Buffer.from('text/plain'), Buffer.alloc(0), Buffer.from(`message ${i}`), now + i, now + 86_400_000);
      }
    })();
    db.close();
    const store = await openSqliteStore({ path: file, maxMessages: messages + 1 });
    try {
      const scan: number[] = [];
      const summary: number[] = [];
      for (let run = 0; run < 7; run++) {
        let t0 = performance.now();
        const all = await store.recipients();
        scan.push(performance.now() - t0);
        t0 = performance.now();
        const s = await store.summary();
        summary.push(performance.now() - t0);
        if (all.length !== messages || s.count !== messages) throw new Error(`read ${all.length} recipients, ${s.count} messages of ${messages}`);
      }
      return { messages, scanMs: median(scan), summaryMs: median(summary), ratio: median(scan) / median(summary) };
    } finally {
      await store.close();
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
