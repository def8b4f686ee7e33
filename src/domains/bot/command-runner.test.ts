import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startTestApp, type TestApp } from '../../../test/support/app.js';
import { eventually } from '../../../test/support/eventually.js';
import { FakeClock } from '../../core/clock.js';
import { defineCommand } from './command.js';

describe('instant commands', () => {
  let t: TestApp;
  const clock = new FakeClock();
  let aborted = false;
  before(async () => {
    t = await startTestApp('sqlite', { clock });
    t.app.bot.registry.register(
      defineCommand({
        name: 'stuck',
        summary: 'Never answers',
        permission: 'bot:use',
        instant: true,
        run: ({ signal }) =>
          new Promise<string>(() => {
            signal.addEventListener('abort', () => {
              aborted = true;
            });
          }),
      }),
    );
    t.app.bot.registry.register(
      defineCommand({
        name: 'boom',
        summary: 'Throws at once',
        permission: 'bot:use',
        instant: true,
        run: () => {
          throw new Error('kaput');
        },
      }),
    );
  });
  after(() => t.dispose());

  test('one that never answers times out after 30 s and its signal is aborted', async () => {
    const pending = t.app.bot.dispatcher.execute(t.app.bot.actor, 'stuck');
    await eventually(() => clock.pendingTimers() > 0);
    await clock.advanceAsync(30_000);
    const reply = await pending;
    assert.equal(reply.outcome, 'failed');
    assert.match(reply.text, /timed out/);
    assert.ok(aborted, 'the handler was told to stop');
  });

  test('one that throws synchronously is a failed reply with an internal-error note, not a crash', async () => {
    const reply = await t.app.bot.dispatcher.execute(t.app.bot.actor, 'boom');
    assert.equal(reply.outcome, 'failed');
    assert.match(reply.text, /`boom` failed: internal error/);
    assert.doesNotMatch(reply.text, /kaput/, 'internal details stay in the log');
  });
});
