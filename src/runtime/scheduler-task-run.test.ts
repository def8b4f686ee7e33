import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createTestDatabase, DIALECTS, type TestDatabase } from '../../test/support/databases.js';
import { FakeClock } from '../core/clock.js';
import { PersistentScheduler } from './persistent-scheduler.js';
import type { ScheduledTask, TaskHandler } from './scheduler.js';

// A handler may end its task inside its own transaction (TaskRun.complete): its work and the delete of
// the task's row commit together, and the scheduler then deletes nothing itself.
for (const dialect of DIALECTS) {
  describe(`a handler ends its task in its own transaction (${dialect})`, () => {
    const setup = async (database: TestDatabase, handlers: Record<string, TaskHandler>) => {
      const clock = new FakeClock('2026-03-01T00:00:00Z');
      const errors: string[] = [];
      const scheduler = new PersistentScheduler({
        db: database.db,
        clock,
        // On SQLite the app hands the raw handle over: the delete runs as its cached statement.
        sqlite: database.sqlite,
        onError: (e, task) => void errors.push(`${task.key}: ${String(e)}`),
      });
      for (const [kind, handler] of Object.entries(handlers)) scheduler.handle(kind, handler);
      await scheduler.start();
      const rows = async () =>
        (
          await database.db.selectFrom('scheduledTasks').select(['key', 'dueAt']).orderBy('key').execute()
        ).map((r) => `${r.key}@${r.dueAt.slice(11, 19)}`);
      return { clock, errors, scheduler, rows };
    };
    /** The handler's own work: a row it writes (here a task of a kind nobody handles). */
    const work = (task: ScheduledTask, n: number): ScheduledTask => ({
      key: `work:${task.key}:${n}`,
      kind: 'nobody',
      dueMs: Date.parse('2026-03-02T00:00:00Z'),
    });

    it('commits the work with the end of the task; the scheduler deletes nothing after', async () => {
      const database = await createTestDatabase(dialect);
      try {
        let s: PersistentScheduler | undefined;
        const { scheduler, clock, errors, rows } = await setup(database, {
          t: async (task, run) => {
            await database.db.transaction().execute(async (trx) => {
              await s!.persist([work(task, 1)], { mode: 'replace', executor: trx });
              await run.complete(trx);
            });
            // Stored again with the very same time after that commit: a delete by the scheduler
            // after the handler (the path without `complete`) would take this row away.
            await s!.persist([task], { mode: 'replace' });
          },
        });
        s = scheduler;
        await scheduler.schedule({ key: 'a', kind: 't', dueMs: clock.nowMs() + 1000 });
        await clock.advanceAsync(1000);
        await scheduler.idle();
        assert.deepEqual(errors, []);
        assert.deepEqual(await rows(), ['a@00:00:01', 'work:a:1@00:00:00']);
        await scheduler.stop();
      } finally {
        await database.dispose();
      }
    });

    it('rolled back with the work: the row stays and the retry ends it', async () => {
      const database = await createTestDatabase(dialect);
      try {
        let s: PersistentScheduler | undefined;
        let runs = 0;
        const { scheduler, clock, errors, rows } = await setup(database, {
          t: async (task, run) => {
            runs++;
            await database.db.transaction().execute(async (trx) => {
              await s!.persist([work(task, runs)], { mode: 'replace', executor: trx });
              await run.complete(trx);
              if (runs === 1) throw new Error('the work fails after complete');
            });
          },
          // A handler that does not call `complete`, failing once: its retry's run deletes the row.
          plain: async () => {
            runs++;
            if (runs === 1) throw new Error('plain fails');
          },
        });
        s = scheduler;
        await scheduler.schedule({ key: 'a', kind: 't', dueMs: clock.nowMs() + 1000 });
        await clock.advanceAsync(1000);
        await scheduler.idle();
        assert.deepEqual(errors, ['a: Error: the work fails after complete']);
        // Nothing of the first run is stored; the task waits for its retry (30 s), stored at that time.
        assert.deepEqual(await rows(), ['a@00:00:31']);
        await clock.advanceAsync(30_000);
        await scheduler.idle();
        assert.equal(runs, 2);
        assert.deepEqual(await rows(), ['work:a:2@00:00:00']);

        runs = 0;
        errors.length = 0;
        await scheduler.schedule({ key: 'b', kind: 'plain', dueMs: clock.nowMs() });
        await scheduler.idle();
        assert.deepEqual(errors, ['b: Error: plain fails']);
        assert.deepEqual(await rows(), ['b@00:01:01', 'work:a:2@00:00:00']);
        await clock.advanceAsync(30_000);
        await scheduler.idle();
        assert.equal(runs, 2);
        assert.deepEqual(await rows(), ['work:a:2@00:00:00'], 'no row outlives the retry');
        await scheduler.stop();
      } finally {
        await database.dispose();
      }
    });

    it('moved meanwhile: complete leaves the new row (and says so), which runs at its time', async () => {
      const database = await createTestDatabase(dialect);
      try {
        let s: PersistentScheduler | undefined;
        const ran: string[] = [];
        const found: boolean[] = [];
        const { scheduler, clock, errors, rows } = await setup(database, {
          t: async (task, run) => {
            ran.push(new Date(clock.nowMs()).toISOString().slice(11, 19));
            // A new due time is stored while the task runs (a new delivery for the same group).
            if (ran.length === 1) await s!.schedule({ ...task, dueMs: clock.nowMs() + 5000 });
            found.push(await database.db.transaction().execute((trx) => run.complete(trx)));
          },
        });
        s = scheduler;
        await scheduler.schedule({ key: 'a', kind: 't', dueMs: clock.nowMs() + 1000 });
        await clock.advanceAsync(1000);
        await scheduler.idle();
        assert.deepEqual(await rows(), ['a@00:00:06']);
        // Not this run's row: another node's reminder may tell its run from a duplicate by this.
        assert.deepEqual(found, [false]);
        await clock.advanceAsync(5000);
        await scheduler.idle();
        assert.deepEqual(ran, ['00:00:01', '00:00:06']);
        assert.deepEqual(found, [false, true]);
        assert.deepEqual(await rows(), []);
        assert.deepEqual(errors, []);
        await scheduler.stop();
      } finally {
        await database.dispose();
      }
    });
  });
}
