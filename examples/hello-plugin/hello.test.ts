import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createTestBot, FakeClock, type TestBot } from 'opsroom/testing';
import helloPlugin, { MORNING_ROOM } from './hello.js';

describe('the hello plugin', () => {
  let bot: TestBot;
  before(async () => {
    bot = await createTestBot({ plugins: [helloPlugin], users: { alice: ['member'], bob: ['member'] } });
  });
  after(() => bot.close());

  test('greets, with a default and with a name', async () => {
    assert.deepEqual(await bot.send('alice', '!hello'), ['Hello, world!']);
    assert.deepEqual(await bot.send('alice', '!hi ops team'), ['Hello, ops team!']);
  });

  test('typed arguments: a number, a user and a choice', async () => {
    assert.deepEqual(await bot.send('alice', '!coffee 2 for @bob'), [
      '@alice ordered 2 medium coffees for @bob.',
    ]);
    assert.deepEqual(await bot.send('bob', '!coffee 1 for alice large'), [
      '@bob ordered 1 large coffee for @alice.',
    ]);
  });

  test('bad arguments get a usage reply, not a crash', async () => {
    const [tooMany] = await bot.send('alice', '!coffee 40 for bob');
    assert.match(tooMany!, /at most 12/);
    const [notANumber] = await bot.send('alice', '!coffee lots for bob');
    assert.match(notANumber!, /whole number/);
  });

  test('help lists the commands with their usage', async () => {
    const [help] = await bot.send('alice', '!help coffee');
    assert.match(help!, /coffee <count> for <who>/);
  });

  test('hears thanks and counts them per person', async () => {
    assert.deepEqual(await bot.send('alice', 'thanks opsbot'), ["You're welcome, @alice!"]);
    assert.deepEqual(await bot.send('alice', 'Thanks, @opsbot'), [
      "You're welcome again, @alice (2 times now).",
    ]);
    assert.deepEqual(await bot.send('bob', 'no thanks needed'), []);
  });

  test('run() is the CLI path: the outcome and the text', async () => {
    const reply = await bot.run('alice', 'hello CLI');
    assert.equal(reply.outcome, 'ok');
    assert.match(reply.text, /Hello, CLI!/);
  });
});

describe('the morning schedule', () => {
  test('greets on weekdays at 09:00 UTC, once a day', async () => {
    // Friday 2026-03-06, 08:00 UTC.
    const bot = await createTestBot({ plugins: [helloPlugin], clock: new FakeClock('2026-03-06T08:00:00Z') });
    try {
      await bot.send('alice', 'morning, everyone', { room: MORNING_ROOM });
      assert.deepEqual(await bot.advance(59 * 60_000), [], 'not before 09:00');
      assert.deepEqual(await bot.advance(60_000), ['Good morning! `!help` lists what I can do.']);
      assert.deepEqual(await bot.advance(2 * 24 * 3600_000), [], 'not on Saturday or Sunday');
      assert.deepEqual(await bot.advance(24 * 3600_000), ['Good morning! `!help` lists what I can do.']);
      assert.deepEqual(bot.problems, []);
    } finally {
      await bot.close();
    }
  });
});
