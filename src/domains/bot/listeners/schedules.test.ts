import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createTestDatabase, DIALECTS, type TestDatabase } from '../../../../test/support/databases.js';
import { FakeClock } from '../../../core/clock.js';
import { ValidationError } from '../../../core/errors.js';
import { createClaim } from './claims.js';
import { InFlight } from './in-flight.js';
import { Schedules } from './schedules.js';

for (const dialect of DIALECTS) {
  describe(`cron schedules on a fake clock (${dialect} claims)`, () => {
    let database: TestDatabase;
    before(async () => {
      database = await createTestDatabase(dialect);
    });
    after(() => database.dispose());

    /** One "node": its own Schedules and in-flight set, sharing the clock and the database. */
    const node = (clock: FakeClock, errors: unknown[] = []) => {
      const inFlight = new InFlight();
      const schedules = new Schedules({
        clock,
        claim: createClaim(database.db, clock),
        inFlight,
        onError: (error) => errors.push(error),
      });
      return { schedules, inFlight };
    };

    test('fires at the due times only, and re-arms after each run', async () => {
      const clock = new FakeClock('2026-03-06T08:00:00Z'); // a Friday
      const { schedules, inFlight } = node(clock);
      const runs: string[] = [];
      schedules.add('0 9 * * 1-5', ({ scheduledAt }) => void runs.push(scheduledAt.toISOString()), {
        id: `weekdays-${dialect}`,
      });
      assert.equal(schedules.nextRun(`weekdays-${dialect}`)?.toISOString(), '2026-03-06T09:00:00.000Z');
      await clock.advanceAsync(3600_000 - 1);
      await inFlight.drain();
      assert.deepEqual(runs, [], 'not a millisecond early');
      await clock.advanceAsync(1);
      await inFlight.drain();
      assert.deepEqual(runs, ['2026-03-06T09:00:00.000Z']);
      // On to Monday 09:00.
      for (let hour = 0; hour < 3 * 24; hour++) {
        await clock.advanceAsync(3600_000);
        await inFlight.drain();
      }
      assert.deepEqual(runs, ['2026-03-06T09:00:00.000Z', '2026-03-09T09:00:00.000Z'], 'skips the weekend');
      assert.equal(schedules.nextRun(`weekdays-${dialect}`)?.toISOString(), '2026-03-10T09:00:00.000Z');
      schedules.stop();
      assert.equal(clock.pendingTimers(), 0);
    });

    test('seconds and time zones', async () => {
      const clock = new FakeClock('2026-01-15T00:00:00Z');
      const { schedules, inFlight } = node(clock);
      const fast: string[] = [];
      const oslo: string[] = [];
      schedules.add('*/20 * * * * *', ({ scheduledAt }) => void fast.push(scheduledAt.toISOString()), {
        id: `fast-${dialect}`,
      });
      schedules.add('0 9 * * *', ({ scheduledAt }) => void oslo.push(scheduledAt.toISOString()), {
        id: `oslo-${dialect}`,
        timezone: 'Europe/Oslo',
      });
      await clock.advanceAsync(60_000);
      await inFlight.drain();
      // Claims are asynchronous, so runs that fall due within one advance may finish in any order.
      assert.deepEqual(fast.sort(), [
        '2026-01-15T00:00:20.000Z',
        '2026-01-15T00:00:40.000Z',
        '2026-01-15T00:01:00.000Z',
      ]);
      // 09:00 in Oslo in January is 08:00 UTC.
      assert.equal(schedules.nextRun(`oslo-${dialect}`)?.toISOString(), '2026-01-15T08:00:00.000Z');
      schedules.stop();
    });

    test('two nodes with the same schedule: exactly one runs each due time', async () => {
      const clock = new FakeClock('2026-02-01T00:00:00Z');
      const a = node(clock);
      const b = node(clock);
      const runs: string[] = [];
      for (const [name, n] of [
        ['a', a],
        ['b', b],
      ] as const) {
        n.schedules.add(
          '*/5 * * * *',
          ({ scheduledAt }) => void runs.push(`${name}@${scheduledAt.toISOString()}`),
          {
            id: `shared-${dialect}`,
          },
        );
      }
      for (let i = 0; i < 3; i++) {
        await clock.advanceAsync(5 * 60_000);
        await a.inFlight.drain();
        await b.inFlight.drain();
      }
      assert.deepEqual(runs.map((r) => r.slice(2)).sort(), [
        '2026-02-01T00:05:00.000Z',
        '2026-02-01T00:10:00.000Z',
        '2026-02-01T00:15:00.000Z',
      ]);
      a.schedules.stop();
      b.schedules.stop();
    });

    test('a failing handler is reported and the schedule goes on', async () => {
      const clock = new FakeClock('2026-02-02T00:00:00Z');
      const errors: unknown[] = [];
      const { schedules, inFlight } = node(clock, errors);
      let calls = 0;
      schedules.add(
        '* * * * *',
        () => {
          calls++;
          throw new Error('report failed');
        },
        { id: `failing-${dialect}` },
      );
      await clock.advanceAsync(60_000);
      await inFlight.drain();
      await clock.advanceAsync(60_000);
      await inFlight.drain();
      assert.equal(calls, 2);
      assert.equal(errors.length, 2);
      assert.match(String(errors[0]), /report failed/);
      schedules.stop();
    });

    test('removing one schedule cancels its timer; bad patterns and zones are refused', () => {
      const clock = new FakeClock('2026-02-03T00:00:00Z');
      const { schedules } = node(clock);
      const remove = schedules.add('* * * * *', () => {}, { id: `removable-${dialect}` });
      assert.equal(clock.pendingTimers(), 1);
      remove();
      assert.equal(clock.pendingTimers(), 0);
      assert.throws(() => schedules.add('61 * * * *', () => {}), ValidationError);
      assert.throws(() => schedules.add('* * *', () => {}), /bad cron pattern/);
      assert.throws(
        () => schedules.add('* * * * *', () => {}, { timezone: 'Nowhere/Land' }),
        ValidationError,
      );
      assert.equal(schedules.size, 0);
    });
  });
}
