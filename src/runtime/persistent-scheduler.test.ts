import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createTestDatabase, DIALECTS } from '../../test/support/databases.js';
import { FakeClock } from '../core/clock.js';
import { PersistentScheduler } from './persistent-scheduler.js';
import type { ScheduledTask } from './scheduler.js';

for (const dialect of DIALECTS) {
  describe(`PersistentScheduler (${dialect})`, () => {
    it('runs tasks when due on the clock, keeps the earliest time, and survives a restart', async () => {
      const database = await createTestDatabase(dialect);
      try {
        const clock = new FakeClock();
        const ran: string[] = [];
        const make = () => {
          const s = new PersistentScheduler({
            db: database.db,
            clock,
            onError: (e) => assert.fail(String(e)),
          });
          s.handle('t', async (task: ScheduledTask) => void ran.push(`${task.key}@${clock.nowMs()}`));
          return s;
        };
        const first = make();
        await first.start();
        const at = clock.nowMs();
        await first.schedule({ key: 'a', kind: 't', dueMs: at + 10_000 });
        await first.schedule({ key: 'a', kind: 't', dueMs: at + 5_000 }, 'earliest');
        await first.schedule({ key: 'a', kind: 't', dueMs: at + 8_000 }, 'earliest');
        await first.schedule({ key: 'b', kind: 't', dueMs: at + 60_000 });
        await clock.advanceAsync(5_000);
        await first.idle();
        assert.deepEqual(ran, [`a@${at + 5000}`]);
        await first.stop();

        // A new process: b is still stored and runs when due; a is gone.
        const second = make();
        await second.start();
        await clock.advanceAsync(60_000);
        await second.idle();
        assert.deepEqual(ran, [`a@${at + 5000}`, `b@${at + 60_000}`]);
        const left = await database.db.selectFrom('scheduledTasks').selectAll().execute();
        assert.equal(left.length, 0);
        await second.stop();
      } finally {
        await database.dispose();
      }
    });

    it('runs many tasks in due order, skips replaced and cancelled ones, and waits for a handler', async () => {
      const database = await createTestDatabase(dialect);
      try {
        const clock = new FakeClock();
        const ran: string[] = [];
        const make = () =>
          new PersistentScheduler({ db: database.db, clock, onError: (e) => assert.fail(String(e)) });
        const first = make();
        await first.start();
        const at = clock.nowMs();
        // Due times in a scrambled order, some equal: they run by due time, equal ones in arming order.
        const offsets = [700, 100, 900, 300, 300, 500, 200, 800, 600, 400];
        for (const [i, offset] of offsets.entries())
          await first.schedule({ key: `k${i}`, kind: 't', dueMs: at + offset * 10 });
        await first.schedule({ key: 'k2', kind: 't', dueMs: at + 50 * 10 }); // replaced: 900 → 50
        await first.schedule({ key: 'k5', kind: 't', dueMs: at + 1 }, 'earliest');
        await first.cancel('k7');
        // No handler yet: nothing runs, however late it gets; the tasks stay stored for a restart.
        await clock.advanceAsync(3_000);
        await first.idle();
        assert.equal(ran.length, 0);
        await first.stop();

        const second = make();
        second.handle('t', async (task: ScheduledTask) => void ran.push(task.key));
        await second.start();
        await clock.advanceAsync(1);
        await second.idle();
        // Already overdue at start (3 s): k5 (1 ms) , k2 (500), k1 (1000), k6 (2000), k3 and k4 (3000).
        assert.deepEqual(ran, ['k5', 'k2', 'k1', 'k6', 'k3', 'k4']);
        await clock.advanceAsync(10_000);
        await second.idle();
        assert.deepEqual(ran, ['k5', 'k2', 'k1', 'k6', 'k3', 'k4', 'k9', 'k8', 'k0']);
        const left = await database.db.selectFrom('scheduledTasks').selectAll().execute();
        assert.equal(left.length, 0);
        await second.stop();
      } finally {
        await database.dispose();
      }
    });

    it('arms a task before its handler exists and runs it once the handler is registered', async () => {
      const database = await createTestDatabase(dialect);
      try {
        const clock = new FakeClock();
        const ran: string[] = [];
        const s = new PersistentScheduler({ db: database.db, clock, onError: (e) => assert.fail(String(e)) });
        await s.start();
        await s.schedule({ key: 'late', kind: 'later', dueMs: clock.nowMs() + 1_000 });
        await s.schedule({ key: 'now', kind: 't', dueMs: clock.nowMs() + 2_000 });
        s.handle('t', async (task: ScheduledTask) => void ran.push(task.key));
        await clock.advanceAsync(5_000);
        await s.idle();
        assert.deepEqual(ran, ['now']);
        s.handle('later', async (task: ScheduledTask) => void ran.push(task.key));
        await s.idle();
        await new Promise((resolve) => setImmediate(resolve));
        await s.idle();
        assert.deepEqual(ran, ['now', 'late']);
        await s.stop();
      } finally {
        await database.dispose();
      }
    });
  });
}
