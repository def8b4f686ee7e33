import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startTestApp, type TestApp, type TestUser } from '../../../test/support/app.js';
import { DIALECTS } from '../../../test/support/databases.js';
import { eventually } from '../../../test/support/eventually.js';
import type { Card } from '../chat/schema.js';
import { defineCommand } from './command.js';

type Msg = { id: string; username: string; text: string; card: Card | null };

for (const dialect of DIALECTS) {
  describe(`natural-language suggestions on ${dialect}`, () => {
    let t: TestApp;
    let alice: TestUser;
    let victor: TestUser;
    const ran: string[] = [];
    const messages = async (): Promise<Msg[]> =>
      (await t.request({ method: 'GET', url: '/api/rooms/ops/messages?limit=50', as: alice })).json()
        .messages;

    before(async () => {
      t = await startTestApp(dialect);
      alice = await t.user('alice', ['operator']);
      victor = await t.user('victor', ['viewer']);
      await t.request({ method: 'POST', url: '/api/rooms', as: alice, payload: { name: 'ops' } });
      await t.request({ method: 'POST', url: '/api/rooms/ops/join', as: victor });
      t.app.bot.registry.register(
        defineCommand({
          name: 'deploy',
          summary: 'Deploy an app',
          usage: ['deploy {{app}} to {{env}}'],
          args: {
            app: { type: 'string', required: true },
            env: { type: 'enum', values: ['staging', 'prod'] },
          },
          permission: 'deploy:{{env}}',
          instant: true,
          run: ({ args, actor }) => {
            ran.push(`${args.app}→${args.env} by ${actor.username}`);
            return `deployed ${args.app} to ${args.env}`;
          },
        }),
      );
    });
    after(() => t.dispose());

    test('free text gets the command as a button; it runs only when pressed, as whoever presses it', async () => {
      await t.request({
        method: 'POST',
        url: '/api/rooms/ops/messages',
        as: alice,
        payload: { text: '@opsbot could you deploy the api to staging please' },
      });
      await t.app.bot.idle();
      const all = await messages();
      const reply = all.at(-1)!;
      assert.ok(reply, JSON.stringify(all));
      assert.equal(reply.username, 'opsbot');
      assert.match(reply.text, /Perhaps: `deploy api to staging`/);
      const button = reply.card!.buttons!.find((b) => b.value === 'deploy api to staging');
      assert.ok(button, JSON.stringify(reply.card));
      assert.deepEqual(ran, [], 'a suggestion never runs by itself');

      const pressAs = (who: TestUser) =>
        t.request({
          method: 'POST',
          url: `/api/messages/${reply.id}/actions`,
          as: who,
          payload: { actionId: button.actionId, value: button.value },
        });
      assert.equal((await pressAs(victor)).statusCode, 403, 'a viewer cannot press buttons');
      assert.equal((await pressAs(alice)).statusCode, 202);
      await eventually(async () => {
        await t.app.bot.idle();
        assert.deepEqual(ran, ['api→staging by alice']);
      });
      const answer = await eventually(
        async () => (await messages()).find((m) => m.text.includes('deployed api')) ?? false,
      );
      assert.match(answer.text, /^@alice: deployed api to staging/);
    });

    test('a misspelt command word is corrected in place and offered as the whole line', async () => {
      const reply = await t.app.bot.dispatcher.execute(
        await t.app.identity.actorFor(await t.app.identity.requireUser('alice'), 'api'),
        'dpeloy web to prod',
      );
      assert.equal(reply.outcome, 'usage');
      assert.match(reply.text, /Did you mean `deploy`/);
      assert.deepEqual(
        reply.card?.buttons?.map((b) => b.value),
        ['deploy web to prod'],
      );
    });
  });
}
