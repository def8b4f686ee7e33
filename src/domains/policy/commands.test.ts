import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { deploy, NOW, ping, rollback, whoIsOnCall } from '../../../test/support/bot-commands.js';
import { configSchema } from '../../config/schema.js';
import type { Actor } from '../../core/actor.js';
import { FakeClock } from '../../core/clock.js';
import { type CommandResult, defineCommand } from '../bot/command.js';
import { renderParseFailure } from '../bot/help.js';
import { parseCommandLine } from '../bot/parser.js';
import { CommandRegistry } from '../bot/registry.js';
import { policyCommands } from './commands.js';
import { createPolicy } from './configured-policy.js';

const release = defineCommand({
  name: 'release',
  summary: 'Cut a release',
  usage: ['release {{app}}'],
  args: { app: { type: 'string', required: true } },
  permission: 'deploy:release',
  rooms: ['releases'],
  run: () => 'released',
});

const policy = createPolicy(
  configSchema.parse({
    policy: {
      roles: { deployer: { permissions: ['deploy:staging'], inherits: ['member'] } },
      grants: [
        {
          role: 'member',
          permission: 'deploy:*',
          commands: ['deploy'],
          args: { env: 'staging' },
          rooms: ['ops'],
        },
        { user: 'erin', permission: 'deploy:prod', rooms: ['releases'] },
      ],
    },
  }).policy,
);

const USERS = [
  { username: 'alice', roles: ['admin'], disabled: false },
  { username: 'bob', roles: ['operator'], disabled: false },
  { username: 'carol', roles: ['member'], disabled: false },
  { username: 'dave', roles: ['operator'], disabled: true },
  { username: 'erin', roles: ['viewer'], disabled: false },
  { username: 'frank', roles: ['deployer'], disabled: false },
];
const ROOMS = new Map([
  ['r_ops', 'ops'],
  ['r_rel', 'releases'],
]);

const registry = new CommandRegistry();
for (const command of [deploy, rollback, ping, whoIsOnCall, release]) registry.register(command);
for (const command of policyCommands({
  registry,
  policy,
  clock: new FakeClock(NOW),
  listUsers: async () => USERS,
  roomNameOf: async (id) => ROOMS.get(id),
}))
  registry.register(command);

const carol: Actor = { userId: 'u_carol', username: 'carol', roles: ['member'], channel: 'web' };

/** Parses the whole line through the registry, as the bot does, and runs what it selects. */
async function ask(line: string, roomId = 'r_ops', asker = carol): Promise<{ ok: boolean; text: string }> {
  const parsed = parseCommandLine(line, registry, { nowMs: NOW });
  assert.equal(parsed.kind, 'ok', `${line} parses`);
  if (parsed.kind !== 'ok') throw new Error('unreachable');
  assert.equal(parsed.command.name, 'who');
  assert.equal(parsed.command.instant, true);
  const result: CommandResult = await parsed.command.run({
    args: parsed.args as never,
    extra: {},
    actor: asker,
    roomId,
    jobId: '',
    line,
    signal: new AbortController().signal,
    reply: async () => {},
    progress: () => {},
  });
  if (typeof result === 'string') return { ok: true, text: result };
  return { ok: result?.ok !== false, text: result?.text ?? '' };
}

describe('who can', () => {
  test('names the permission, the roles and the enabled users that hold it here', async () => {
    const answer = await ask('who can deploy api to prod');
    assert.deepEqual(answer.text.split('\n'), [
      '`deploy api to prod` needs `deploy:prod`. Allowed in #ops:',
      '• roles: admin, operator',
      '• users: @alice (admin), @bob (operator)',
      'Whoever runs it confirms it with a one-time code first.',
    ]);
    assert.equal(answer.ok, true);
  });

  test('scoped grants count where they apply, and say so; inherited roles say where from', async () => {
    const answer = await ask('who can deploy api');
    assert.deepEqual(answer.text.split('\n').slice(0, 3), [
      '`deploy api` needs `deploy:staging`. Allowed in #ops:',
      '• roles: admin, operator, responder, member (via grant: member for deploy in #ops when env=staging), deployer',
      '• users: @alice (admin), @bob (operator), @carol (via grant: member for deploy in #ops when env=staging), @frank (deployer)',
    ]);
    const rollbackAnswer = await ask('who can rollback api in staging');
    assert.match(rollbackAnswer.text, /• roles: admin, operator, responder, deployer\n/);
    assert.match(rollbackAnswer.text, /@frank \(deployer\)/);
    assert.doesNotMatch(rollbackAnswer.text, /carol/, 'the grant is for deploy only');
    assert.match(rollbackAnswer.text, /approval from a second person/);
    const pingAnswer = await ask('who can ping');
    assert.match(pingAnswer.text, /member, viewer, deployer \(via member\)\n/);
    assert.match(pingAnswer.text, /@frank \(deployer, via member\)/);
  });

  test('a room-scoped grant does not count in another room, nor without a room', async () => {
    const elsewhere = await ask('who can deploy api', 'r_rel');
    assert.match(elsewhere.text, /Allowed in #releases:\n• roles: admin, operator, responder, deployer\n/);
    assert.doesNotMatch(elsewhere.text, /carol/);
    const noRoom = await ask('who can deploy api', '');
    assert.match(noRoom.text, /Allowed without a room \(CLI or API\):/);
    assert.doesNotMatch(noRoom.text, /carol|member/);
    const prodInReleases = await ask('who can deploy web to prod', 'r_rel');
    assert.match(prodInReleases.text, /@erin \(via grant: @erin in #releases\)/);
    assert.doesNotMatch(prodInReleases.text, /dave/, 'disabled users are left out');
  });

  test('a command limited to rooms is refused elsewhere, as the bot refuses it', async () => {
    const answer = await ask('who can release api');
    assert.equal(
      answer.text,
      '`release api` needs `deploy:release`.\nNobody can run it in #ops: `release` only runs in #releases.',
    );
    assert.match((await ask('who can release api', 'r_rel')).text, /Allowed in #releases:/);
  });

  test('a line that does not parse gets the usage reply the bot would give', async () => {
    const typo = await ask('who can deplyo api');
    assert.equal(typo.ok, false);
    const failure = parseCommandLine('deplyo api', registry);
    assert.ok(failure.kind === 'unknown_command');
    assert.equal(typo.text, renderParseFailure(failure));
    assert.match(typo.text, /Did you mean `deploy`/);
    const missing = await ask('who can rollback api');
    assert.equal(missing.ok, false);
    assert.match(missing.text, /Usage: `rollback <app> in <env>`/);
    assert.match((await ask('who can !ping')).text, /^`ping` needs `bot:use`/, 'a bot prefix is ignored');
  });

  test('shares its first word with other commands: `who is on call` still reaches oncall', () => {
    const parsed = parseCommandLine('who is on call for checkout', registry, { nowMs: NOW });
    assert.equal(parsed.kind === 'ok' && parsed.command.name, 'oncall');
    const bare = parseCommandLine('who can', registry, { nowMs: NOW });
    assert.equal(bare.kind, 'usage');
  });
});
