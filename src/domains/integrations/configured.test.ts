import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startTestApp, type TestApp } from '../../../test/support/app.js';
import { alertsConfigSchema } from '../../config/alerts-schema.js';
import { SYSTEM_ACTOR } from '../../core/actor.js';
import { type SyncDeps, syncConfiguredIntegrations } from './configured.js';

describe('integrations from opsroom.yaml', () => {
  let t: TestApp;
  let deps: SyncDeps;
  const problems: string[] = [];

  before(async () => {
    t = await startTestApp('sqlite');
    await t.app.secrets.set(SYSTEM_ACTOR, 'AM_HOOK_TOKEN', 'ohk_from_the_config_file_123');
    deps = {
      db: t.app.database.db,
      clock: t.app.clock,
      ids: t.app.ids,
      bus: t.app.bus,
      roomId: async (name) =>
        (await t.app.chat.rooms.describe(name))?.id ??
        (await t.app.chat.rooms.create(SYSTEM_ACTOR, { name, kind: 'public' })).id,
      resolveSecret: (name) => t.app.secrets.resolve(name),
      heartbeatIntervalMs: () => undefined,
      onError: (error, context) => problems.push(`${context.integration}: ${(error as Error).message}`),
    };
  });
  after(() => t.dispose());

  it('creates them with the secret as token (hash stored), keeps them on the next start, revokes removed ones', async () => {
    const { integrations } = alertsConfigSchema.parse({
      integrations: [
        { kind: 'alertmanager', name: 'prom', room: 'alerts', token: '{{ secret.AM_HOOK_TOKEN }}' },
        { kind: 'generic', name: 'missing', room: 'alerts', token: '{{ secret.NOT_SET }}' },
      ],
    });
    await syncConfiguredIntegrations(deps, integrations);
    assert.equal(problems.length, 1);
    assert.match(problems[0]!, /generic\/missing: secret 'NOT_SET' was not found/);
    const found = await t.app.integrations.authenticate('alertmanager', 'ohk_from_the_config_file_123');
    assert.equal(found.name, 'prom');
    assert.equal(found.createdBy, 'opsroom.yaml');
    const stored = await t.app.database.db
      .selectFrom('integrations')
      .selectAll()
      .where('id', '=', found.id)
      .executeTakeFirstOrThrow();
    assert.notEqual(stored.tokenHash, 'ohk_from_the_config_file_123');
    const res = await t.request({
      method: 'POST',
      url: '/hooks/alertmanager/ohk_from_the_config_file_123',
      payload: { version: '4', alerts: [{ status: 'firing', labels: { alertname: 'FromConfig' } }] },
    });
    assert.equal(res.statusCode, 200, res.body);

    await syncConfiguredIntegrations(deps, integrations);
    const again = await t.app.database.db
      .selectFrom('integrations')
      .select('id')
      .where('name', '=', 'prom')
      .execute();
    assert.equal(again.length, 1, 'the next start updates, never duplicates');

    await syncConfiguredIntegrations(deps, []);
    const revoked = await t.app.database.db
      .selectFrom('integrations')
      .selectAll()
      .where('id', '=', found.id)
      .executeTakeFirstOrThrow();
    assert.notEqual(revoked.revokedAt, null);
  });

  it('refuses a plain token in the file', () => {
    const result = alertsConfigSchema.safeParse({
      integrations: [{ kind: 'alertmanager', name: 'p', room: 'alerts', token: 'ohk_plaintext' }],
    });
    assert.equal(result.success, false);
    assert.match(JSON.stringify(result.error?.issues), /secret reference/);
  });
});
