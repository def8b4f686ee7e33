import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { sql } from 'kysely';
import { createTestDatabase, DIALECTS, type TestDatabase } from '../../../test/support/databases.js';
import { SYSTEM_ACTOR } from '../../core/actor.js';
import { FakeClock } from '../../core/clock.js';
import { type Database, type DialectName, openDatabase } from '../../storage/database.js';
import type { AuditEntry, AuditRecord } from './schema.js';
import { AuditService, GENESIS_HASH, recordHash } from './service.js';

// How appends are written (on SQLite, prepared statements in one BEGIN IMMEDIATE transaction; on
// PostgreSQL, Kysely under LOCK TABLE): whoever else writes, the chain stays one chain, and a batch
// is written whole or not at all.

function entry(n: number, overrides: Partial<AuditEntry> = {}): AuditEntry {
  return {
    actor: 'alice',
    actorId: 'u_alice',
    channel: 'web',
    action: 'command.run',
    decision: 'allowed',
    commandLine: `restart api #${n}`,
    args: { n },
    jobId: `j_${n}`,
    ...overrides,
  };
}

async function all(audit: AuditService): Promise<AuditRecord[]> {
  const out: AuditRecord[] = [];
  for await (const record of audit.export(SYSTEM_ACTOR)) out.push(record);
  return out;
}

for (const dialect of DIALECTS) {
  describe(`audit appends on ${dialect}`, () => {
    const opened: { dispose(): Promise<void> }[] = [];
    after(async () => {
      for (const database of opened.reverse()) await database.dispose();
    });

    async function fresh(): Promise<TestDatabase> {
      const database = await createTestDatabase(dialect as DialectName);
      opened.push(database);
      return database;
    }

    /** A second connection to the same data, as an offline CLI beside the server would open. */
    function secondConnection(database: TestDatabase): Database {
      const other = openDatabase({ dataDir: '/nonexistent', databaseUrl: database.url, maxConnections: 2 });
      opened.push({ dispose: () => other.close() });
      return other;
    }

    test('two writers on two connections interleave into one chain (the head is read under the lock)', async () => {
      const database = await fresh();
      const server = new AuditService({ database, clock: new FakeClock() });
      const cli = new AuditService({ database: secondConnection(database), clock: new FakeClock() });
      await server.record(entry(1));
      await cli.record(entry(2, { channel: 'cli' }));
      for (let round = 0; round < 5; round++) {
        for (let i = 0; i < 40; i++) server.enqueue(entry(100 * round + i));
        await Promise.all(Array.from({ length: 10 }, (_, i) => cli.record(entry(1000 + 100 * round + i))));
        await server.drain();
      }
      await server.record(entry(3));
      const records = await all(server);
      assert.equal(records.length, 3 + 5 * 50);
      assert.deepEqual(
        records.map((r) => r.seq),
        records.map((_, i) => i + 1),
      );
      let prev = GENESIS_HASH;
      for (const record of records) {
        assert.equal(record.prevHash, prev, `record ${record.seq} links to the one before`);
        assert.equal(recordHash(record), record.hash);
        prev = record.hash;
      }
      assert.deepEqual(await cli.verify(SYSTEM_ACTOR), { ok: true, count: records.length, lastHash: prev });
    });

    test('a batch with a row the database refuses is written not at all, and the next one is', async () => {
      const database = await fresh();
      if (dialect === 'sqlite') {
        await sql`CREATE TRIGGER refuse_boom BEFORE INSERT ON audit_log WHEN NEW.actor = 'boom'
          BEGIN SELECT RAISE(ABORT, 'boom refused'); END`.execute(database.db);
      } else {
        await sql`CREATE FUNCTION refuse_boom() RETURNS trigger LANGUAGE plpgsql AS $$
          BEGIN IF NEW.actor = 'boom' THEN RAISE EXCEPTION 'boom refused'; END IF; RETURN NEW; END $$`.execute(
          database.db,
        );
        await sql`CREATE TRIGGER refuse_boom BEFORE INSERT ON audit_log
          FOR EACH ROW EXECUTE FUNCTION refuse_boom()`.execute(database.db);
      }
      const errors: { error: unknown; action: string }[] = [];
      const audit = new AuditService({
        database,
        clock: new FakeClock(),
        onError: (error, action) => errors.push({ error, action }),
      });
      await audit.record(entry(1));
      audit.enqueue(entry(2), 'a');
      audit.enqueue(entry(3, { actor: 'boom' }), 'b');
      audit.enqueue(entry(4), 'c');
      await audit.drain();
      assert.deepEqual(
        errors.map((e) => e.action),
        ['a', 'b', 'c'],
        'every entry of the failed batch is reported',
      );
      assert.match(String(errors[0]!.error), /boom refused/);
      if (database.sqlite) assert.equal(database.sqlite.inTransaction, false, 'rolled back');
      await assert.rejects(audit.record(entry(5, { actor: 'boom' })), /boom refused/);
      const next = await audit.record(entry(6));
      assert.equal(next.seq, 2, 'nothing of the failed batches took a seq');
      assert.deepEqual(
        (await all(audit)).map((r) => r.jobId),
        ['j_1', 'j_6'],
      );
      assert.equal((await audit.verify(SYSTEM_ACTOR)).ok, true);
    });

    test('a burst that never yields to the event loop is written a batch at a time as it comes', async (t) => {
      if (dialect !== 'sqlite') return t.skip('needs a database that answers without I/O (SQLite)');
      const database = await fresh();
      const audit = new AuditService({ database, clock: new FakeClock() });
      const count = () =>
        (database.sqlite!.prepare('SELECT count(*) AS n FROM audit_log').get() as { n: number }).n;
      // Only promise continuations between entries, as a dispatcher answering from memory makes them.
      for (let i = 1; i <= 1200; i++) {
        audit.enqueue(entry(i));
        await Promise.resolve();
      }
      const writtenDuringBurst = count();
      assert.ok(writtenDuringBurst >= 500, `full batches written during the burst (${writtenDuringBurst})`);
      assert.ok(writtenDuringBurst < 1200, 'the rest waits for the event loop to turn');
      await audit.drain();
      assert.equal(count(), 1200);
      assert.deepEqual(
        (await all(audit)).map((r) => r.jobId),
        Array.from({ length: 1200 }, (_, i) => `j_${i + 1}`),
      );
      assert.equal((await audit.verify(SYSTEM_ACTOR)).ok, true);
    });

    test('appends through Kysely alone (a database without the raw SQLite handle) continue the same chain', async () => {
      const database = await fresh();
      const prepared = new AuditService({ database, clock: new FakeClock() });
      const { sqlite: _raw, ...withoutHandle } = database;
      const plain = new AuditService({ database: withoutHandle, clock: new FakeClock() });
      await prepared.record(entry(1));
      await plain.record(entry(2));
      for (let i = 3; i <= 60; i++) (i % 2 ? prepared : plain).enqueue(entry(i));
      await Promise.all([prepared.drain(), plain.drain()]);
      await prepared.record(entry(61));
      const verdict = await plain.verify(SYSTEM_ACTOR);
      assert.deepEqual(verdict.ok && verdict.count, 61);
    });

    test('records keep their exact text: what record() returns is what is read back', async () => {
      const database = await fresh();
      const audit = new AuditService({ database, clock: new FakeClock() });
      const written = [
        await audit.record(
          entry(1, { commandLine: 'say "hi" \\ 🚀 \u2028', args: { q: 'a"b', list: [1, null] } }),
        ),
        await audit.record(entry(2, { commandLine: null, args: null, roomId: 'r_x', decidedBy: 'bob' })),
      ];
      assert.deepEqual(await all(audit), written);
      assert.equal(written[0]!.args, '{"list":[1,null],"q":"a\\"b"}');
    });
  });
}
