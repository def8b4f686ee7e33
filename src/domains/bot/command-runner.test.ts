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

  test('a handler gets its context as before: destructured reply and progress, a lazy signal, no threadId outside a thread', async () => {
    const seen: Record<string, unknown>[] = [];
    t.app.bot.registry.register(
      defineCommand({
        name: 'chatty',
        summary: 'Says things three ways',
        permission: 'bot:use',
        instant: true,
        run: (ctx) => {
          const { reply, progress, signal } = ctx;
          seen.push({
            hasThread: 'threadId' in ctx,
            threadId: ctx.threadId,
            aborted: signal.aborted,
            keys: Object.keys(ctx),
          });
          void reply('first');
          progress('second');
          return 'third';
        },
      }),
    );
    t.app.bot.registry.register(
      defineCommand({
        name: 'nothing',
        summary: 'Returns null, which is not a result',
        permission: 'bot:use',
        instant: true,
        run: () => null as never,
      }),
    );
    const reply = await t.app.bot.dispatcher.execute(t.app.bot.actor, 'chatty', { roomId: 'r1' });
    assert.equal(reply.outcome, 'ok');
    assert.equal(reply.text, 'first\nsecond\nthird');
    assert.equal(reply.decision, 'allowed');
    await t.app.bot.dispatcher.execute(t.app.bot.actor, 'chatty', { roomId: 'r1', threadId: 'm1' });
    assert.deepEqual(
      seen.map(({ hasThread, threadId, aborted }) => ({ hasThread, threadId, aborted })),
      [
        { hasThread: false, threadId: undefined, aborted: false },
        { hasThread: true, threadId: 'm1', aborted: false },
      ],
    );
    // Nothing of the runner's own bookkeeping (replies, the abort controller) shows on the context.
    const fields = ['actor', 'args', 'extra', 'jobId', 'line', 'progress', 'reply', 'roomId', 'signal'];
    assert.deepEqual(
      (seen[0]!.keys as string[]).filter((k) => !fields.includes(k)),
      [],
    );
    const broken = await t.app.bot.dispatcher.execute(t.app.bot.actor, 'nothing');
    assert.equal(broken.outcome, 'failed', 'a bad result is a failed reply, not a crash');
    assert.match(broken.text, /`nothing` failed: internal error/);
  });

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
