import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { sql } from 'kysely';
import { startTestApp, type TestApp } from '../../../test/support/app.js';
import { createTestDatabase, DIALECTS, type TestDatabase } from '../../../test/support/databases.js';
import { type Actor, SYSTEM_ACTOR } from '../../core/actor.js';
import { FakeClock } from '../../core/clock.js';
import { PermissionDeniedError, ValidationError } from '../../core/errors.js';
import type { DialectName } from '../../storage/database.js';
import type { AuditEntry, AuditRecord } from './schema.js';
import { AuditService, GENESIS_HASH, MAX_COMMAND_LINE, recordHash } from './service.js';

const alice: Actor = { userId: 'u_alice', username: 'alice', roles: ['operator'], channel: 'web' };

function entry(n: number, overrides: Partial<AuditEntry> = {}): AuditEntry {
  return {
    actor: 'alice',
    actorId: 'u_alice',
    channel: 'web',
    action: 'command.run',
    decision: 'allowed',
    roomId: 'r_ops',
    commandLine: `deploy api to staging #${n}`,
    args: { app: 'api', env: 'staging', n },
    jobId: `j_${n}`,
    outcome: 'succeeded',
    ...overrides,
  };
}

async function all(audit: AuditService): Promise<AuditRecord[]> {
  const out: AuditRecord[] = [];
  for await (const record of audit.export(SYSTEM_ACTOR)) out.push(record);
  return out;
}

/** What someone with database rights does first: the append-only triggers are in their way. */
async function dropGuards(database: TestDatabase): Promise<void> {
  if (database.dialect === 'sqlite') {
    await sql`DROP TRIGGER audit_log_no_update`.execute(database.db);
    await sql`DROP TRIGGER audit_log_no_delete`.execute(database.db);
  } else {
    await sql`DROP TRIGGER audit_log_append_only ON audit_log`.execute(database.db);
  }
}

for (const dialect of DIALECTS) {
  describe(`audit log on ${dialect}`, () => {
    const opened: TestDatabase[] = [];
    after(async () => {
      for (const database of opened) await database.dispose();
    });

    async function fresh(count = 0): Promise<{ database: TestDatabase; audit: AuditService }> {
      const database = await createTestDatabase(dialect as DialectName);
      opened.push(database);
      const audit = new AuditService({
        database,
        clock: new FakeClock(),
        redact: (text) => text.replaceAll('hunter2', '[secret]'),
      });
      for (let n = 1; n <= count; n++) await audit.record(entry(n));
      return { database, audit };
    }

    test('appends a chain that verifies, and the hashes recompute from the stored rows', async () => {
      const { audit } = await fresh();
      assert.deepEqual(await audit.verify(SYSTEM_ACTOR), { ok: true, count: 0, lastHash: null });
      const first = await audit.record(entry(1));
      assert.equal(first.seq, 1);
      assert.equal(first.prevHash, GENESIS_HASH);
      assert.equal(first.args, '{"app":"api","env":"staging","n":1}', 'canonical JSON text');
      assert.equal(first.detail, '{}');
      const second = await audit.record(entry(2, { decision: 'approved', decidedBy: 'bob' }));
      assert.equal(second.prevHash, first.hash);
      const stored = await all(audit);
      assert.deepEqual(stored, [first, second], 'what record() returns is what was stored');
      for (const record of stored) assert.equal(recordHash(record), record.hash);
      assert.deepEqual(await audit.verify(SYSTEM_ACTOR), { ok: true, count: 2, lastHash: second.hash });
    });

    test('50 concurrent appends make one contiguous, valid chain', async () => {
      const { audit } = await fresh(3);
      await Promise.all(Array.from({ length: 50 }, (_, i) => audit.record(entry(100 + i))));
      const records = await all(audit);
      assert.deepEqual(
        records.map((r) => r.seq),
        Array.from({ length: 53 }, (_, i) => i + 1),
      );
      assert.equal(new Set(records.map((r) => r.args)).size, 53, 'every append is there once');
      assert.deepEqual(await audit.verify(SYSTEM_ACTOR), {
        ok: true,
        count: 53,
        lastHash: records[52]!.hash,
      });
    });

    test('the table refuses UPDATE and DELETE', async () => {
      const { database } = await fresh(2);
      await assert.rejects(
        sql`UPDATE audit_log SET outcome = 'failed' WHERE seq = 1`.execute(database.db),
        /append-only/,
      );
      await assert.rejects(sql`DELETE FROM audit_log WHERE seq = 2`.execute(database.db), /append-only/);
    });

    test('a row edited by hand fails verification at that row', async () => {
      const { database, audit } = await fresh(10);
      await dropGuards(database);
      await sql`UPDATE audit_log SET outcome = 'failed' WHERE seq = 7`.execute(database.db);
      const result = await audit.verify(SYSTEM_ACTOR);
      assert.deepEqual(result, { ok: false, seq: 7, reason: 'hash mismatch: the record was edited' });
    });

    test('an edit that recomputes its own hash is caught at the next row', async () => {
      const { database, audit } = await fresh(10);
      await dropGuards(database);
      const [row] = (await all(audit)).filter((r) => r.seq === 7);
      const forged = { ...row!, outcome: 'failed' };
      const hash = recordHash(forged);
      await sql`UPDATE audit_log SET outcome = 'failed', hash = ${hash} WHERE seq = 7`.execute(database.db);
      const result = await audit.verify(SYSTEM_ACTOR);
      assert.equal(result.ok, false);
      assert.equal(!result.ok && result.seq, 8);
      assert.match(!result.ok ? result.reason : '', /prev_hash does not match the hash of record 7/);
    });

    test('a deleted row is named as the gap', async () => {
      const { database, audit } = await fresh(10);
      await dropGuards(database);
      await sql`DELETE FROM audit_log WHERE seq = 4`.execute(database.db);
      assert.deepEqual(await audit.verify(SYSTEM_ACTOR), {
        ok: false,
        seq: 4,
        reason: 'record 4 is missing (the next is 5): it was deleted',
      });
    });

    test('an inserted row that does not chain is named', async () => {
      const { database, audit } = await fresh(5);
      const fake = { ...entry(6), seq: 6, at: new Date().toISOString() };
      await sql`INSERT INTO audit_log (seq, at, actor, actor_id, channel, action, decision, detail, prev_hash, hash)
        VALUES (6, ${fake.at}, 'mallory', 'u_m', 'web', 'command.run', 'allowed', '{}', ${'f'.repeat(64)}, ${'e'.repeat(64)})`.execute(
        database.db,
      );
      const result = await audit.verify(SYSTEM_ACTOR);
      assert.equal(!result.ok && result.seq, 6);
    });

    test('verify walks more than one page', async () => {
      const { audit } = await fresh();
      await Promise.all(Array.from({ length: 520 }, (_, i) => audit.record(entry(i))));
      const result = await audit.verify(SYSTEM_ACTOR);
      assert.equal(result.ok && result.count, 520);
    });

    test('secrets are redacted before hashing; long command lines are truncated', async () => {
      const { audit } = await fresh();
      const record = await audit.record(
        entry(1, {
          commandLine: 'login --password hunter2',
          args: { password: 'hunter2', list: ['x hunter2 y'] },
          detail: { nested: { token: 'hunter2' } },
        }),
      );
      assert.doesNotMatch(JSON.stringify(record), /hunter2/);
      assert.equal(record.commandLine, 'login --password [secret]');
      assert.equal(record.args, '{"list":["x [secret] y"],"password":"[secret]"}');
      const long = await audit.record(entry(2, { commandLine: `echo ${'x'.repeat(100_000)}\u0000` }));
      assert.ok(long.commandLine!.length < MAX_COMMAND_LINE + 40);
      assert.match(long.commandLine!, /… \[100006 characters\]$/);
      assert.equal((await audit.verify(SYSTEM_ACTOR)).ok, true);
    });

    test('bad entries are refused before anything is written', async () => {
      const { audit } = await fresh();
      await assert.rejects(audit.record(entry(1, { decision: 'maybe' as 'allowed' })), ValidationError);
      await assert.rejects(audit.record(entry(1, { action: '' })), ValidationError);
      await assert.rejects(
        audit.record(entry(1, { args: { x: Number.NaN } })),
        /canonicalJson: \$\.x is NaN/,
      );
      assert.equal((await all(audit)).length, 0);
    });

    test('list filters by actor and action and pages newest first; only admins read', async () => {
      const { audit } = await fresh(5);
      await audit.record(entry(6, { actor: 'bob', actorId: 'u_bob', action: 'token.revoked' }));
      const page = await audit.list(SYSTEM_ACTOR, { limit: 4 });
      assert.deepEqual(
        page.records.map((r) => r.seq),
        [6, 5, 4, 3],
      );
      assert.equal(page.nextBefore, 3);
      const rest = await audit.list(SYSTEM_ACTOR, { limit: 4, before: 3 });
      assert.deepEqual(
        rest.records.map((r) => r.seq),
        [2, 1],
      );
      assert.equal(rest.nextBefore, null);
      const bob = await audit.list(SYSTEM_ACTOR, { actor: 'bob' });
      assert.deepEqual(
        bob.records.map((r) => r.seq),
        [6],
      );
      const runs = await audit.list(SYSTEM_ACTOR, { action: 'command.run' });
      assert.equal(runs.records.length, 5);
      await assert.rejects(audit.list(SYSTEM_ACTOR, { limit: 0 }), ValidationError);
      await assert.rejects(audit.list(alice), PermissionDeniedError);
      await assert.rejects(audit.verify(alice), PermissionDeniedError);
      assert.throws(() => audit.export(alice), PermissionDeniedError);
    });

    test('enqueue keeps call order and reports failures without throwing, even if reporting fails', async () => {
      const errors: unknown[] = [];
      const database = await createTestDatabase(dialect as DialectName);
      opened.push(database);
      const onError = (error: unknown) => {
        errors.push(error);
        throw new Error('the reporter failed too');
      };
      const audit = new AuditService({ database, clock: new FakeClock(), onError });
      audit.enqueue(entry(1));
      audit.enqueue(async () => entry(2));
      audit.enqueue(entry(3, { channel: 'carrier-pigeon' as 'web' }));
      audit.enqueue(entry(4));
      await audit.drain();
      assert.deepEqual(
        (await all(audit)).map((r) => r.jobId),
        ['j_1', 'j_2', 'j_4'],
      );
      assert.equal(errors.length, 1);
      assert.ok(errors[0] instanceof ValidationError);
    });

    test('a burst of enqueued entries is written in batches that still make one valid chain', async () => {
      const database = await createTestDatabase(dialect as DialectName);
      opened.push(database);
      const audit = new AuditService({ database, clock: new FakeClock() });
      for (let i = 1; i <= 1234; i++) audit.enqueue(entry(i));
      await audit.record(entry(9999));
      await audit.drain();
      audit.enqueue(entry(10_000));
      await audit.drain();
      const records = await all(audit);
      assert.equal(records.length, 1236);
      const queued = records.map((r) => r.jobId).filter((id) => id !== 'j_9999');
      assert.deepEqual(
        queued,
        [...Array.from({ length: 1234 }, (_, i) => `j_${i + 1}`), 'j_10000'],
        'queued entries keep their order',
      );
      const verdict = await audit.verify(SYSTEM_ACTOR);
      assert.deepEqual(verdict.ok && verdict.count, 1236);
    });
  });

  describe(`audit through the app on ${dialect}`, () => {
    let server: TestApp;
    before(async () => {
      server = await startTestApp(dialect);
    });
    after(() => server.dispose());

    test('identity changes made over the API become audit records', async () => {
      const created = await server.request({
        method: 'POST',
        url: '/api/users',
        payload: { username: 'dana', roles: ['member'] },
        as: server.admin,
      });
      assert.equal(created.statusCode, 201, created.body);
      const roles = await server.request({
        method: 'PUT',
        url: '/api/users/dana/roles',
        payload: { roles: ['operator'] },
        as: server.admin,
      });
      assert.equal(roles.statusCode, 200, roles.body);
      await server.app.audit.drain();

      const response = await server.request({ method: 'GET', url: '/api/audit?limit=2', as: server.admin });
      assert.equal(response.statusCode, 200, response.body);
      const { records } = response.json() as { records: AuditRecord[] };
      const [changed, added] = records;
      assert.equal(changed?.action, 'user.roles_changed');
      assert.equal(added?.action, 'user.created');
      assert.equal(added?.actor, 'root');
      assert.match(added?.actorId ?? '', /^u_/);
      assert.deepEqual(JSON.parse(added!.detail).username, 'dana');
      assert.deepEqual(JSON.parse(changed!.detail).roles, ['operator']);

      const byAction = await server.request({
        method: 'GET',
        url: '/api/audit?action=token.created',
        as: server.admin,
      });
      assert.ok((byAction.json() as { records: AuditRecord[] }).records.length >= 1, 'the test tokens');

      const verify = await server.request({ method: 'GET', url: '/api/audit/verify', as: server.admin });
      assert.equal(verify.statusCode, 200);
      assert.equal((verify.json() as { ok: boolean }).ok, true);
    });

    test('only admins may read it; bad queries are a 400', async () => {
      const member = await server.user('erin', ['member']);
      for (const url of ['/api/audit', '/api/audit/verify', '/api/audit/export']) {
        const response = await server.request({ method: 'GET', url, as: member });
        assert.equal(response.statusCode, 403, url);
      }
      const bad = await server.request({ method: 'GET', url: '/api/audit?limit=9999', as: server.admin });
      assert.equal(bad.statusCode, 400);
      const unknown = await server.request({ method: 'GET', url: '/api/audit?colour=red', as: server.admin });
      assert.equal(unknown.statusCode, 400);
      const anonymous = await server.request({ method: 'GET', url: '/api/audit' });
      assert.equal(anonymous.statusCode, 401);
    });

    test('export streams JSON Lines that re-verify on their own', async () => {
      await server.app.audit.drain();
      const response = await server.request({ method: 'GET', url: '/api/audit/export', as: server.admin });
      assert.equal(response.statusCode, 200);
      assert.match(String(response.headers['content-type']), /ndjson/);
      const records = response.body
        .trim()
        .split('\n')
        .map((line) => JSON.parse(line) as AuditRecord);
      let prev = GENESIS_HASH;
      for (const [i, record] of records.entries()) {
        assert.equal(record.seq, i + 1);
        assert.equal(record.prevHash, prev);
        assert.equal(recordHash(record), record.hash);
        prev = record.hash;
      }
    });
  });
}
