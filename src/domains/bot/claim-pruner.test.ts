import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createTestDatabase, DIALECTS, type TestDatabase } from '../../../test/support/databases.js';
import { eventually } from '../../../test/support/eventually.js';
import { FakeClock } from '../../core/clock.js';
import { CLAIM_PRUNE_INTERVAL_MS, CLAIM_RETENTION_MS, pruneClaims, startClaimPruner } from './claim-pruner.js';

const DAY = 24 * 60 * 60 * 1000;

for (const dialect of DIALECTS) {
  describe(`bot claims are pruned by age on ${dialect}`, () => {
    let database: TestDatabase;
    before(async () => {
      database = await createTestDatabase(dialect);
    });
    after(async () => {
      await database.dispose();
    });

    const claimsAt = async (prefix: string, count: number, at: Date) => {
      const rows = Array.from({ length: count }, (_, i) => ({
        messageId: `${prefix}${i}`,
        claimedAt: at.toISOString(),
      }));
      for (let i = 0; i < rows.length; i += 500) {
        await database.db.insertInto('botClaims').values(rows.slice(i, i + 500)).execute();
      }
    };
    const remaining = async (prefix: string) =>
      Number(
        (
          await database.db
            .selectFrom('botClaims')
            .select((eb) => eb.fn.countAll().as('n'))
            .where('messageId', 'like', `${prefix}%`)
            .executeTakeFirstOrThrow()
        ).n,
      );

    test('claims older than the retention go, in batches; newer ones stay (a message still claimed is never handled twice)', async () => {
      const clock = new FakeClock('2026-12-07T00:00:00.000Z');
      await claimsAt('old-', 12_000, new Date(clock.nowMs() - CLAIM_RETENTION_MS - DAY));
      await claimsAt('new-', 30, new Date(clock.nowMs() - CLAIM_RETENTION_MS + DAY));
      assert.equal(await pruneClaims(database.db, clock), 12_000);
      assert.equal(await remaining('old-'), 0);
      assert.equal(await remaining('new-'), 30);
      // The claim of a kept message still wins its race: a second insert of it does nothing.
      const again = await database.db
        .insertInto('botClaims')
        .values({ messageId: 'new-0', claimedAt: clock.now().toISOString() })
        .onConflict((oc) => oc.doNothing())
        .executeTakeFirst();
      assert.equal(Number(again.numInsertedOrUpdatedRows ?? 0), 0);
    });

    test('the pruner runs at start and again each interval of the clock, until stopped', async () => {
      const clock = new FakeClock('2026-12-07T00:00:00.000Z');
      await claimsAt('first-', 5, new Date(clock.nowMs() - CLAIM_RETENTION_MS - 1));
      const errors: unknown[] = [];
      const pruner = startClaimPruner({ db: database.db, clock, onError: (e) => errors.push(e) });
      await eventually(async () => (await remaining('first-')) === 0);
      // Written now: old enough only once the retention has passed on the clock.
      await claimsAt('later-', 5, clock.now());
      await eventually(() => clock.pendingTimers() > 0);
      await clock.advanceAsync(CLAIM_RETENTION_MS - CLAIM_PRUNE_INTERVAL_MS);
      assert.equal(await remaining('later-'), 5, 'not yet past the retention');
      // Each prune arms the next timer once its (real) database work is done. The prune due exactly
      // at the retention keeps them (strictly older only); the one an interval later removes them.
      for (let round = 0; round < 2; round++) {
        await eventually(() => clock.pendingTimers() > 0);
        await clock.advanceAsync(CLAIM_PRUNE_INTERVAL_MS);
      }
      await eventually(async () => (await remaining('later-')) === 0);
      await pruner.stop();
      await claimsAt('stopped-', 3, clock.now());
      await clock.advanceAsync(CLAIM_RETENTION_MS + CLAIM_PRUNE_INTERVAL_MS);
      assert.equal(await remaining('stopped-'), 3, 'a stopped pruner deletes nothing');
      assert.deepEqual(errors, []);
    });
  });
}
