// Groups, end to end: the REAL module on the engine emulator (regfile, lateroute, ysipchan). A
// MESSAGE to a group reaches every other member (registered: at once; offline: kept, then
// delivered when they register), each copy from the group with its writer shown; the writer hears
// 200 or 202; a non-member 403; #members, #leave and #help are answered by the group; run-time
// groups made with rmanager behave the same and survive a restart on SQLite.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { startLab } from '../src/demo/lab.js';
import { copyOf, cpimFrom } from '../src/chat/groups/copy.js';
import { summary } from '../src/chat/groups/post.js';
import { bytes, command, contact, delivered, header, PATHS, rules, send, sentTo, until, withLab } from './fixtures/chat-lab.js';

const TEAM = { groups: { team: ['123', '234', '345'] } };
const users = ['123', '234', '345', '555'];
const text = (body: string | null | undefined) => Buffer.from(body ?? '', 'latin1').toString('utf8');

test('a copy is from the group with its writer in the display name, its text starts with the writer, and it drops the writer\'s Call-ID', () => {
  const out = { sender: '123', domain: 'example.org', called: 'team', type: 'text/plain;charset=utf-8', body: 'hello', encoding: '', antiloop: 19, headers: { 'Call-ID': 'abc@x', 'Content-Language': 'en' } };
  assert.deepEqual(copyOf(out, 'team', '234', { prefix: true }), {
    sender: 'team', senderName: '123 via team', domain: 'example.org', called: '234', type: 'text/plain;charset=utf-8',
    body: '123: hello', encoding: '', antiloop: 18, headers: { 'Content-Language': 'en' },
  });
  assert.equal(copyOf(out, 'team', '234', { prefix: false }).body, 'hello', 'groupPolicy.prefix false');
  assert.equal(copyOf({ ...out, type: 'application/json', body: '{}' }, 'team', '234', { prefix: true }).body, '{}', 'only text/plain is written into');
  assert.equal(copyOf({ ...out, headers: { 'Content-Encoding': 'deflate' } }, 'team', '234', { prefix: true }).body, 'hello', 'an encoded body is left as it is');
});

test('a message/cpim copy names its writer in the CPIM From, whatever the writer\'s client wrote there, base64 or not', () => {
  const cpim = 'From: Someone Else <im:boss@example.org>\r\nTo: <sip:team@example.org>\r\n\r\nContent-type: text/plain\r\n\r\nhi';
  assert.equal(cpimFrom(cpim, '123', 'example.org'), 'From: "123" <sip:123@example.org>\r\nTo: <sip:team@example.org>\r\n\r\nContent-type: text/plain\r\n\r\nhi');
  assert.equal(cpimFrom('To: <sip:team@h>\n\nbody', 'a"b', 'h'), 'From: "a\\"b" <sip:a%22b@h>\nTo: <sip:team@h>\n\nbody', 'none there: one is put first');
  assert.equal(cpimFrom('no headers at all', '123', 'h'), 'no headers at all');
  const b64 = Buffer.from(cpim, 'latin1').toString('base64');
  const copy = copyOf({ sender: '123', domain: 'example.org', called: 'team', type: 'message/cpim', body: b64, encoding: 'base64', antiloop: 19 }, 'team', '234', { prefix: true });
  assert.match(Buffer.from(copy.body, 'base64').toString('latin1'), /^From: "123" <sip:123@example\.org>\r\nTo:/);
});

test('the writer hears 200 when every copy went out now, 202 when some are kept or some could not be sent, the best code when none went anywhere', () => {
  assert.equal(summary('team', ['234', '345'], [200, 200]).code, 200);
  assert.deepEqual(summary('team', ['234', '345'], [200, 202]), { code: 202, detail: 'to group team: 1 delivered, 1 kept for later' });
  assert.deepEqual(summary('team', ['234', '345'], [200, 486]), { code: 202, detail: 'to group team: 1 delivered, none for 345 (486)' });
  assert.deepEqual(summary('team', ['234', '345'], [404, 486]), { code: 404, detail: 'to group team: 0 delivered, none for 234 (404), 345 (486)' }, 'the lowest 4xx, as for a user\'s devices');
  assert.equal(summary('team', ['234', '345'], [486, 603]).code, 603);
});

for (const path of PATHS) {
  test(`${path} path: a MESSAGE to the group reaches the registered member at once from the group, is kept for the offline one and delivered when they register; the writer gets 202 and no copy`, async () => {
    await withLab({ rules: rules(TEAM), users }, async (lab) => {
      await lab.register('123', 5071);
      await lab.register('234', 5072);
      assert.equal(await send(lab, path, { called: 'team', body: bytes('héllo team'), contentType: 'text/plain;charset=utf-8' }), 202);
      const [copy] = await delivered(lab, contact('234', 5072), 1);
      assert.equal(header(copy!, 'From'), '"123 via team" <sip:team@127.0.0.1>');
      assert.equal(header(copy!, 'To'), '<sip:234@127.0.0.1>');
      assert.equal(text(copy!.body), '123: héllo team');
      assert.equal(sentTo(lab, contact('123', 5071)).length, 0, 'the writer gets no copy');
      assert.ok(text(await command(lab, 'chat queue 345')).includes('from team "123: héllo team"'), 'kept for 345 as its copy');
      assert.equal(await lab.register('345', 5073), 200);
      const [later] = await delivered(lab, contact('345', 5073), 1);
      assert.equal(header(later!, 'From'), '"123 via team" <sip:team@127.0.0.1>');
      assert.equal(text(later!.body), '123: héllo team');
      await lab.emu.log.waitForLog(/MESSAGE 123 -> team .*=> 202 to group team: 1 delivered, 1 kept for later/);
    });
  });
}

test('every member registered: 200, one copy each, and the copies\' To name each member', async () => {
  await withLab({ rules: rules(TEAM), users }, async (lab) => {
    for (const [u, port] of [['123', 5071], ['234', 5072], ['345', 5073]] as const) await lab.register(u, port);
    assert.equal(await send(lab, 'generic', { caller: '234', called: 'team', body: 'all here' }), 200);
    const [a] = await delivered(lab, contact('123', 5071), 1);
    const [b] = await delivered(lab, contact('345', 5073), 1);
    assert.deepEqual([header(a!, 'To'), header(b!, 'To')], ['<sip:123@127.0.0.1>', '<sip:345@127.0.0.1>']);
    assert.deepEqual([text(a!.body), text(b!.body)], ['234: all here', '234: all here']);
    assert.equal(sentTo(lab, contact('234', 5072)).length, 0);
  });
});

for (const path of PATHS) {
  test(`${path} path: a group copy reaches every device of a member`, async () => {
    await withLab({ rules: rules(TEAM), users }, async (lab) => {
      await lab.register('123', 5071);
      await lab.register('234', 5072);
      await lab.register('234', 5074);
      await lab.register('345', 5073);
      assert.equal(await send(lab, path, { called: 'team', body: 'to every device' }), 200);
      const copies = [...(await delivered(lab, contact('234', 5072), 1)), ...(await delivered(lab, contact('234', 5074), 1)), ...(await delivered(lab, contact('345', 5073), 1))];
      assert.deepEqual(copies.map((c) => [header(c, 'From'), text(c.body)]), Array(3).fill(['"123 via team" <sip:team@127.0.0.1>', '123: to every device']));
      assert.equal(sentTo(lab, contact('123', 5071)).length, 0, 'the writer gets no copy');
      assert.match(await command(lab, 'chat stats'), /\r\nforks: 1\r\n/, '234\'s copy went to its two devices (a fork), 345\'s to its one');
    });
  });
}

test('a non-member gets 403 and nobody a copy; a group anyone may write to takes their message', async () => {
  await withLab({ rules: rules({ groups: { team: ['234'], open: { members: ['234'], writers: 'anyone' } } }), users }, async (lab) => {
    await lab.register('234', 5072);
    for (const path of PATHS) assert.equal(await send(lab, path, { caller: '555', called: 'team' }), 403, path);
    await lab.emu.log.waitForLog(/MESSAGE 555 -> team .*=> 403 555 is not a member of group team/);
    assert.equal(sentTo(lab, contact('234', 5072)).length, 0);
    assert.equal(await send(lab, 'generic', { caller: '555', called: 'open', body: 'hi all' }), 200);
    const [copy] = await delivered(lab, contact('234', 5072), 1);
    assert.equal(text(copy!.body), '555: hi all');
  });
});

test('#members, #help and an unknown command are answered by the group to its writer only; #leave of a rules group says the admin decides', async () => {
  await withLab({ rules: rules(TEAM), users }, async (lab) => {
    await lab.register('123', 5071);
    await lab.register('234', 5072);
    for (const cmd of ['#members', ' #HELP ', '#dance', '#leave']) assert.equal(await send(lab, 'generic', { called: 'team', body: cmd }), 200, cmd);
    const answers = await delivered(lab, contact('123', 5071), 4);
    assert.deepEqual(answers.map((r) => header(r, 'From')), Array(4).fill('"team" <sip:team@127.0.0.1>'));
    assert.deepEqual(answers.map((r) => text(r.body)).sort(), [
      'commands of team: #members (who is in the group), #leave (leave it), #help (this list)',
      'team is a group of the rules file: only its admin can take you out',
      'team: 3 members: 123, 234, 345',
      'unknown command #dance; commands of team: #members (who is in the group), #leave (leave it), #help (this list)',
    ]);
    assert.equal(sentTo(lab, contact('234', 5072)).length, 0, 'a command goes to nobody else');
  });
});

test('a receipt or an is-typing indication sent to a group goes no further (200)', async () => {
  await withLab({ rules: rules(TEAM), users }, async (lab) => {
    await lab.register('234', 5072);
    assert.equal(await send(lab, 'generic', { called: 'team', type: 'message/imdn+xml', body: '<imdn/>' }), 200);
    assert.equal(await send(lab, 'native', { called: 'team', type: 'application/im-iscomposing+xml', body: '<isComposing/>' }), 200);
    assert.equal(sentTo(lab, contact('234', 5072)).length, 0);
  });
});

test('rmanager makes, changes and deletes a run-time group; #leave takes a member out of it; a rules group is read-only', async () => {
  await withLab({ rules: rules(TEAM), users }, async (lab) => {
    await lab.register('123', 5071);
    await lab.register('234', 5072);
    assert.match(await command(lab, 'chat group create crew 123 234'), /^created crew \(made \S+, members write\): 123, 234\r\n$/);
    assert.equal(await command(lab, 'chat group create crew 555'), 'crew is a group already\r\n');
    assert.equal(await command(lab, 'chat group create 234'), '234 is a user already\r\n');
    assert.equal(await command(lab, 'chat group create squad team'), 'team is a group: members are users (a group\'s copies are not sent on to another group) (usage: chat group [NAME | create NAME [anyone] [MEMBER...] | add NAME MEMBER... | remove NAME MEMBER... | delete NAME])\r\n');
    assert.match(await command(lab, 'chat group add crew 555'), /^crew \(made \S+, members write\): 123, 234, 555\r\n$/);
    assert.equal(await command(lab, 'chat group add team 555'), 'group team is defined in the rules file: change it there (and chat reload)\r\n');
    assert.match(await command(lab, 'chat group'), /^crew \(made .*\r\nteam \(rules file, members write\): 123, 234, 345\r\n$/);

    assert.equal(await send(lab, 'generic', { called: 'crew', body: 'to the crew' }), 202, '555 is kept');
    assert.equal(text((await delivered(lab, contact('234', 5072), 1))[0]!.body), '123: to the crew');
    assert.equal(await send(lab, 'generic', { caller: '234', called: 'crew', body: '#leave' }), 200);
    const [bye] = await delivered(lab, contact('234', 5072), 2).then((all) => all.slice(1));
    assert.equal(text(bye!.body), 'you left crew');
    assert.match(await command(lab, 'chat group crew'), /: 123, 555\r\n$/);
    assert.equal(await send(lab, 'generic', { caller: '234', called: 'crew' }), 403, 'no longer a member');
    assert.equal(await command(lab, 'chat group delete crew'), 'deleted group crew\r\n');
    assert.equal(await command(lab, 'chat group crew'), 'no group crew\r\n');
    assert.equal(await command(lab, 'chat group delete crew'), 'no group crew\r\n');
  });
});

test('a run-time group survives a module restart on SQLite', async () => {
  const first = await startLab({ rules: { rateLimit: false }, users });
  const file = `${first.dir}/yate-chat.db`;
  try {
    assert.match(await command(first, 'chat group create crew 123 234'), /^created crew/);
  } finally {
    await first.emu.close();
  }
  await withLab({ rules: { offline: { store: { kind: 'sqlite', path: file } } }, users }, async (lab) => {
    await lab.register('234', 5072);
    assert.match(await command(lab, 'chat group crew'), /^crew \(made \S+, members write\): 123, 234\r\n$/);
    assert.equal(await send(lab, 'generic', { called: 'crew', body: 'still here' }), 200);
    assert.equal(text((await delivered(lab, contact('234', 5072), 1))[0]!.body), '123: still here');
  });
  await first.close();
});

test('status counts the groups, the messages posted to them and their copies', async () => {
  await withLab({ rules: rules(TEAM), users }, async (lab) => {
    await lab.register('234', 5072);
    await send(lab, 'generic', { called: 'team' });
    const status = await until('the copies counted', async () => {
      const s = await lab.emu.rmanager.status('yate-chat');
      return /group_copies=2/.test(s) ? s : '';
    });
    assert.match(status, /,groups=1,group_messages=1,group_copies=2,history=off/);
  });
});
