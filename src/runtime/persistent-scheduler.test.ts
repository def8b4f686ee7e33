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
  });
}
