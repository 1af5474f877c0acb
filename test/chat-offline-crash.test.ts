// The store under stress: the module SIGKILLed while senders are being told 202 loses none of
// those messages and delivers each exactly once after a restart; a corrupt store file never
// turns into a false 202, and chat to online users keeps working.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { startLab, type Lab } from '../src/demo/lab.js';
import { openSqliteStore } from '../src/store/index.js';
import { command, contact, delivered, PATHS, queueEmpty, send, until, withLab } from './fixtures/chat-lab.js';

function tempDir(t: { after(fn: () => void): void }): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'yate-chat-crash-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

const sqliteRules = (db: string) => ({ rateLimit: false, offline: { store: { kind: 'sqlite', path: db }, quotaPerRecipient: 100000 } });

/** Keep `inFlight` MESSAGEs for offline 555 going (both paths in turn) until `killAfter` got 202;
 *  then SIGKILL the module. Resolves with every body sent and the code its sender got. */
async function floodAndKill(lab: Lab, killAfter: number, inFlight = 12): Promise<Map<string, number>> {
  const codes = new Map<string, number>();
  let accepted = 0;
  let killed = false;
  let next = 0;
  const pid = lab.link.pid;
  assert.ok(pid, 'the module runs as a process');
  const worker = async (): Promise<void> => {
    while (!killed && next < 5000) {
      const i = next++;
      const body = `crash #${i}: 100% = done\r\n`;
      const code = await send(lab, PATHS[i % 2]!, { called: '555', body });
      codes.set(body, code);
      if (code === 202 && ++accepted === killAfter) {
        killed = true;
        process.kill(pid, 'SIGKILL');
      }
    }
  };
  await Promise.all(Array.from({ length: inFlight }, worker));
  await until('the killed module to be gone', () => lab.link.dead);
  return codes;
}

test('after SIGKILL mid-flood every message whose sender got 202 is in the store once, and a restarted module delivers each exactly once', async (t) => {
  const dir = tempDir(t);
  const db = path.join(dir, 'chat.db');

  const lab = await startLab({ rules: sqliteRules(db) });
  let codes: Map<string, number>;
  try {
    codes = await floodAndKill(lab, 80);
    // The only messages without an answer are the ones in flight at the kill (released by Yate).
    const statuses = [...lab.link.ledger.sent.values()].map((r) => r.status);
    assert.deepEqual(statuses.filter((s) => s !== 'answered' && s !== 'released'), []);
  } finally {
    await lab.close();
  }
  const accepted = [...codes].filter(([, c]) => c === 202).map(([b]) => b);
  // Answers already in the pipe when the kill landed still count: at least the 80 seen before it.
  assert.ok(accepted.length >= 80, `${accepted.length} accepted`);
  // The sender never got 202 for a message it was refused or cut off on.
  for (const [body, code] of codes) assert.ok(code === 202 || code === 405, `${JSON.stringify(body)} got ${code}`);

  const store = await openSqliteStore({ path: db });
  const stored = (await store.pending('555', 1_000_000)).map((m) => m.body);
  await store.close();
  assert.equal(new Set(stored).size, stored.length, 'a message is stored twice');
  assert.deepEqual(accepted.filter((b) => !stored.includes(b)), [], 'messages answered 202 are missing from the store');
  // Beyond the 202s, only messages whose commit beat the kill but whose answer did not.
  assert.deepEqual(stored.filter((b) => !codes.has(b)), []);

  await withLab({ rules: sqliteRules(db) }, async (lab2) => {
    assert.match(await command(lab2, 'chat queue'), new RegExp(`^555: ${stored.length} waiting`));
    await lab2.register('555', 5075);
    const sent = await delivered(lab2, contact('555', 5075), stored.length);
    await queueEmpty(lab2);
    const bodies = sent.map((r) => r.body);
    assert.deepEqual(bodies, stored, 'delivered once each, in storage order');
    assert.ok(sent.every((r) => r.code === 200));
    await command(lab2, 'chat stats');
    assert.equal(lab2.sip.sent.length, stored.length, 'nothing delivered twice');
  });
});

test('a corrupt store file does not stop the module: offline users get 500 (never 202) and online delivery works', async (t) => {
  const dir = tempDir(t);
  const db = path.join(dir, 'chat.db');
  const garbage = Buffer.from(Array.from({ length: 8192 }, (_, i) => (i * 37 + 11) % 256));
  writeFileSync(db, garbage);
  await withLab({ rules: sqliteRules(db) }, async (lab) => {
    await lab.emu.log.waitForLog(/offline store unavailable, messages for offline users will get 500/);
    for (const path of PATHS) {
      assert.equal(await send(lab, path, { called: '555', body: `offline ${path}` }), 500, path);
    }
    // ysipchan cannot send to this contact: storing would be the answer, and storing fails -> 500.
    await lab.sip.receiveRegister({ user: '234', contact: 'sip:234@phone.invalid:5070' });
    for (const path of PATHS) assert.equal(await send(lab, path, { body: 'no transport' }), 500, path);
    await lab.register('234', 5070);
    for (const path of PATHS) assert.equal(await send(lab, path, { body: `online ${path}` }), 200, path);
    assert.deepEqual(lab.sip.sent.filter((r) => r.code === 200).map((r) => r.body), ['online generic', 'online native']);
    assert.match(await command(lab, 'chat queue'), /^store error: /);
  });
  assert.ok(readFileSync(db).equals(garbage), 'the corrupt file is left as it was for the admin to inspect');
});
