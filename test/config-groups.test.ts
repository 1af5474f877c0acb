// The rules' groups, groupPolicy and history: what they accept, their defaults, and every check
// across fields that keeps a group's name an address of its own.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { reloadable } from '../src/config/index.js';
import { issuesOf, load } from './config-fixtures.js';

test('a group is a list of members or {members, writers}; writers default to groupPolicy.writers; duplicates go', () => {
  const c = load({ groups: { team: ['123', '234', '123'], news: { members: ['1'], writers: 'anyone' }, ops: { members: [] } }, groupPolicy: { writers: 'anyone' } });
  assert.deepEqual({ ...c.groups }, {
    team: { members: ['123', '234'], writers: 'anyone' },
    news: { members: ['1'], writers: 'anyone' },
    ops: { members: [], writers: 'anyone' },
  });
  assert.equal(Object.getPrototypeOf(c.groups), null, 'looked up with Object.hasOwn: a group called constructor is just a name');
  assert.deepEqual(c.groupPolicy, { maxMembers: 100, maxGroups: 1000, writers: 'anyone', prefix: true });
});

test('history is off unless enabled, kept 30 days unless retentionDays says otherwise', () => {
  assert.deepEqual(load({}).history, { enabled: false, retentionDays: 30 });
  assert.deepEqual(load({ history: { enabled: true, retentionDays: 7 } }).history, { enabled: true, retentionDays: 7 });
});

test('bad groups, policies and history fields are refused naming the field and what was expected', () => {
  assert.deepEqual(issuesOf({
    groups: { 'a b': ['1'], team: '123', crew: ['ok', 'not ok'], ops: { members: ['1'], writers: 'all', owner: '1' } },
    groupPolicy: { maxMembers: 0, maxGroups: -1, writers: 'nobody', prefix: 'yes' },
    history: { enabled: 'yes', retentionDays: 0, keep: 1 },
  }), [
    { field: 'groups["a b"]', message: 'expected a group name (a user name: no spaces, "@" or ":"), got "a b"' },
    { field: 'groups.team', message: 'expected a list of user names or {"members": [...], "writers"}, got "123"' },
    { field: 'groups.crew[1]', message: 'expected a user name (no spaces, "@" or ":"), got "not ok"' },
    { field: 'groups.ops.writers', message: 'expected "members" or "anyone", got "all"' },
    { field: 'groups.ops.owner', message: 'unknown field (expected one of "members", "writers"; comment fields start with "//")' },
    { field: 'groupPolicy.maxMembers', message: 'expected a positive integer up to 1000, got 0' },
    { field: 'groupPolicy.maxGroups', message: 'expected a whole number 0..100000, got -1' },
    { field: 'groupPolicy.writers', message: 'expected "members" or "anyone", got "nobody"' },
    { field: 'groupPolicy.prefix', message: 'expected true or false, got "yes"' },
    { field: 'history.enabled', message: 'expected true or false, got "yes"' },
    { field: 'history.retentionDays', message: 'expected a whole number of days 1..3650, got 0' },
    { field: 'history.keep', message: 'unknown field (expected one of "enabled", "retentionDays"; comment fields start with "//")' },
  ]);
});

test('a group name that is also an alias, a webhook address or a user is refused, with what takes it', () => {
  const issues = issuesOf({
    aliases: { support: '234' }, webhooks: { bot: 'http://127.0.0.1:9/hook' }, webhookSecret: 'webhook-secret-0123456789', users: ['alice'],
    groups: { support: ['1'], bot: ['1'], alice: ['1'] },
  });
  assert.deepEqual(issues, [
    { field: 'groups.support', message: 'expected a name that is not also an alias, a webhook address or a user, got "support" (aliases.support routes it elsewhere)' },
    { field: 'groups.bot', message: 'expected a name that is not also an alias, a webhook address or a user, got "bot" (webhooks.bot posts it to a URL)' },
    { field: 'groups.alice', message: 'expected a name that is not also an alias, a webhook address or a user, got "alice" (it is in users)' },
  ]);
});

test('a member that is a group, and a group larger than groupPolicy.maxMembers, are refused', () => {
  assert.deepEqual(issuesOf({ groups: { team: ['123', 'ops'], ops: { members: ['1', '2', '3'] } }, groupPolicy: { maxMembers: 2 } }), [
    { field: 'groups.team[1]', message: 'expected a user, got "ops", a group (a group\'s copies are not sent on to another group)' },
    { field: 'groups.ops.members', message: 'expected at most 2 members (groupPolicy.maxMembers), got 3' },
  ]);
});

test('chat reload applies groups, groupPolicy and retentionDays, and names history.enabled as needing a restart', () => {
  const running = load({ history: { enabled: false } });
  const next = load({ groups: { team: ['1', '2'] }, groupPolicy: { prefix: false }, history: { enabled: true, retentionDays: 9 } });
  const { config, restartNeeded } = reloadable(running, next);
  assert.deepEqual(restartNeeded, ['history.enabled']);
  assert.deepEqual(config.history, { enabled: false, retentionDays: 9 });
  assert.deepEqual(config.groups.team?.members, ['1', '2']);
  assert.equal(config.groupPolicy.prefix, false);
});
