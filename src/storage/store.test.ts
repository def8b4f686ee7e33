import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { sql } from 'kysely';
import { createTestDatabase, DIALECTS, type TestDatabase } from '../../test/support/databases.js';

for (const dialect of DIALECTS) {
  describe(`storage on ${dialect}`, () => {
    let database: TestDatabase;
    before(async () => {
      database = await createTestDatabase(dialect);
    });
    after(() => database.dispose());

    test('migrations create the core tables and record themselves', async () => {
      const rows = await sql<{ name: string }>`select name from opsroom_migrations`.execute(database.db);
      assert.ok(rows.rows.some((r) => r.name === '001-core'));
    });

    test('foreign keys are enforced', async () => {
      await assert.rejects(
        database.db
          .insertInto('roomMembers')
          .values({ roomId: 'missing', userId: 'missing', role: 'member', joinedAt: 'x' })
          .execute(),
      );
    });
  });
}
