import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { startTestApp, type TestApp, type TestUser } from '../../../test/support/app.js';
import { DIALECTS } from '../../../test/support/databases.js';

const VALUE = 'sk_live_4eC39HqLyjWDarjtT1zdp7dc';

for (const dialect of DIALECTS) {
  describe(`secrets API on ${dialect}`, () => {
    let t: TestApp;
    let member: TestUser;
    const dir = mkdtempSync(join(tmpdir(), 'opsroom-secrets-api-'));
    const keyFile = join(dir, 'keys', 'secret.key');

    before(async () => {
      t = await startTestApp(dialect, { config: { secrets: { keyFile } } });
      member = await t.user('mallory', ['member']);
    });
    after(async () => {
      await t.dispose();
      rmSync(dir, { recursive: true, force: true });
    });

    test('first start made the key file, readable by its owner only', () => {
      assert.equal(statSync(keyFile).mode & 0o777, 0o600);
    });

    test('an admin sets, lists and removes; no answer ever holds the value', async () => {
      const put = await t.request({
        method: 'PUT',
        url: '/api/secrets/STRIPE_KEY',
        payload: { value: VALUE },
        as: t.admin,
      });
      assert.equal(put.statusCode, 204, put.body);
      assert.equal(put.body, '');
      assert.equal(await t.app.secrets.resolve('STRIPE_KEY'), VALUE);

      const list = await t.request({ method: 'GET', url: '/api/secrets', as: t.admin });
      assert.equal(list.statusCode, 200);
      const body = list.json() as { secrets: { name: string; updatedBy: string }[] };
      assert.deepEqual(
        body.secrets.map((s) => [s.name, s.updatedBy]),
        [['STRIPE_KEY', 'root']],
      );
      assert.ok(!list.body.includes(VALUE));
      assert.ok(!list.body.includes('value'));

      const del = await t.request({ method: 'DELETE', url: '/api/secrets/STRIPE_KEY', as: t.admin });
      assert.equal(del.statusCode, 204);
      const again = await t.request({ method: 'DELETE', url: '/api/secrets/STRIPE_KEY', as: t.admin });
      assert.equal(again.statusCode, 404);
      assert.equal((again.json() as { error: { code: string } }).error.code, 'E_NOT_FOUND');
    });

    test('non-admins get 403 on every route, before their body is even read', async () => {
      for (const [method, url, payload] of [
        ['GET', '/api/secrets', undefined],
        ['PUT', '/api/secrets/X_TOKEN', { value: 'abcdefgh' }],
        ['PUT', '/api/secrets/X_TOKEN', { wrong: true }],
        ['DELETE', '/api/secrets/X_TOKEN', undefined],
      ] as const) {
        const res = await t.request({ method, url, ...(payload ? { payload } : {}), as: member });
        assert.equal(res.statusCode, 403, `${method} ${url}: ${res.body}`);
      }
      const anonymous = await t.request({ method: 'GET', url: '/api/secrets' });
      assert.equal(anonymous.statusCode, 401);
    });

    test('bad names and bodies are 400s with a code, never 500s', async () => {
      const cases = [
        ['/api/secrets/lower', { value: 'abcdefgh' }],
        ['/api/secrets/OK_NAME', { value: 'abc' }],
        ['/api/secrets/OK_NAME', { value: 'abcdefgh', extra: 1 }],
        ['/api/secrets/OK_NAME', {}],
        ['/api/secrets/OK_NAME', { value: 42 }],
      ] as const;
      for (const [url, payload] of cases) {
        const res = await t.request({ method: 'PUT', url, payload, as: t.admin });
        assert.equal(res.statusCode, 400, `${url} ${JSON.stringify(payload)}: ${res.body}`);
        assert.equal((res.json() as { error: { code: string } }).error.code, 'E_VALIDATION');
      }
    });
  });
}
