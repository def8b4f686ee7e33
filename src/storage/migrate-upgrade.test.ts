import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { openSqlite } from './database.js';
import { migrateToLatest, migrateUpTo } from './migrate.js';

describe('upgrading a SQLite database that has data', () => {
  const dir = mkdtempSync(join(tmpdir(), 'opsroom-upgrade-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('015: alert memberships move to a table keyed by (group, alert), every row and flag kept', async () => {
    const database = openSqlite(join(dir, 'opsroom.sqlite'));
    try {
      await migrateUpTo(database, '014-alerts-no-created-index');
      const sqlite = database.sqlite!;
      const insert = sqlite.prepare(
        'insert into alert_group_alerts (group_id, alert_id, noticed) values (?, ?, ?)',
      );
      for (let i = 1; i <= 50; i++) insert.run(1 + (i % 3), i, i % 2);
      const before = sqlite.prepare('select * from alert_group_alerts order by group_id, alert_id').all();

      await migrateToLatest(database);

      assert.deepEqual(
        sqlite.prepare('select * from alert_group_alerts order by group_id, alert_id').all(),
        before,
      );
      const table = sqlite
        .prepare("select sql from sqlite_master where name = 'alert_group_alerts'")
        .get() as {
        sql: string;
      };
      assert.match(table.sql, /without rowid/i);
      const plan = sqlite
        .prepare('explain query plan select group_id from alert_group_alerts where alert_id = ?')
        .all(7) as { detail: string }[];
      assert.match(
        plan.map((p) => p.detail).join(' '),
        /alert_group_alerts_alert/,
        'found by alert through its index',
      );
      assert.throws(
        () => insert.run(2, 1, 0),
        /UNIQUE|PRIMARY KEY/,
        'still one membership per (group, alert)',
      );
    } finally {
      await database.close();
    }
  });
});
