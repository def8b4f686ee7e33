import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createTestDatabase } from '../../../test/support/databases.js';
import type { Prepared } from './ingest-prepare.js';
import { SqliteAlertStatements } from './sqlite-alert-statements.js';

const alert = (fingerprint: string): Prepared => ({
  labels: { alertname: 'Disk' },
  labelsJson: '{"alertname":"Disk"}',
  annotationsJson: '{}',
  fingerprint,
  alertname: 'Disk',
  severity: 'warning',
  status: 'firing',
  startsAt: '2026-01-01T00:00:00.000Z',
  endsAt: null,
  generatorUrl: null,
});

describe('SqliteAlertStatements', () => {
  it('writes inside the Kysely transaction it is called in: rolled back with it, committed with it', async () => {
    const database = await createTestDatabase('sqlite');
    try {
      const statements = new SqliteAlertStatements(database.sqlite!);
      const now = '2026-01-01T00:00:01.000Z';
      const count = async () => (await database.db.selectFrom('alerts').select('id').execute()).length;
      await assert.rejects(
        database.db.transaction().execute(async (trx) => {
          await trx.selectFrom('alerts').select('id').execute();
          statements.insertAlerts('i1', [alert('a'), alert('b')], now);
          throw new Error('rolled back');
        }),
        /rolled back/,
      );
      assert.equal(await count(), 0);

      const ids = await database.db
        .transaction()
        .execute(async () => statements.insertAlerts('i1', [alert('a'), alert('b')], now));
      // One id per alert given, in order.
      assert.equal(ids.length, 2);
      assert.ok(ids.every((id) => typeof id === 'number'));
      assert.notEqual(ids[0], ids[1]);
      assert.equal(await count(), 2);
      // Stored already (another node, a retry): no new row and no id, so the delivery adds nothing for it.
      const again = statements.insertAlerts('i1', [alert('a'), alert('c')], now);
      assert.equal(again.length, 2);
      assert.equal(again[0], undefined);
      assert.equal(typeof again[1], 'number');

      statements.applyChanges(
        [{ id: ids[0]!, p: { ...alert('a'), endsAt: now } }],
        [{ id: ids[1]!, p: { ...alert('b'), annotationsJson: '{"x":"1"}' } }],
        now,
      );
      const rows = await database.db
        .selectFrom('alerts')
        .select(['fingerprint', 'status', 'annotations', 'endsAt'])
        .orderBy('fingerprint')
        .execute();
      assert.deepEqual(rows, [
        { fingerprint: 'a', status: 'resolved', annotations: '{}', endsAt: now },
        { fingerprint: 'b', status: 'firing', annotations: '{"x":"1"}', endsAt: null },
        { fingerprint: 'c', status: 'firing', annotations: '{}', endsAt: null },
      ]);
    } finally {
      await database.dispose();
    }
  });
});
