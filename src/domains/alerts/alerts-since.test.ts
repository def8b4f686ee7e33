import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createTestDatabase, DIALECTS, type TestDatabase } from '../../../test/support/databases.js';
import { firstAlertIdSince } from './alerts-since.js';

let counter = 0;
const minute = (m: number) => new Date(Date.UTC(2026, 11, 7, 9, m)).toISOString();

for (const dialect of DIALECTS) {
  describe(`the first alert id created since a moment, on ${dialect}`, () => {
    let db: TestDatabase;
    before(async () => {
      db = await createTestDatabase(dialect);
    });
    after(() => db.dispose());

    const insert = async (createdAt: string) => {
      const row = await db.db
        .insertInto('alerts')
        .values({
          integrationId: 'int_1',
          fingerprint: `f${counter++}`,
          startsAt: createdAt,
          alertname: 'A',
          severity: 'warning',
          labels: '{}',
          annotations: '{}',
          status: 'firing',
          createdAt,
          updatedAt: createdAt,
        })
        .returning('id')
        .executeTakeFirstOrThrow();
      return Number(row.id);
    };

    it('is undefined for an empty table', async () => {
      assert.equal(await firstAlertIdSince(db.db, minute(0)), undefined);
    });

    it('finds the boundary among 200 rows with gaps in their ids, at every minute', async () => {
      // Alert m*2 and m*2+1 are created at minute m; every third row is deleted afterwards (gaps).
      const ids: { id: number; minute: number }[] = [];
      for (let i = 0; i < 200; i++)
        ids.push({ id: await insert(minute(Math.floor(i / 2))), minute: Math.floor(i / 2) });
      const gone = ids.filter((_, i) => i % 3 === 1).map((r) => r.id);
      await db.db.deleteFrom('alerts').where('id', 'in', gone).execute();
      const kept = ids.filter((r) => !gone.includes(r.id));
      for (let m = 0; m <= 100; m++) {
        const expected = kept.find((r) => r.minute >= m)?.id;
        assert.equal(await firstAlertIdSince(db.db, minute(m)), expected, `since minute ${m}`);
      }
      assert.equal(await firstAlertIdSince(db.db, '2020-01-01T00:00:00.000Z'), kept[0]!.id, 'all of them');
    });
  });
}
