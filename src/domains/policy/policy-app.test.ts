import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startTestApp, type TestApp, type TestUser } from '../../../test/support/app.js';
import { DIALECTS } from '../../../test/support/databases.js';
import { defineCommand } from '../bot/command.js';
import { policyCommands } from './commands.js';
import { createPolicy } from './configured-policy.js';

/** A quick deploy (no job, no confirmation) so the test is about who may run it, nothing else. */
const deploy = defineCommand({
  name: 'deploy',
  summary: 'Deploy an app',
  usage: ['deploy {{app}} [to {{env=staging}}]'],
  args: { app: { type: 'string', required: true }, env: { type: 'enum', values: ['staging', 'prod'] } },
  permission: 'deploy:{{env}}',
  instant: true,
  run: ({ args }) => `deployed ${args.app} to ${args.env}`,
});

for (const dialect of DIALECTS) {
  describe(`the policy in a running app on ${dialect}`, () => {
    let t: TestApp;
    let carol: TestUser;
    const run = async (as: TestUser, line: string, room?: string) => {
      const res = await t.request({
        method: 'POST',
        url: '/api/bot/run',
        as,
        payload: { line, ...(room === undefined ? {} : { room }) },
      });
      assert.equal(res.statusCode, 200, res.body);
      return res.json() as { outcome: string; text: string };
    };

    before(async () => {
      t = await startTestApp(dialect, {
        config: {
          policy: {
            roles: { deployer: { permissions: ['deploy:staging'], inherits: ['member'] } },
            grants: [{ role: 'member', permission: 'deploy:staging', commands: ['deploy'], rooms: ['ops'] }],
          },
        },
      });
      const registry = t.app.bot.registry;
      registry.register(deploy);
      // As the app wires it (until it does, here): the same configuration, the real registry and users.
      if (registry.get('who') === undefined)
        for (const command of policyCommands({
          registry,
          policy: createPolicy(t.app.config.policy),
          clock: t.app.clock,
          listUsers: async () => (await t.app.identity.listUsers()).filter((u) => u.username !== 'opsbot'),
          roomNameOf: async (roomId) => (await t.app.chat.rooms.describe(roomId))?.name,
        }))
          registry.register(command);
      carol = await t.user('carol', ['member']);
      await t.user('frank', ['deployer']);
      for (const name of ['ops', 'general']) {
        await t.request({ method: 'POST', url: '/api/rooms', as: carol, payload: { name } });
      }
    });
    after(() => t.dispose());

    test('who can answers what the dispatcher then enforces, room by room', async () => {
      const inOps = await run(carol, 'who can deploy api', 'ops');
      assert.equal(inOps.outcome, 'ok', inOps.text);
      assert.match(inOps.text, /^`deploy api` needs `deploy:staging`\. Allowed in #ops:/);
      assert.match(inOps.text, /@carol \(via grant: member for deploy in #ops\)/);
      assert.match(inOps.text, /@frank \(deployer\)/);
      assert.match(inOps.text, /@root \(admin\)/);
      assert.equal((await run(carol, 'deploy api', 'ops')).outcome, 'ok');

      const inGeneral = await run(carol, 'who can deploy api', 'general');
      assert.doesNotMatch(inGeneral.text, /carol/);
      assert.equal((await run(carol, 'deploy api', 'general')).outcome, 'denied');

      const noRoom = await run(carol, 'who can deploy api');
      assert.match(noRoom.text, /Allowed without a room/);
      assert.doesNotMatch(noRoom.text, /carol/);
      assert.equal((await run(carol, 'deploy api')).outcome, 'denied');
    });

    test('a line that does not parse is answered with usage, as the bot answers it', async () => {
      const typo = await run(carol, 'who can deplyo api', 'ops');
      assert.equal(typo.outcome, 'failed');
      assert.match(typo.text, /I don't know the command `deplyo`\. Did you mean `deploy`\?/);
    });
  });
}
