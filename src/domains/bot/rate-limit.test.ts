import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startTestApp, type TestApp } from '../../../test/support/app.js';
import { FakeClock } from '../../core/clock.js';
import { CommandRateLimiter } from './rate-limit.js';

describe('CommandRateLimiter', () => {
  test('allows a burst, then refills at the per-minute rate, per user', () => {
    const clock = new FakeClock();
    const limiter = new CommandRateLimiter(clock, 60, 3);
    assert.deepEqual(
      [1, 2, 3].map(() => limiter.take('u1')),
      [0, 0, 0],
    );
    assert.equal(limiter.take('u1'), 1000, 'one token a second: wait 1 s');
    assert.equal(limiter.take('u2'), 0, 'another user has a bucket of their own');
    clock.advance(1000);
    assert.equal(limiter.take('u1'), 0);
    assert.ok(limiter.take('u1') > 0);
    clock.advance(60_000);
    assert.deepEqual(
      [1, 2, 3, 4].map(() => limiter.take('u1') === 0),
      [true, true, true, false],
      'refills up to the burst, not beyond',
    );
  });

  test('0 per minute turns the limit off', () => {
    const limiter = new CommandRateLimiter(new FakeClock(), 0, 1);
    for (let i = 0; i < 100; i++) assert.equal(limiter.take('u'), 0);
  });
});

describe('the rate-limit stage', () => {
  let t: TestApp;
  before(async () => {
    t = await startTestApp('sqlite', { config: { bot: { rateLimitPerMinute: 6, rateLimitBurst: 2 } } });
  });
  after(() => t.dispose());

  test('a user over the limit is told to slow down and when to retry; nothing runs', async () => {
    const alice = await t.user('alice');
    const run = async () =>
      (await t.request({ method: 'POST', url: '/api/bot/run', as: alice, payload: { line: 'ping' } })).json();
    assert.equal((await run()).outcome, 'ok');
    assert.equal((await run()).outcome, 'ok');
    const limited = await run();
    assert.equal(limited.outcome, 'failed');
    assert.match(limited.text, /Slow down.*Try again in 10s/);
    const other = await t.user('bob');
    const bob = await t.request({
      method: 'POST',
      url: '/api/bot/run',
      as: other,
      payload: { line: 'ping' },
    });
    assert.equal(bob.json().outcome, 'ok');
  });
});
