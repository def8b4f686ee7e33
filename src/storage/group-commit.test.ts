import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { sql, type Transaction } from 'kysely';
import { createTestDatabase, DIALECTS, type TestDatabase } from '../../test/support/databases.js';
import { GroupCommit } from './group-commit.js';
import type { DB } from './tables.js';

for (const dialect of DIALECTS) {
  describe(`GroupCommit (${dialect})`, () => {
    let database: TestDatabase;
    before(async () => {
      database = await createTestDatabase(dialect);
    });
    after(() => database.dispose());

    const insert = (trx: Transaction<DB>, key: string) =>
      trx
        .insertInto('scheduledTasks')
        .values({ key, kind: 'test', dueAt: '2026-12-07T00:00:00.000Z', payload: '{}', updatedAt: 'now' })
        .execute();
    const stored = async (prefix: string) =>
      (
        await database.db
          .selectFrom('scheduledTasks')
          .select('key')
          .where('key', 'like', `${prefix}%`)
          .orderBy('key')
          .execute()
      ).map((r) => r.key);
    /** The id of the transaction the statement runs in (PostgreSQL), or the piece's key (SQLite). */
    const transactionOf = async (trx: Transaction<DB>, key: string) =>
      dialect === 'postgres'
        ? String((await sql<{ id: string }>`select txid_current() as id`.execute(trx)).rows[0]!.id)
        : key;

    test('work queued in one turn shares one commit, and each caller hears after it, in order', async () => {
      const commits = new GroupCommit(database.db, database.sqlite);
      const order: string[] = [];
      const pieces = ['a1', 'a2', 'a3', 'a4', 'a5'].map((key) =>
        commits
          .execute(async (trx) => {
            await insert(trx, key);
            return transactionOf(trx, key);
          })
          .then((transaction) => {
            order.push(key);
            return transaction;
          }),
      );
      const transactions = await Promise.all(pieces);
      assert.equal(commits.commits, 1);
      if (dialect === 'postgres') assert.equal(new Set(transactions).size, 1);
      assert.deepEqual(order, ['a1', 'a2', 'a3', 'a4', 'a5']);
      assert.deepEqual(await stored('a'), ['a1', 'a2', 'a3', 'a4', 'a5']);
    });

    test('a piece that throws is undone and rejected alone; the others commit', async () => {
      const commits = new GroupCommit(database.db, database.sqlite);
      const results = await Promise.allSettled([
        commits.execute((trx) => insert(trx, 'b1')),
        commits.execute(async (trx) => {
          await insert(trx, 'b2');
          // A duplicate key: the database refuses it, after the piece wrote b2.
          await insert(trx, 'b1');
        }),
        commits.execute(async (trx) => {
          await insert(trx, 'b3');
          throw new Error('the piece changed its mind');
        }),
        commits.execute((trx) => insert(trx, 'b4')),
      ]);
      assert.deepEqual(
        results.map((r) => r.status),
        ['fulfilled', 'rejected', 'rejected', 'fulfilled'],
      );
      assert.match(String((results[2] as PromiseRejectedResult).reason), /changed its mind/);
      assert.equal(commits.commits, 1);
      assert.deepEqual(await stored('b'), ['b1', 'b4']);
    });

    test('a burst larger than the batch is split into several commits; work queued later gets its own', async () => {
      const commits = new GroupCommit(database.db, database.sqlite, 2);
      await Promise.all(
        ['c1', 'c2', 'c3', 'c4', 'c5'].map((key) => commits.execute((trx) => insert(trx, key))),
      );
      assert.equal(commits.commits, 3);
      await commits.execute((trx) => insert(trx, 'c6'));
      assert.equal(commits.commits, 4);
      assert.deepEqual(await stored('c'), ['c1', 'c2', 'c3', 'c4', 'c5', 'c6']);
    });

    test('work queued while a commit runs joins the next one', async () => {
      const commits = new GroupCommit(database.db, database.sqlite);
      let later: Promise<unknown> | undefined;
      await commits.execute(async (trx) => {
        await insert(trx, 'd1');
        later = Promise.all([
          commits.execute((t) => insert(t, 'd2')),
          commits.execute((t) => insert(t, 'd3')),
        ]);
      });
      await later;
      assert.equal(commits.commits, 2);
      assert.deepEqual(await stored('d'), ['d1', 'd2', 'd3']);
    });
  });
}
