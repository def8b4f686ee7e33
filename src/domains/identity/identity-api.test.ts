import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { pino } from 'pino';
import { startTestApp, type TestApp } from '../../../test/support/app.js';
import { createTestDatabase, DIALECTS } from '../../../test/support/databases.js';
import { buildApp } from '../../app.js';
import { configSchema } from '../../config/schema.js';
import { SYSTEM_ACTOR } from '../../core/actor.js';

test('an empty database gets an admin user and a setup token on first start', async () => {
  const database = await createTestDatabase('sqlite');
  const app = await buildApp(configSchema.parse({}), { database, logger: pino({ level: 'silent' }) });
  try {
    const first = await app.bootstrap.prepare();
    const second = await app.bootstrap.prepare();
    assert.ok(first && second && first !== second, 'each start prints a fresh token');
    const users = await app.identity.listUsers();
    assert.deepEqual(
      users.map((u) => [u.username, u.roles, u.hasPassword]),
      [
        ['admin', ['admin'], false],
        ['opsbot', ['member'], false],
      ],
    );
    await assert.rejects(app.bootstrap.complete(first, 'long-enough-pw'), /wrong or has expired/);
    await app.bootstrap.complete(second, 'long-enough-pw');
    assert.equal(await app.bootstrap.prepare(), undefined);
  } finally {
    await app.close();
    await database.dispose();
  }
});

function cookiesOf(res: { headers: Record<string, unknown> }): Record<string, string> {
  const raw = res.headers['set-cookie'];
  const list = Array.isArray(raw) ? raw : raw ? [String(raw)] : [];
  return Object.fromEntries(list.map((c: string) => c.split(';')[0]!.split('=') as [string, string]));
}

for (const dialect of DIALECTS) {
  describe(`identity on ${dialect}`, () => {
    let t: TestApp;
    before(async () => {
      t = await startTestApp(dialect);
    });
    after(() => t.dispose());

    test('first run: setup token sets the admin password once', async () => {
      // The test app already has a user, so this is "setup pending": an admin without a password.
      await t.app.identity.createUser(SYSTEM_ACTOR, { username: 'admin', roles: ['admin'] });
      const token = await t.app.bootstrap.prepare();
      assert.ok(token);
      assert.equal((await t.request({ method: 'GET', url: '/api/setup' })).json().pending, true);
      const wrong = await t.request({
        method: 'POST',
        url: '/api/setup',
        payload: { token: 'nope', password: 'long-enough-pw' },
      });
      assert.equal(wrong.statusCode, 401);
      const ok = await t.request({
        method: 'POST',
        url: '/api/setup',
        payload: { token, password: 'long-enough-pw' },
      });
      assert.equal(ok.statusCode, 200, ok.body);
      assert.equal(ok.json().user.username, 'admin');
      const again = await t.request({
        method: 'POST',
        url: '/api/setup',
        payload: { token, password: 'another-password' },
      });
      assert.equal(again.statusCode, 401);
      assert.equal(await t.app.bootstrap.prepare(), undefined);
    });

    test('users are created by admins with argon2id hashes; members cannot', async () => {
      const res = await t.request({
        method: 'POST',
        url: '/api/users',
        as: t.admin,
        payload: { username: 'carol', password: 'correct horse', roles: ['operator'] },
      });
      assert.equal(res.statusCode, 201, res.body);
      assert.deepEqual(res.json().roles, ['operator']);
      const row = await t.app.identity.store.userByUsername('carol');
      assert.match(row!.passwordHash!, /^\$argon2id\$/);
      const member = await t.user('dave');
      const refused = await t.request({
        method: 'POST',
        url: '/api/users',
        as: member,
        payload: { username: 'eve' },
      });
      assert.equal(refused.statusCode, 403);
      const dup = await t.request({
        method: 'POST',
        url: '/api/users',
        as: t.admin,
        payload: { username: 'carol' },
      });
      assert.equal(dup.statusCode, 409);
      const roles = await t.request({
        method: 'PUT',
        url: '/api/users/carol/roles',
        as: t.admin,
        payload: { roles: ['responder'] },
      });
      assert.deepEqual(roles.json().roles, ['responder']);
      const badRole = await t.request({
        method: 'PUT',
        url: '/api/users/carol/roles',
        as: t.admin,
        payload: { roles: ['god'] },
      });
      assert.equal(badRole.statusCode, 400);
    });

    test('session login sets HttpOnly SameSite cookies; cookie writes need the CSRF header', async () => {
      const login = await t.request({
        method: 'POST',
        url: '/api/auth/login',
        payload: { username: 'carol', password: 'correct horse' },
      });
      assert.equal(login.statusCode, 200, login.body);
      const setCookie = String(login.headers['set-cookie']);
      assert.match(setCookie, /opsroom_session=[^;]+;.*HttpOnly/);
      assert.match(setCookie, /SameSite=Lax/);
      const { opsroom_session: session, opsroom_csrf: csrf } = cookiesOf(login);
      const cookie = `opsroom_session=${session}`;
      assert.equal(
        (await t.request({ method: 'GET', url: '/api/me', headers: { cookie } })).json().username,
        'carol',
      );
      const noCsrf = await t.request({
        method: 'POST',
        url: '/api/rooms',
        headers: { cookie },
        payload: { name: 'csrf-test' },
      });
      assert.equal(noCsrf.statusCode, 403);
      assert.equal(noCsrf.json().error.code, 'E_CSRF');
      const withCsrf = await t.request({
        method: 'POST',
        url: '/api/rooms',
        headers: { cookie, 'x-csrf-token': csrf! },
        payload: { name: 'csrf-test' },
      });
      assert.equal(withCsrf.statusCode, 201, withCsrf.body);
      await t.request({ method: 'POST', url: '/api/auth/logout', headers: { cookie } });
      assert.equal((await t.request({ method: 'GET', url: '/api/me', headers: { cookie } })).statusCode, 401);
    });

    test('wrong passwords are refused, then rate-limited with Retry-After', async () => {
      let last = 0;
      let retryAfter: unknown;
      for (let i = 0; i < 12; i++) {
        const res = await t.request({
          method: 'POST',
          url: '/api/auth/login',
          payload: { username: 'ratelimited', password: 'wrong-password' },
          remoteAddress: '10.9.9.9',
        });
        last = res.statusCode;
        retryAfter = res.headers['retry-after'];
        if (i === 0) assert.equal(res.statusCode, 401);
      }
      assert.equal(last, 429);
      assert.ok(Number(retryAfter) > 0);
    });

    test('tokens are shown once, stored hashed, scoped and revocable', async () => {
      const created = await t.request({
        method: 'POST',
        url: '/api/tokens',
        as: t.admin,
        payload: { username: 'carol', name: 'ci', scopes: ['read'] },
      });
      assert.equal(created.statusCode, 201, created.body);
      const { token, id } = created.json();
      assert.match(token, /^opr_/);
      const stored = await t.app.database.db
        .selectFrom('apiTokens')
        .selectAll()
        .where('id', '=', id)
        .executeTakeFirstOrThrow();
      assert.notEqual(stored.tokenHash, token);
      assert.ok(!JSON.stringify(stored).includes(token));
      const listed = (await t.request({ method: 'GET', url: '/api/tokens?all=true', as: t.admin })).json()
        .tokens;
      assert.ok(listed.every((row: Record<string, unknown>) => !('token' in row)));
      const auth = { authorization: `Bearer ${token}` };
      assert.equal((await t.request({ method: 'GET', url: '/api/rooms', headers: auth })).statusCode, 200);
      const write = await t.request({
        method: 'POST',
        url: '/api/rooms',
        headers: auth,
        payload: { name: 'read-only' },
      });
      assert.equal(write.statusCode, 403);
      assert.equal(
        (await t.request({ method: 'DELETE', url: `/api/tokens/${id}`, as: t.admin })).json().id,
        id,
      );
      assert.equal((await t.request({ method: 'GET', url: '/api/rooms', headers: auth })).statusCode, 401);
    });

    test('health checks are public, metrics are not', async () => {
      assert.equal((await t.request({ method: 'GET', url: '/healthz' })).statusCode, 200);
      assert.equal((await t.request({ method: 'GET', url: '/readyz' })).statusCode, 200);
      assert.equal((await t.request({ method: 'GET', url: '/metrics' })).statusCode, 401);
      const metrics = await t.request({ method: 'GET', url: '/metrics', as: t.admin });
      assert.match(metrics.body, /opsroom_events_total\{type="user.created"\}/);
      if (dialect === 'sqlite') assert.match(metrics.body, /^opsroom_sqlite_write_lock_steals 0$/m);
      assert.equal(
        (await t.request({ method: 'GET', url: '/api/docs/json', as: t.admin })).json().info.title,
        'Opsroom API',
      );
    });
  });
}
