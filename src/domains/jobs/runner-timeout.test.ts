import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Updateable } from 'kysely';
import { createTestDatabase, type TestDatabase } from '../../../test/support/databases.js';
import type { Actor } from '../../core/actor.js';
import { FakeClock } from '../../core/clock.js';
import { InProcessEventBus } from '../../runtime/event-bus.js';
import { JobRunner } from './runner.js';
import { JobStore } from './store.js';
import type { JobsTable } from './table.js';

const ALICE: Actor = { userId: 'u_alice', username: 'alice', roles: ['member'], channel: 'cli' };

/**
 * A store whose write of 'running' is slow enough for someone to see the job running and move the
 * clock on before it returns (on PostgreSQL a round trip; what the jobs test does with a FakeClock).
 */
class ClockMovingStore extends JobStore {
  constructor(
    db: TestDatabase['db'],
    private readonly clock: FakeClock,
    private readonly byMs: number,
  ) {
    super(db);
  }

  override async update(id: number, changes: Updateable<JobsTable>): Promise<void> {
    await super.update(id, changes);
    if (changes.status === 'running') await this.clock.advanceAsync(this.byMs);
  }
}

describe('a job timeout', () => {
  let db: TestDatabase;
  before(async () => {
    db = await createTestDatabase('sqlite');
  });
  after(() => db.dispose());

  test('counts from the start, even when the clock moves while "running" is being stored', async () => {
    const clock = new FakeClock();
    const runner = new JobRunner({
      store: new ClockMovingStore(db.db, clock, 60_000),
      clock,
      bus: new InProcessEventBus(clock),
      cards: { post: async () => 'm_card', update: async () => {}, say: async () => {} },
      streamRedactor: () => ({ push: (chunk) => chunk, end: () => '' }),
      redact: (text) => text,
      concurrency: 1,
      cardIntervalMs: 1_000,
      orphanGraceMs: 1_000,
      onError: (error) => {
        throw error;
      },
    });
    const { job, done } = await runner.start({
      command: 'hang',
      line: 'hang',
      args: {},
      locks: [],
      timeoutMs: 60_000,
      actor: ALICE,
      run: ({ signal }) =>
        new Promise((_, reject) => signal.addEventListener('abort', () => reject(signal.reason))),
    });
    // Armed after the stored 'running', the timer would wait for a minute that never comes: the job
    // would run forever. A real-time bound keeps that failure from hanging the test.
    const timedOut = await Promise.race([
      done.then(() => true),
      new Promise<false>((resolve) => setTimeout(() => resolve(false), 2_000)),
    ]);
    assert.equal(timedOut, true, 'the job ended on its timeout');
    const row = await new JobStore(db.db).get(job.id);
    assert.equal(row?.status, 'timed_out');
  });
});
