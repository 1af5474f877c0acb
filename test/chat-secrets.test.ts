// A database password in the store's url (its user info, or `?password=` / `?sslpassword=` in
// its query, which node-postgres accepts) never reaches a person (issue 21, finding 10): not
// Yate's log (the ready banner, the "unreachable" line of each store), not `status yate-chat`,
// not `chat stats`. The REAL module on the emulator, its store on a port where nothing listens.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { command, rules, withLab } from './fixtures/chat-lab.js';

const URL_WITH_SECRETS = 'postgres://yate:userinfo-pw@127.0.0.1:1/chat?sslmode=disable&password=query-pw&sslpassword=key-pw&application_name=yc';
const SECRETS = /userinfo-pw|query-pw|key-pw/;

test('a password in the store url, in its user info or its query, is in neither the banner, the unreachable lines, status nor chat stats', async () => {
  await withLab({ rules: rules({ offline: { store: { kind: 'postgres', url: URL_WITH_SECRETS } } }) }, async (lab) => {
    const banner = await lab.emu.log.waitForLog(/yate-chat \S+ ready/);
    assert.match(banner.text, /store=postgres:\/\/yate@127\.0\.0\.1:1\/chat\?sslmode=disable&password=\*\*\*&sslpassword=\*\*\*&application_name=yc/);
    await lab.emu.log.waitForLog(/offline store postgres:\/\/\S+ unreachable/, 15000);
    await lab.emu.log.waitForLog(/subscription store .*postgres:\/\/\S+ .*ECONNREFUSED/, 15000);
    const status = await lab.emu.rmanager.status('yate-chat');
    assert.match(status, /store=postgres:\/\/yate@127\.0\.0\.1:1\/chat\?sslmode=disable&password=\*\*\*/);
    const stats = await command(lab, 'chat stats');
    for (const text of [status, stats, ...lab.emu.log.entries.map((e) => e.line)]) assert.doesNotMatch(text, SECRETS);
  });
});
