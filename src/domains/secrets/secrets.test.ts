import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { createTestDatabase, DIALECTS, type TestDatabase } from '../../../test/support/databases.js';
import { type Actor, SYSTEM_ACTOR } from '../../core/actor.js';
import { FakeClock } from '../../core/clock.js';
import { CodedError, NotFoundError, PermissionDeniedError, ValidationError } from '../../core/errors.js';
import type { EventEnvelope } from '../../core/events.js';
import { InProcessEventBus } from '../../runtime/event-bus.js';
import { SecretKeyMismatchError } from './cipher.js';
import { startSecrets } from './index.js';
import type { SecretService } from './service.js';

const admin: Actor = { userId: 'u_admin', username: 'alice', roles: ['admin'], channel: 'cli' };
const member: Actor = { userId: 'u_m', username: 'mallory', roles: ['member'], channel: 'api' };
const VALUE = 'pg-password-Zx81!';

for (const dialect of DIALECTS) {
  describe(`SecretService on ${dialect}`, () => {
    let database: TestDatabase;
    let secrets: SecretService;
    let bus: InProcessEventBus;
    const key = randomBytes(32);
    const events: EventEnvelope[] = [];
    const errors: unknown[] = [];
    const clock = new FakeClock(new Date('2025-01-02T03:04:05Z'));

    before(async () => {
      database = await createTestDatabase(dialect);
      bus = new InProcessEventBus(clock);
      bus.subscribeAll((e) => events.push(e));
      secrets = await startSecrets({ db: database.db, key, clock, bus, onError: (e) => errors.push(e) });
    });
    after(async () => {
      secrets.stop();
      await database.dispose();
    });

    test('set, list, resolve: the value is stored encrypted and never listed', async () => {
      assert.deepEqual(await secrets.set(admin, 'DB_PASSWORD', VALUE), { created: true });
      assert.deepEqual(await secrets.set(admin, 'API_TOKEN', 'tok_123456789'), { created: true });
      assert.equal(await secrets.resolve('DB_PASSWORD'), VALUE);

      const listed = await secrets.list(admin);
      assert.deepEqual(
        listed.map((s) => s.name),
        ['API_TOKEN', 'DB_PASSWORD'],
      );
      assert.deepEqual(Object.keys(listed[0]!).sort(), ['createdAt', 'name', 'updatedAt', 'updatedBy']);
      assert.equal(listed[0]!.updatedBy, 'alice');
      assert.ok(!JSON.stringify(listed).includes(VALUE));

      const rows = await database.db.selectFrom('secrets').selectAll().execute();
      const dump = JSON.stringify(rows);
      for (const form of [VALUE, Buffer.from(VALUE).toString('base64'), Buffer.from(VALUE).toString('hex')])
        assert.ok(!dump.includes(form), `the row holds ${form}`);
      assert.ok(rows.every((r) => r.keyId === secrets.keyId && /^[0-9a-f]{8}$/.test(r.keyId)));

      // Events carry names, never values.
      const secretEvents = events.filter((e) => e.type.startsWith('secret.'));
      assert.deepEqual(
        secretEvents.map((e) => [e.type, e.payload]),
        [
          ['secret.set', { name: 'DB_PASSWORD', created: true, by: 'alice' }],
          ['secret.set', { name: 'API_TOKEN', created: true, by: 'alice' }],
        ],
      );
      assert.ok(!JSON.stringify(events).includes(VALUE));
    });

    test('replacing a value keeps createdAt, and the redactor follows at once', async () => {
      const before = (await secrets.list(admin)).find((s) => s.name === 'API_TOKEN')!;
      clock.advance(60_000);
      assert.deepEqual(await secrets.set(admin, 'API_TOKEN', 'tok_rotated_99'), { created: false });
      const after = (await secrets.list(admin)).find((s) => s.name === 'API_TOKEN')!;
      assert.equal(after.createdAt, before.createdAt);
      assert.notEqual(after.updatedAt, before.updatedAt);
      const redactor = secrets.redactor();
      assert.equal(
        redactor.redact('old tok_123456789 new tok_rotated_99'),
        'old tok_123456789 new [redacted:API_TOKEN]',
      );
      assert.equal(redactor.redact(`pw=${VALUE}`), 'pw=[redacted:DB_PASSWORD]');
    });

    test('render fills {{ secret.NAME }} with any spacing; unknown names are named', async () => {
      assert.equal(
        await secrets.render('Bearer {{secret.API_TOKEN}} / {{  secret.DB_PASSWORD }} / {{ other }}'),
        `Bearer tok_rotated_99 / ${VALUE} / {{ other }}`,
      );
      assert.equal(
        await secrets.render('https://x.test/?pw={{ secret.DB_PASSWORD }}', { encode: encodeURIComponent }),
        `https://x.test/?pw=${encodeURIComponent(VALUE)}`,
      );
      await assert.rejects(
        secrets.render('{{ secret.NOPE }} {{ secret.lower }} {{ secret.API_TOKEN }}'),
        (error: unknown) =>
          error instanceof ValidationError && /unknown secrets 'NOPE', 'lower'/.test(error.message),
      );
      await assert.rejects(secrets.resolve('NOPE'), NotFoundError);
    });

    test('only admins change or list; names and values are validated', async () => {
      await assert.rejects(secrets.set(member, 'X_TOKEN', 'abcdefgh'), PermissionDeniedError);
      await assert.rejects(secrets.list(member), PermissionDeniedError);
      await assert.rejects(secrets.remove(member, 'API_TOKEN'), PermissionDeniedError);
      await assert.rejects(secrets.set(admin, 'lower_case', 'abcdefgh'), /secret name is A-Z/);
      await assert.rejects(secrets.set(admin, `A${'B'.repeat(64)}`, 'abcdefgh'), ValidationError);
      await assert.rejects(secrets.set(admin, 'TINY', 'abc'), /at least 4 characters/);
      await assert.rejects(secrets.set(admin, 'HUGE', 'x'.repeat(70_000)), /at most 65536/);
    });

    test('remove: gone from the list, from render and from the redactor; unknown is 404', async () => {
      await secrets.remove(SYSTEM_ACTOR, 'API_TOKEN');
      assert.deepEqual(
        (await secrets.list(admin)).map((s) => s.name),
        ['DB_PASSWORD'],
      );
      assert.equal(secrets.redactor().redact('tok_rotated_99'), 'tok_rotated_99');
      await assert.rejects(secrets.render('{{ secret.API_TOKEN }}'), /unknown secret 'API_TOKEN'/);
      await assert.rejects(secrets.remove(admin, 'API_TOKEN'), NotFoundError);
      const last = events.at(-1)!;
      assert.deepEqual([last.type, last.payload], ['secret.removed', { name: 'API_TOKEN', by: 'system' }]);
    });

    test('a second node sees changes through the bus; a wrong key is detected clearly', async () => {
      const other = await startSecrets({ db: database.db, key, clock, bus });
      assert.equal(other.redactor().redact(VALUE), '[redacted:DB_PASSWORD]');
      await secrets.set(admin, 'LATE_TOKEN', 'late-value-1');
      await other.refresh();
      assert.equal(other.redactor().redact('late-value-1'), '[redacted:LATE_TOKEN]');
      other.stop();

      const wrongErrors: unknown[] = [];
      const wrong = await startSecrets({
        db: database.db,
        key: randomBytes(32),
        clock,
        bus: new InProcessEventBus(clock),
        onError: (e) => wrongErrors.push(e),
      });
      // It starts (the server stays up), reports each unreadable secret, and refuses to resolve them.
      assert.equal(wrongErrors.length, 2);
      assert.ok(wrongErrors.every((e) => e instanceof SecretKeyMismatchError));
      await assert.rejects(
        wrong.resolve('DB_PASSWORD'),
        (error: unknown) =>
          error instanceof CodedError &&
          error.message.includes(`encrypted with key ${secrets.keyId}`) &&
          error.message.includes(`current key is ${wrong.keyId}`),
      );
      wrong.stop();
      assert.deepEqual(errors, []);
    });
  });
}
