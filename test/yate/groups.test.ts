// On a real Yate (issue 23's "done when"): with rules {"groups": {"team": ["123", "234", "345"]},
// "history": {"enabled": true}, "http": ...}, a MESSAGE from 123 to `team` reaches 234 at once and
// 345 when it registers, each copy from `team` with 123 shown as its writer; 123 gets no copy; a
// command is answered by the group; after 123 -> 234 "one" and 234 -> 123 "two",
// GET /v1/history/234?with=123 answers 200 with both, in order. On both SIP paths.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { SipPath } from './configs.js';
import { DEFAULT_USERS, withYate, type RunningYate } from './engine.js';
import { header, uriOf } from './sip-wire.js';
import { needsYate, uaFor, until, yateInstall } from './suite.js';

const PATHS: SipPath[] = ['generic', 'native'];
const TOKEN = 'yate-suite-token-0123456789';
const RULES = { groups: { team: ['123', '234', '345'] }, history: { enabled: true }, http: { listen: '127.0.0.1:0', token: TOKEN } };

async function baseOf(yate: RunningYate): Promise<string> {
  const m = await yate.waitForLog(/yate-chat \S+ ready on stdio: .*, http=(\S+)/, 20000);
  return `http://${m[1]}`;
}

for (const sipPath of PATHS) {
  test(`${sipPath} path: a MESSAGE to team reaches 234 at once and 345 when it registers, from team with 123 as its writer, none to 123; the history of 234 with 123 reads back in order`, needsYate, async (t) => {
    await withYate(yateInstall(), { sipPath, users: { ...DEFAULT_USERS, '345': 'pw345' }, rules: RULES }, async (yate) => {
      const base = await baseOf(yate);
      const alice = await uaFor(t, yate, '123');
      const bob = await uaFor(t, yate, '234');
      const carol = await uaFor(t, yate, '345', { password: 'pw345' });
      assert.equal((await alice.register()).code, 200);
      assert.equal((await bob.register()).code, 200);

      const sent = await alice.message('team', 'hello team');
      assert.equal(sent.code, 202, '345 is not registered: its copy is kept');
      const copy = await bob.waitForRequest((r) => r.method === 'MESSAGE', 10000);
      assert.match(header(copy.headers, 'From') ?? '', /^"123 via team" <sip:team@127\.0\.0\.1>/);
      assert.equal(uriOf(header(copy.headers, 'To') ?? ''), 'sip:234@127.0.0.1');
      assert.equal(copy.body.toString('utf8'), '123: hello team');

      assert.equal((await carol.register()).code, 200);
      const later = await carol.waitForRequest((r) => r.method === 'MESSAGE', 15000);
      assert.match(header(later.headers, 'From') ?? '', /^"123 via team" <sip:team@127\.0\.0\.1>/);
      assert.equal(later.body.toString('utf8'), '123: hello team');
      assert.ok(header(later.headers, 'Date'), 'kept, it carries its Date');

      // A reply goes to the group: 234 writes to team, and 123 (and 345) get it from team.
      assert.equal((await bob.message('team', '#members')).code, 200);
      const members = await bob.waitForRequest((r) => r.method === 'MESSAGE' && r.body.toString().includes('members'), 10000);
      assert.deepEqual([uriOf(header(members.headers, 'From') ?? ''), members.body.toString('utf8')], ['sip:team@127.0.0.1', 'team: 3 members: 123, 234, 345']);
      await new Promise((r) => setTimeout(r, 300));
      assert.equal(alice.received.filter((r) => r.method === 'MESSAGE').length, 0, 'the writer and a command\'s bystanders get nothing');

      assert.equal((await alice.message('234', 'one')).code, 200);
      assert.equal((await bob.message('123', 'two')).code, 200);
      const res = await fetch(`${base}/v1/history/234?with=123`, { headers: { authorization: `Bearer ${TOKEN}` } });
      assert.equal(res.status, 200);
      const json = (await res.json()) as { messages: { from: string; to: string; body: string; outcome: number }[] };
      assert.deepEqual(json.messages.map((m) => [m.from, m.to, m.body]), [['123', '234', 'one'], ['234', '123', 'two']]);
      const team = (await (await fetch(`${base}/v1/history/345?with=team`, { headers: { authorization: `Bearer ${TOKEN}` } })).json()) as { messages: { from: string; body: string; outcome: number }[] };
      assert.deepEqual(team.messages.map((m) => [m.from, m.body, m.outcome]), [['123', 'hello team', 202]]);
      await until('status to count the copies', async () => /group_copies=2/.test(await yate.rmanager('status yate-chat')));
    });
  });
}
