import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { auditStage, type BotReply, compose, isPending, type Run, type Stage } from './pipeline.js';

const run: Run = {
  actor: { userId: 'u1', username: 'alice', roles: ['member'], channel: 'web' },
  line: 'ping',
  where: {},
};
const pong: BotReply = { outcome: 'ok', command: 'ping', text: 'pong' };

describe('the chain', () => {
  test('a line answered at once goes through every stage without a promise', () => {
    const order: string[] = [];
    const mark =
      (name: string): Stage =>
      (_, next) => {
        order.push(name);
        return next();
      };
    const chain = compose([mark('a'), mark('b')], () => pong);
    const answer = chain(run);
    assert.equal(isPending(answer), false);
    assert.deepEqual(answer, pong);
    assert.deepEqual(order, ['a', 'b']);
  });

  test('a stage that waits makes the answer a promise of the same reply', async () => {
    const chain = compose([(_, next) => Promise.resolve().then(next)], () => pong);
    const answer = chain(run);
    assert.ok(isPending(answer));
    assert.deepEqual(await answer, pong);
  });

  test('the audit stage records decisions about commands, at once or once the reply has come', async () => {
    const recorded: string[] = [];
    const audit = auditStage((_, reply) => recorded.push(reply.text));
    assert.deepEqual(
      audit(run, () => pong),
      pong,
    );
    assert.deepEqual(recorded, ['pong'], 'recorded before the stage returned');
    const later = audit(run, () => Promise.resolve({ ...pong, text: 'later' }));
    assert.deepEqual(recorded, ['pong']);
    assert.equal((await later).text, 'later');
    assert.deepEqual(recorded, ['pong', 'later']);
    audit(run, () => ({ outcome: 'usage', text: 'usage: ping' }));
    assert.deepEqual(recorded, ['pong', 'later'], 'a usage reply names no command: not audited');
  });
});
