// On a real Yate: the module SIGKILLed under a steady stream of MESSAGEs (half to a registered
// user, half to a defined user who is offline), Yate starting it again (the module sets
// `restart`). No acknowledged message is lost: every MESSAGE its sender got 200 for was
// received, every 202 is received once the offline user registers, and nothing arrives twice.
// (Before MESSAGEs for registered users were handed to ysipchan in place, the native path
// delivered one twice in most runs: the module had sent its xsip.generate, Yate released the
// msg.execute it held at the kill, and ysipchan's own msg.execute relay sent it again.)
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { SipPath } from './configs.js';
import { BANNER_STDIO, withYate } from './engine.js';
import type { Ua } from './sip-ua.js';
import { needsYate, registeredUa, sleep, uaFor, until, yateInstall } from './suite.js';

const PATHS: SipPath[] = ['generic', 'native'];
const SENDERS = 4;
/** Acknowledged (200/202) MESSAGEs before the kill, and again after the restart. */
const ACKED_EACH_SIDE = 60;

const isAck = (code: number): boolean => code === 200 || code === 202;

// inPlace: MESSAGEs for registered users handed to ysipchan in the sender's dispatch (the
// default), or delivered by the module itself (`delivery.inPlace: false`).
for (const sipPath of PATHS) for (const inPlace of [true, false]) {
  test(`${sipPath} path${inPlace ? '' : ', module delivering itself'}: a module SIGKILLed under load and restarted by Yate loses no acknowledged MESSAGE and delivers none twice`, needsYate, async (t) => {
    await withYate(yateInstall(), { sipPath, rules: { offline: { quotaPerRecipient: 100000 }, delivery: { inPlace } } }, async (yate) => {
      const bob = await registeredUa(t, yate, '234');
      const carol = await uaFor(t, yate, '555'); // in regfile.conf, not registered: offline
      const senders: Ua[] = [];
      for (let i = 0; i < SENDERS; i++) senders.push(await uaFor(t, yate, '123'));
      const firstPid = await yate.modulePid();
      assert.ok(firstPid, 'external info shows the module\'s pid');

      const sent = new Map<string, { to: string; code: number; start: number; end: number }>();
      let next = 0;
      let stopping = false;
      const acked = (): number => [...sent.values()].filter((s) => isAck(s.code)).length;
      const worker = async (ua: Ua): Promise<void> => {
        while (!stopping) {
          const i = next++;
          const to = i % 2 === 0 ? '234' : '555';
          const body = `load #${i} for ${to}: 100% = sure\r\n`;
          const start = Date.now();
          let code = 0; // no final answer at all
          try {
            code = (await ua.message(to, body, { timeoutMs: 40000 })).code;
          } catch {
            // counted as 0
          }
          sent.set(body, { to, code, start, end: Date.now() });
          if (!isAck(code)) await sleep(20); // while the module is down, do not spin
        }
      };
      const workers = senders.map(worker);

      await until('acknowledged messages before the kill', () => acked() >= ACKED_EACH_SIDE, 60000);
      const mark = yate.log().length;
      const killedAt = Date.now();
      process.kill(firstPid, 'SIGKILL');
      const ackedAtKill = acked();
      await yate.waitForLog(BANNER_STDIO, 30000, mark);
      const secondPid = await yate.modulePid();
      assert.ok(secondPid && secondPid !== firstPid, `Yate started the module again (pid ${firstPid} -> ${secondPid})`);
      await until('acknowledged messages after the restart', () => acked() >= ackedAtKill + ACKED_EACH_SIDE, 60000);
      stopping = true;
      await Promise.all(workers);

      const histogram: Record<string, number> = {};
      for (const s of sent.values()) histogram[`${s.to}:${s.code}`] = (histogram[`${s.to}:${s.code}`] ?? 0) + 1;
      t.diagnostic(`sender codes (recipient:code -> count): ${JSON.stringify(histogram)}`);
      const odd = [...sent].filter(([, s]) => s.code !== (s.to === '234' ? 200 : 202) && s.code !== 405);
      if (odd.length) t.diagnostic(`other answers (ms relative to the kill): ${JSON.stringify(odd.map(([b, s]) => [b.trim(), s.code, s.start - killedAt, s.end - killedAt]))}`);
      assert.match(yate.log().slice(mark), /Restarting external/, 'Yate logged the restart');

      // Everything stored goes out when 555 registers.
      assert.equal((await carol.register()).code, 200);
      await until('the offline queue to drain', async () => /no stored messages/.test(await yate.rmanager('chat queue')), 60000);
      await sleep(500); // Yate -> UA datagrams still on their way

      const got = new Map<string, string[]>([['234', bob.received.filter((r) => r.method === 'MESSAGE').map((r) => r.body.toString('utf8'))],
        ['555', carol.received.filter((r) => r.method === 'MESSAGE').map((r) => r.body.toString('utf8'))]]);
      const lost = [...sent].filter(([b, s]) => isAck(s.code) && !got.get(s.to)!.includes(b)).map(([b, s]) => `${s.code} ${JSON.stringify(b)}`);
      assert.deepEqual(lost, [], 'acknowledged but never received');
      assert.ok([...sent.values()].some((s) => s.code === 202), 'some messages were stored');
      const twice: string[] = [];
      for (const [user, bodies] of got) {
        assert.deepEqual(bodies.filter((b) => sent.get(b)?.to !== user), [], `${user} received messages nobody sent it`);
        twice.push(...bodies.filter((b, i) => bodies.indexOf(b) !== i));
      }
      t.diagnostic(`received twice: ${JSON.stringify(twice.map((b) => ({ body: b, ...sent.get(b), killedAt })))}`);
      assert.deepEqual(twice, [], 'received twice');
    });
  });
}
