import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { startTestApp, type TestApp } from '../../../test/support/app.js';
import { cli } from '../../../test/support/cli.js';
import { DIALECTS } from '../../../test/support/databases.js';
import { canWrite, isAdmin, SYSTEM_ACTOR } from '../../core/actor.js';
import { IdentityService } from './service.js';

const POLICY = {
  roles: {
    deployer: { permissions: ['deploy:staging'], inherits: ['member'] },
    'release-manager': { permissions: ['deploy:*'] },
  },
};
const VALID = 'admin, operator, responder, member, viewer, deployer, release-manager';

for (const dialect of DIALECTS) {
  describe(`custom roles on ${dialect}`, () => {
    let t: TestApp;
    before(async () => {
      t = await startTestApp(dialect, { config: { policy: POLICY } });
    });
    after(() => t.dispose());

    test('users are created with, and given, roles from the configuration', async () => {
      const created = await t.request({
        method: 'POST',
        url: '/api/users',
        as: t.admin,
        payload: { username: 'frank', roles: ['deployer'] },
      });
      assert.equal(created.statusCode, 201, created.body);
      assert.deepEqual(created.json().roles, ['deployer']);
      const changed = await t.request({
        method: 'PUT',
        url: '/api/users/frank/roles',
        as: t.admin,
        payload: { roles: ['Release-Manager', 'deployer', 'deployer'] },
      });
      assert.equal(changed.statusCode, 200, changed.body);
      assert.deepEqual(changed.json().roles, ['release-manager', 'deployer'], 'lower-cased, once each');
      const stored = await t.app.identity.requireUser('frank');
      assert.deepEqual(JSON.parse(stored.roles), ['release-manager', 'deployer']);
    });

    test('an unknown role is E_VALIDATION naming the valid roles, on create and on change', async () => {
      const badChange = await t.request({
        method: 'PUT',
        url: '/api/users/frank/roles',
        as: t.admin,
        payload: { roles: ['deployr'] },
      });
      assert.equal(badChange.statusCode, 400);
      assert.equal(badChange.json().error.code, 'E_VALIDATION');
      assert.equal(
        badChange.json().error.message,
        `unknown role 'deployr' (did you mean deployer?); valid roles: ${VALID}`,
      );
      const badCreate = await t.request({
        method: 'POST',
        url: '/api/users',
        as: t.admin,
        payload: { username: 'gina', roles: ['member', 'ghost', 'wizard'] },
      });
      assert.equal(badCreate.statusCode, 400);
      assert.match(badCreate.json().error.message, /^unknown roles 'ghost', 'wizard'; valid roles: /);
      assert.equal(await t.app.identity.store.userByUsername('gina'), undefined, 'nothing was created');
      const badShape = await t.request({
        method: 'PUT',
        url: '/api/users/frank/roles',
        as: t.admin,
        payload: { roles: ['not a role'] },
      });
      assert.equal(badShape.statusCode, 400);
      assert.deepEqual(JSON.parse((await t.app.identity.requireUser('frank')).roles), [
        'release-manager',
        'deployer',
      ]);
    });

    test('a custom role writes in chat but is no admin', async () => {
      const frank = await t.app.identity.requireUser('frank');
      const actor = t.app.identity.actorFor(frank, 'api');
      assert.equal(canWrite(actor), true);
      assert.equal(isAdmin(actor), false);
      const henry = await t.user('henry', ['deployer']);
      const room = await t.request({
        method: 'POST',
        url: '/api/rooms',
        as: henry,
        payload: { name: 'deploys' },
      });
      assert.equal(room.statusCode, 201, room.body);
      const refused = await t.request({
        method: 'POST',
        url: '/api/users',
        as: henry,
        payload: { username: 'ivan' },
      });
      assert.equal(refused.statusCode, 403);
    });

    test('without a policy section, only the built-in roles are valid', async () => {
      const builtInOnly = new IdentityService({
        store: t.app.identity.store,
        clock: t.app.clock,
        ids: t.app.ids,
        bus: t.app.bus,
        sessionTtlHours: 1,
      });
      await assert.rejects(
        builtInOnly.createUser(SYSTEM_ACTOR, { username: 'jane', roles: ['deployer'] }),
        /unknown role 'deployer'; valid roles: admin, operator, responder, member, viewer$/,
      );
      await assert.rejects(
        builtInOnly.setRoles(SYSTEM_ACTOR, 'frank', ['deployer']),
        /E_VALIDATION|unknown role/,
      );
    });
  });
}

describe('custom roles from the CLI (--offline reads opsroom.yaml)', () => {
  let dir: string;
  let env: { dataDir: string; configFile: string };
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'opsroom-roles-'));
    const configFile = join(dir, 'opsroom.yaml');
    writeFileSync(
      configFile,
      [
        'policy:',
        '  roles:',
        "    deployer: { permissions: ['deploy:staging'], inherits: [member] }",
        '',
      ].join('\n'),
    );
    env = { dataDir: join(dir, 'data'), configFile };
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  test('user add --role and user set-role take configured roles; a typo exits 2 with the valid ones', async () => {
    const added = await cli(['--offline', 'user', 'add', 'kim', '--role', 'deployer'], { env });
    assert.equal(added.code, 0, added.stderr);
    assert.match(added.stdout, /Added @kim \(roles: deployer\)/);
    const set = await cli(['--offline', 'user', 'set-role', 'kim', 'deployer', 'viewer'], { env });
    assert.equal(set.code, 0, set.stderr);
    assert.match(set.stdout, /Set @kim \(roles: deployer, viewer\)/);
    const typo = await cli(['--offline', 'user', 'set-role', 'kim', 'deployerr'], { env });
    assert.equal(typo.code, 2);
    assert.match(
      typo.stderr,
      /unknown role 'deployerr' \(did you mean deployer\?\); valid roles: .*member, viewer, deployer/,
    );
  });
});
