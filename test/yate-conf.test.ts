// The shipped samples agree with each other and with the README's main route (issue 22: the
// active [scripts] line named /opt while the README installs with npm install -g, and the socket
// path differed between the README and extmodule.conf).
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { HELP } from '../src/cli/help.js';
import { parseUnit, unitExecStart } from './fixtures/systemd-unit.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const read = (p: string) => readFileSync(path.join(ROOT, p), 'utf8');
const UNIT = read('yate-conf/yate-chat.service');
const EXTMODULE = read('yate-conf/extmodule.conf');
/** The main route: `npm install -g`, whose command is $(npm prefix -g)/bin/yate-chat. */
const COMMAND = '/usr/local/bin/yate-chat';
const RULES = '/etc/yate/yate-chat.json';

/** Lines of `section` in an ini file: `key=value` as written (commented ones when asked). */
function iniLines(text: string, section: string, commented = false): string[] {
  const out: string[] = [];
  let inside = false;
  for (const raw of text.split('\n')) {
    const line = commented ? raw.replace(/^;/, '') : raw;
    if (/^\[.+\]$/.test(line.trim())) inside = line.trim() === `[${section}]`;
    else if (inside && /^[^;\s][^=]*=/.test(line)) out.push(line.trim());
  }
  return out;
}

test('extmodule.conf\'s one active [scripts] line runs the command npm install -g makes, on the sample rules', () => {
  assert.deepEqual(iniLines(EXTMODULE, 'scripts'), [`${COMMAND}=${RULES}`]);
});

test('the systemd unit runs that command in socket mode on the unix listener extmodule.conf offers, as a user, restarted on failure, with an environment file', () => {
  const unit = parseUnit(UNIT);
  const service = unit.get('Service')!;
  const listenerPath = iniLines(EXTMODULE, 'listener chat', true).find((l) => l.startsWith('path='))!.slice('path='.length);
  assert.deepEqual(unitExecStart(UNIT), [COMMAND, '--connect', `unix:${listenerPath}`, RULES]);
  assert.deepEqual(service.get('Restart'), ['on-failure']);
  assert.deepEqual(service.get('RestartPreventExitStatus'), ['2 64'], 'a rules file it cannot use is not restarted for');
  assert.ok(service.get('User')?.[0], 'runs as a user of its own choosing, not root');
  assert.deepEqual(service.get('EnvironmentFile'), ['-/etc/yate/yate-chat.env']);
  assert.deepEqual(service.get('StateDirectory'), ['yate-chat'], 'systemd makes /var/lib/yate-chat for that user');
  assert.ok(unit.get('Install')?.get('WantedBy'));
});

test('the sample rules keep the store in the folder the unit makes, /var/lib/yate-chat', () => {
  const rules = JSON.parse(read('yate-conf/yate-chat.json')) as { offline: { store: { path: string } } };
  assert.equal(path.dirname(rules.offline.store.path), '/var/lib/yate-chat');
});

test('the environment file sample names only variables yate-chat help lists', () => {
  const names = [...read('yate-conf/yate-chat.env').matchAll(/^#?([A-Z][A-Z0-9_]+)=/gm)].map((m) => m[1]!);
  assert.ok(names.length >= 5, names.join(' '));
  for (const n of names) assert.match(HELP, new RegExp(`^  ${n} `, 'm'), n);
});

test('the README names the same [scripts] line and socket path, and the sample rules\' comment the command\'s full path', () => {
  const readme = read('README.md');
  assert.ok(readme.includes(`${COMMAND}=${RULES}`), 'the [scripts] line');
  const [, , socket] = unitExecStart(UNIT);
  assert.ok(readme.includes(`yate-chat --connect ${socket} ${RULES}`), `the socket-mode command with ${socket}`);
  assert.ok(!/--connect unix:\/(?!run\/yate\/yate-chat\.sock)/.test(readme), 'no other socket path');
  const sample = JSON.parse(read('yate-conf/yate-chat.json')) as { '//': string[] };
  assert.ok(sample['//'][0]!.includes(`[scripts] ${COMMAND}=${RULES}`), sample['//'][0]);
});
