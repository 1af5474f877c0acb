// Real softphones in a group on a real Yate (issue 23): Linphone 123 writes to `team`; Linphone 234
// and baresip 555 show the copy from the group with the writer's name in the text; Linphone's
// receipt to the group goes no further; a reply from a member goes to the group, and the writer
// reads it from the group too. Both SIP paths; skipped with one line when a client is missing.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { SipPath } from './configs.js';
import { withYate } from './engine.js';
import { needs, phonesOn, versions } from './phones.js';
import { yateInstall } from './suite.js';

const PATHS: readonly SipPath[] = ['generic', 'native'];

for (const sipPath of PATHS) {
  test(`${sipPath} path: Linphone and baresip in a group: each shows the copy from team with the writer's name, a reply to team reaches the writer from team, receipts stop at the group`, needs('linphone', 'baresip'), async (t) => {
    t.diagnostic(versions());
    await withYate(yateInstall(), { sipPath, rules: { groups: { team: ['123', '234', '555'] } } }, async (y) => {
      const phones = phonesOn(t, y);
      try {
        const a = await phones.linphone('123');
        const b = await phones.linphone('234');
        const c = await phones.baresip('555', { contacts: [{ user: 'team' }] });
        await Promise.all([a.registered(), b.registered(), c.registered()]);
        const mark = a.log().length;
        a.chat('team', 'hello team');
        const shown = await b.waitOutput(/Message received from (.*): 123: hello team/);
        t.diagnostic(`Linphone 234 printed: ${shown[0]}`);
        assert.match(shown[1]!, /sip:team@127\.0\.0\.1/);
        const onBaresip = await c.waitOutput(/[^\r\n]*123: hello team[^\r\n]*/);
        t.diagnostic(`baresip 555 printed: ${JSON.stringify(onBaresip[0])}`);
        assert.match(onBaresip[0], /sip:team@127\.0\.0\.1/);
        await a.waitLog(/moving from InProgress to Delivered/, 60000, mark);
        // Linphone 234 answers its copy with a receipt, to the group it came from: it goes no further.
        await y.waitForLog(/MESSAGE 234 -> team \[message\/imdn\+xml.*=> 200 a message\/imdn\+xml for group team goes no further/, 30000);

        b.chat('team', 'answer from 234');
        const back = await a.waitOutput(/Message received from (.*): 234: answer from 234/);
        assert.match(back[1]!, /sip:team@127\.0\.0\.1/);
        await c.waitOutput(/234: answer from 234/);
        assert.doesNotMatch(a.log() + b.log(), /IMDN parsing exception/);
      } finally {
        await phones.quitAll();
      }
    });
  });
}
