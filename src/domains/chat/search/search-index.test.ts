import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import type { Kysely } from 'kysely';
import { createTestDatabase } from '../../../../test/support/databases.js';
import { openSqlite } from '../../../storage/database.js';
import * as core from '../../../storage/migrations/001-core.js';
import * as search from '../../../storage/migrations/002-search.js';
import { parseSearchQuery } from './query.js';
import { createSearchStore } from './search-store.js';

// The SQLite-only machinery of migration 002: FTS5 external-content bookkeeping and the upgrade path.
describe('SQLite search indexes', () => {
  test("FTS5 integrity-check agrees with the triggers' bookkeeping", async () => {
    const database = await createTestDatabase('sqlite');
    try {
      const raw = database.sqlite!;
      raw.exec(`INSERT INTO users VALUES ('u', 'u', 'u', '[]', NULL, 'x', 'x', NULL);
        INSERT INTO rooms VALUES ('r', 'r', 'public', '', 'u', 'x', NULL, 0);`);
      const insert = raw.prepare(
        `INSERT INTO messages (id, room_id, user_id, text, created_at) VALUES (?, 'r', 'u', ?, 'x')`,
      );
      for (let i = 0; i < 20; i++) insert.run(`m${i}`, `message ${i} with E_CONN_RESET`);
      raw.exec(`UPDATE messages SET text = text || ' edited' WHERE num % 3 = 0;
        UPDATE messages SET deleted_at = 'x' WHERE num % 4 = 0;
        UPDATE messages SET text = 'changed while deleted' WHERE num = 8;
        UPDATE messages SET deleted_at = NULL WHERE num = 12;
        DELETE FROM messages WHERE num IN (5, 16);`);
      for (const table of ['messages_trigrams', 'messages_words']) {
        raw.exec(`INSERT INTO ${table}(${table}, rank) VALUES ('integrity-check', 1)`);
      }
      const indexed = raw
        .prepare(`SELECT count(*) AS n FROM messages_words WHERE messages_words MATCH 'message'`)
        .get();
      const live = raw.prepare(`SELECT count(*) AS n FROM messages WHERE deleted_at IS NULL`).get();
      assert.deepEqual(indexed, live);
    } finally {
      await database.dispose();
    }
  });

  test('upgrading a database that already has messages indexes them', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'opsroom-search-upgrade-'));
    const database = openSqlite(join(dir, 'db.sqlite'));
    try {
      const db = database.db as unknown as Kysely<unknown>;
      await core.up(db, 'sqlite');
      database.sqlite!.exec(`INSERT INTO users VALUES ('u', 'u', 'u', '[]', NULL, 'x', 'x', NULL);
        INSERT INTO rooms VALUES ('r', 'r', 'public', '', 'u', 'x', NULL, 0);
        INSERT INTO messages (id, room_id, user_id, text, created_at, deleted_at) VALUES
          ('a', 'r', 'u', 'old E_CONN_RESET', '2024-05-02T00:00:00.000Z', NULL),
          ('b', 'r', 'u', 'older E_CONN_RESET', '2024-05-01T00:00:00.000Z', NULL),
          ('c', 'r', 'u', 'deleted E_CONN_RESET', '2024-05-03T00:00:00.000Z', '2024-05-04T00:00:00.000Z');`);
      await search.up(db, 'sqlite');
      const store = createSearchStore(database);
      const found = async (q: string) =>
        (await store.search({ query: parseSearchQuery(q), viewerUserId: 'u', limit: 10 })).map(
          (h) => h.messageId,
        );
      assert.deepEqual(await found('CONN_RESET'), ['b', 'a']);
      assert.deepEqual(await found('ol'), ['b', 'a']);
      assert.deepEqual(await found('CONN_RESET before:2024-05-02'), ['b']);
      const listed = database.sqlite!.prepare('SELECT num FROM messages_out_of_order').all();
      assert.deepEqual(listed, [{ num: 2 }]);
    } finally {
      await database.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
