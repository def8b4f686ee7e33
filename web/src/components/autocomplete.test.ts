import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { BotCommand, UserView } from '../api/types.js';
import { argHints, commandBeingTyped, completionAt } from './autocomplete.js';

const commands: BotCommand[] = [
  { name: 'ping', aliases: [], summary: 'Is the bot alive?', usage: ['ping'], examples: [] },
  {
    name: 'deploy',
    aliases: ['ship'],
    summary: 'Deploy an app',
    usage: ['deploy <app>[/<ref>] to <env>'],
    examples: [],
  },
  {
    name: 'restart',
    aliases: [],
    summary: 'Restart a service',
    usage: ['restart <service>'],
    examples: [],
    args: [{ name: 'service', type: 'enum', values: ['api', 'web'], required: true }],
  },
];
const user = (username: string, displayName = username): UserView => ({
  id: `u_${username}`,
  username,
  displayName,
  roles: ['member'],
  hasPassword: true,
  createdAt: '2026-01-01T00:00:00Z',
  disabled: false,
});
const users = [user('alice', 'Alice Lindqvist'), user('bob'), { ...user('old'), disabled: true }];

test('a leading slash lists commands by name and alias, with usage', () => {
  const c = completionAt('/p', 2, commands, users);
  assert.equal(c?.kind, 'command');
  assert.deepEqual(
    c?.items.map((i) => i.insert),
    ['/ping '],
  );
  assert.equal(c?.items[0]?.hint, 'ping');
  assert.deepEqual(
    completionAt('/sh', 3, commands, users)?.items.map((i) => i.label),
    ['/deploy'],
  );
  assert.equal(completionAt('/', 1, commands, users)?.items.length, 3);
});

test('no command menu once the command word is done, or in the middle of a line', () => {
  assert.equal(completionAt('/ping ', 6, commands, users), null);
  assert.equal(completionAt('see /pi', 7, commands, users), null);
});

test('@ lists enabled people by username or display name, plus @here and @channel', () => {
  const c = completionAt('thanks @a', 9, commands, users);
  assert.equal(c?.kind, 'mention');
  assert.equal(c?.from, 7);
  assert.deepEqual(
    c?.items.map((i) => i.insert),
    ['@alice '],
  );
  assert.deepEqual(
    completionAt('@lind', 5, commands, users)?.items.map((i) => i.key),
    ['alice'],
  );
  assert.deepEqual(
    completionAt('@', 1, commands, users)?.items.map((i) => i.key),
    ['alice', 'bob', 'here', 'channel'],
  );
  assert.equal(completionAt('mail me@example', 15, commands, users), null);
});

test('argument hints come from the listed arguments, else from the usage placeholders', () => {
  const restart = commandBeingTyped('/restart a', commands);
  assert.equal(restart?.name, 'restart');
  assert.deepEqual(argHints(restart!), [{ name: 'service', detail: 'api | web · required' }]);
  const deploy = commandBeingTyped('!ship api', commands);
  assert.equal(deploy?.name, 'deploy');
  assert.deepEqual(
    argHints(deploy!).map((a) => a.name),
    ['app', 'ref', 'env'],
  );
  assert.equal(commandBeingTyped('/nope x', commands), undefined);
});
