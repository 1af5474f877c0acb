// The HTTP face's group routes on the REAL module (engine emulator): make, read, change and delete
// a run-time group; every refusal is a status with {"error"}; a group made here takes messages.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { contact, delivered, send } from './fixtures/chat-lab.js';
import { TOKEN, withHttpLab } from './fixtures/http-lab.js';

interface GroupJson { name: string; members: string[]; writers: string; source: string; createdAt: string | null }

test('POST /v1/groups makes a group (201), GET reads it and every group, PUT and DELETE change its members, DELETE ends it', async () => {
  await withHttpLab({ groups: { team: ['123', '234'] } }, async (lab) => {
    const made = await lab.api('/v1/groups', { body: { name: 'crew', members: ['123', '234'], writers: 'anyone' } });
    assert.equal(made.status, 201);
    const g = (await made.json()) as GroupJson;
    assert.deepEqual({ ...g, createdAt: typeof g.createdAt }, { name: 'crew', members: ['123', '234'], writers: 'anyone', source: 'store', createdAt: 'string' });
    assert.deepEqual(((await (await lab.api('/v1/groups')).json()) as GroupJson[]).map((x) => [x.name, x.source, x.createdAt === null]), [['crew', 'store', false], ['team', 'rules', true]]);
    assert.deepEqual(((await (await lab.api('/v1/groups/crew/members/555', { method: 'PUT' })).json()) as GroupJson).members, ['123', '234', '555']);
    assert.deepEqual(((await (await lab.api('/v1/groups/crew/members/123', { method: 'DELETE' })).json()) as GroupJson).members, ['234', '555']);
    await lab.register('234', 5072);
    assert.equal(await send(lab, 'generic', { caller: '123', called: 'crew', body: 'anyone may write' }), 202, '555 kept');
    assert.equal(Buffer.from((await delivered(lab, contact('234', 5072), 1))[0]!.body!, 'latin1').toString(), '123: anyone may write');
    const metrics = await (await lab.api('/metrics', { token: null })).text();
    assert.match(metrics, /^yatechat_group_messages_total 1$/m);
    assert.match(metrics, /^yatechat_group_copies_total 2$/m);
    const gone = await lab.api('/v1/groups/crew', { method: 'DELETE' });
    assert.deepEqual([gone.status, await gone.json()], [200, { deleted: 'crew' }]);
    assert.equal((await lab.api('/v1/groups/crew')).status, 404);
  });
});

test('refusals: a bad body 400, a name taken or a rules group 409, no such group 404, over maxGroups 409, no token 401', async () => {
  await withHttpLab({ groups: { team: ['123'] }, aliases: { support: '234' }, groupPolicy: { maxGroups: 1, maxMembers: 2 } }, async (lab) => {
    const post = (body: unknown) => lab.api('/v1/groups', { body });
    const expect = async (res: Response, status: number, error: RegExp) => {
      const json = (await res.json()) as { error: string };
      assert.equal(res.status, status, json.error);
      assert.match(json.error, error);
    };
    await expect(await post({ name: 'a b' }), 400, /^name: expected a user name/);
    await expect(await post({ name: 'x', members: 'y' }), 400, /^members: expected an array of user names/);
    await expect(await post({ name: 'x', owner: 'y' }), 400, /unknown field "owner"/);
    await expect(await lab.api('/v1/groups', { raw: '{' }), 400, /expected a JSON body/);
    await expect(await fetch(`${lab.base}/v1/groups`, { method: 'POST', headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'text/plain' }, body: '{"name":"x"}' }), 415, /expected Content-Type: application\/json/);
    await expect(await post({ name: 'team' }), 409, /^team is a group already$/);
    await expect(await post({ name: 'support' }), 409, /^support is an alias already$/);
    await expect(await post({ name: 'x', members: ['1', '2', '3'] }), 409, /more than 2 \(groupPolicy\.maxMembers\)/);
    await expect(await post({ name: 'x', members: ['team'] }), 400, /team is a group: members are users/);
    assert.equal((await post({ name: 'crew' })).status, 201);
    await expect(await post({ name: 'other' }), 409, /holds 1 groups already \(groupPolicy\.maxGroups\)/);
    await expect(await lab.api('/v1/groups/team/members/9', { method: 'PUT' }), 409, /defined in the rules file/);
    await expect(await lab.api('/v1/groups/ghost/members/9', { method: 'PUT' }), 404, /^no group ghost$/);
    await expect(await lab.api('/v1/groups/ghost', { method: 'DELETE' }), 404, /^no group ghost$/);
    assert.equal((await lab.api('/v1/groups', { token: null })).status, 401);
  });
});
