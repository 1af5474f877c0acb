// A message whose put resolved (the moment yate-chat answers 202) survives SIGKILL of the
// process at any instant. The child prints each id only after its put resolved; the test kills
// it mid-loop, several times on the same file, then checks every printed id is stored.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { openSqliteStore, type StoredMessage } from '../src/store/index.js';
import { CRASH_RECIPIENTS, crashBody, crashRecipient } from './fixtures/store-crash-shared.js';

const CHILD = fileURLToPath(new URL('./fixtures/store-crash-child.js', import.meta.url));

/** Runs the child until it has printed `killAfter` ids, SIGKILLs it, returns every complete line. */
function runAndKill(dbPath: string, firstSeq: number, killAfter: number): Promise<Array<{ seq: number; id: number }>> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CHILD, dbPath, String(firstSeq)], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    let killed = false;
    const lines = () => out.split('\n').slice(0, -1).filter((l) => l !== 'ready');
    child.stdout.setEncoding('latin1').on('data', (chunk: string) => {
      out += chunk;
      if (!killed && lines().length >= killAfter) {
        killed = true;
        child.kill('SIGKILL');
      }
    });
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => void (err += chunk));
    child.on('error', reject);
    child.on('close', (code, signal) => {
      if (signal !== 'SIGKILL') return reject(new Error(`child ended by itself (code ${code}): ${err}`));
      resolve(lines().map((l) => {
        const [seq, id] = l.split(' ').map(Number);
        return { seq: seq!, id: id! };
      }));
    });
  });
}

test('every message whose put resolved survives SIGKILL, and no id is stored twice', async (t) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'yate-chat-crash-'));
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  const dbPath = path.join(dir, 'store.db');

  const printed: Array<{ seq: number; id: number }> = [];
  const rounds = [1, 37, 150];
  for (const [round, killAfter] of rounds.entries()) {
    printed.push(...(await runAndKill(dbPath, round * 1_000_000, killAfter)));
  }

  const store = await openSqliteStore({ path: dbPath });
  t.after(() => store.close());
  const stored: StoredMessage[] = [];
  for (const r of CRASH_RECIPIENTS) stored.push(...(await store.pending(r)));
  const byId = new Map(stored.map((m) => [m.id, m]));

  assert.equal(new Set(printed.map((p) => p.id)).size, printed.length, 'a printed id appears twice');
  assert.equal(byId.size, stored.length, 'a stored id appears twice');
  const lost = printed.filter((p) => {
    const m = byId.get(p.id);
    return !m || m.recipient !== crashRecipient(p.seq) || m.body !== crashBody(p.seq);
  });
  assert.deepEqual(lost, [], 'messages whose put resolved are missing or damaged');
  // Besides those, at most the one put per kill that committed but was not printed yet; and
  // every stored row is a whole message.
  assert.ok(stored.length - printed.length <= rounds.length, `${stored.length - printed.length} unexpected rows`);
  for (const m of stored) {
    const seq = Number(/^message (\d+):/.exec(m.body)?.[1]);
    assert.equal(m.body, crashBody(seq));
  }
  await store.close();
  const raw = new Database(dbPath, { readonly: true });
  t.after(() => raw.close());
  assert.equal(raw.pragma('integrity_check', { simple: true }), 'ok');
});
