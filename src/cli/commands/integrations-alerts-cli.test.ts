import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startTestApp, type TestApp } from '../../../test/support/app.js';
import { cli } from '../../../test/support/cli.js';
import { SYSTEM_ACTOR } from '../../core/actor.js';

describe('opsroom integration and opsroom alerts (over the API)', () => {
  let t: TestApp;
  let url: string;
  const run = (args: string[]) => cli(['--url', url, '--token', t.admin.token, ...args]);

  before(async () => {
    t = await startTestApp('sqlite', { config: { alerts: { route: { group_wait: '0s' } } } });
    url = await t.listen();
    await t.app.chat.rooms.create(SYSTEM_ACTOR, { name: 'alerts', kind: 'public' });
  });
  after(() => t.dispose());

  it('creates an integration and prints its URL with the token once; lists and revokes it', async () => {
    const created = await run(['integration', 'create', 'alertmanager', '--room', 'alerts', '--name', 'prom']);
    assert.equal(created.code, 0, created.stderr);
    const hook = created.stdout.trim().split('\n').at(-1)!;
    assert.match(hook, /^http:\/\/127\.0\.0\.1:\d+\/hooks\/alertmanager\/ohk_/);
    const posted = await fetch(hook, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ version: '4', alerts: [{ status: 'firing', labels: { alertname: 'CliAlert' }, startsAt: '2026-01-01T00:00:00Z' }] }),
    });
    assert.equal(posted.status, 200);
    const list = await run(['integration', 'list']);
    assert.match(list.stdout, /alertmanager\s+prom\s+#alerts\s+active/);
    assert.ok(!list.stdout.includes('ohk_'), 'tokens are never listed');
    const id = /\((int_[a-z0-9]+)\)/.exec(created.stdout)![1]!;
    const revoked = await run(['integration', 'revoke', id]);
    assert.equal(revoked.code, 0, revoked.stderr);
    const refused = await fetch(hook, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
    assert.equal(refused.status, 401);
    const bad = await run(['integration', 'create', 'pagerduty', '--room', 'alerts']);
    assert.equal(bad.code, 2);
  });

  it('lists alert groups and dry-runs a payload from a file', async () => {
    await t.app.alerts.idle();
    const list = await run(['alerts', 'list']);
    assert.equal(list.code, 0, list.stderr);
    assert.match(list.stdout, /firing\s+warning\s+CliAlert\s+1/);
    const file = join(tmpdir(), `opsroom-alert-${process.pid}.json`);
    writeFileSync(file, JSON.stringify({ labels: { alertname: 'DiskFull', severity: 'critical' } }));
    const dry = await run(['alerts', 'test', `@${file}`]);
    assert.equal(dry.code, 0, dry.stderr);
    assert.match(dry.stdout, /route `root`/);
    assert.match(dry.stdout, /Card: \(dry run\)/);
  });
});
