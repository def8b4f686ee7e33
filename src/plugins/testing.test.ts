import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { defineCommand, definePlugin } from './sdk.js';
import { createTestBot, FakeClock, type TestBot } from './testing.js';

const cards = definePlugin({
  name: 'cards',
  commands: [
    defineCommand({
      name: 'status',
      summary: 'A status card',
      permission: 'bot:use',
      instant: true,
      run: () => ({ card: { title: 'All systems go', color: 'good' } }),
    }),
    defineCommand({
      name: 'deploy-prod',
      summary: 'Needs deploy:prod',
      permission: 'deploy:prod',
      run: () => 'deployed',
    }),
  ],
  setup(api) {
    api.hear(/^fail please$/, () => {
      throw new Error('listener failed on purpose');
    });
  },
});

describe('createTestBot', () => {
  let bot: TestBot<FakeClock>;
  before(async () => {
    bot = await createTestBot({
      plugins: [cards],
      users: { olga: ['operator'] },
      room: 'ops',
      clock: new FakeClock('2026-05-01T12:00:00Z'),
    });
  });
  after(() => bot.close());

  test('users get their roles; unknown senders are members', async () => {
    assert.deepEqual(await bot.send('olga', '!deploy-prod'), ['deployed']);
    const [refused] = await bot.send('mallory', '!deploy-prod');
    assert.match(refused!, /deploy:prod/);
  });

  test('cards come back with their room; rooms are made on first use', async () => {
    const [message] = await bot.sendMessages('olga', '!status');
    assert.equal(message?.room, 'ops');
    assert.equal(message?.card?.title, 'All systems go');
    const [elsewhere] = await bot.sendMessages('olga', '!status', { room: 'elsewhere' });
    assert.equal(elsewhere?.room, 'elsewhere');
    assert.equal(elsewhere?.card?.color, 'good');
  });

  test('in a direct conversation no prefix is needed', async () => {
    const [message] = await bot.sendMessages('olga', 'status', { dm: true });
    assert.equal(message?.card?.title, 'All systems go');
    assert.match(message?.room ?? '', /^dm--/);
  });

  test('problems collects what listeners logged; the clock is the one given', async () => {
    assert.deepEqual(await bot.send('olga', 'fail please'), []);
    assert.ok(
      bot.problems.some((p) => /on purpose/.test(JSON.stringify(p))),
      JSON.stringify(bot.problems),
    );
    assert.equal(bot.clock.now().toISOString(), '2026-05-01T12:00:00.000Z');
    assert.deepEqual(await bot.advance(1000), []);
  });

  test('advance needs a FakeClock', async () => {
    const real = await createTestBot();
    try {
      await assert.rejects(real.advance(1000), /FakeClock/);
    } finally {
      await real.close();
    }
  });
});
