// A PUBLISH's Expires is granted within presence.maxPublishExpires (issue 21, finding 6:
// `Expires: 4294967295` was kept, answered `Expires: Infinity`, and from then on GET
// /v1/presence answered 500 for everyone; PostgreSQL refused the save). The REAL module on the
// emulator, with its HTTP face.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Lab } from '../src/demo/lab.js';
import { withHttpLab } from './fixtures/http-lab.js';

const PIDF = '<?xml version="1.0"?><presence xmlns="urn:ietf:params:xml:ns:pidf" entity="sip:234@127.0.0.1"><tuple id="t"><status><basic>open</basic></status></tuple></presence>';

async function publish(lab: Lab, expires: string): Promise<{ code: number; expires: string | undefined }> {
  const code = await lab.sip.receivePublish({ caller: '234', called: '234', headers: [['event', 'presence'], ['expires', expires]], type: 'application/pidf+xml', body: PIDF });
  return { code, expires: lab.sip.incoming.at(-1)!.answerHeaders.find(([h]) => h === 'Expires')?.[1] };
}

for (const huge of ['4294967295', '99999999999999999999999', '1e400']) {
  test(`a PUBLISH with Expires: ${huge} is answered with an Expires within presence.maxPublishExpires, and GET /v1/presence stays 200`, async () => {
    await withHttpLab({ presence: { maxPublishExpires: 7200 } }, async (lab) => {
      const r = await publish(lab, huge);
      assert.equal(r.code, 200);
      assert.ok(Number(r.expires) > 0 && Number(r.expires) <= 7200, `Expires: ${r.expires}`);
      const all = await lab.api('/v1/presence');
      assert.equal(all.status, 200);
      const [p] = (await all.json()) as { user: string; expires: string }[];
      assert.equal(p!.user, '234');
      assert.ok(Date.parse(p!.expires) <= Date.now() + 7200_000 + 5000, p!.expires);
      assert.equal((await lab.api('/v1/presence/234')).status, 200);
    });
  });
}

test('without presence.maxPublishExpires a PUBLISH gets at most an hour (the default), and a shorter Expires is kept', async () => {
  await withHttpLab({}, async (lab) => {
    assert.deepEqual(await publish(lab, '4294967295'), { code: 200, expires: '3600' });
    assert.deepEqual(await publish(lab, '600'), { code: 200, expires: '600' });
  });
});
