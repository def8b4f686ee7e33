import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { startTestApp, type TestApp } from '../../../test/support/app.js';
import { SYSTEM_ACTOR } from '../../core/actor.js';
import { FakeClock } from '../../core/clock.js';
import type { GithubDeploymentStatus, GithubWorkflowRun } from '../integrations/github-events.js';

describe('GitHub hook, heartbeats and group_wait (FakeClock)', () => {
  const clock = new FakeClock('2026-11-22T00:00:00Z');
  let t: TestApp;
  let hookId: string;
  let secret: string;
  const runs: GithubWorkflowRun[] = [];
  const deployments: GithubDeploymentStatus[] = [];

  const cards = async (room = 'ops') =>
    (await t.app.chat.messages.history(SYSTEM_ACTOR, room, { limit: 100 })).filter((m) => m.card !== null);
  const deliver = (event: string, id: string, payload: unknown, sign: (body: string) => string) => {
    const body = JSON.stringify(payload);
    return t.request({
      method: 'POST',
      url: `/hooks/github/${hookId}`,
      payload: body,
      headers: {
        'content-type': 'application/json',
        'x-github-event': event,
        'x-github-delivery': id,
        'x-hub-signature-256': sign(body),
      },
    });
  };
  const signed = (body: string) => `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
  const workflow = (conclusion: string, updatedAt = clock.now().toISOString()) => ({
    action: 'completed',
    repository: { full_name: 'acme/api' },
    workflow_run: {
      id: 7,
      name: 'CI',
      head_branch: 'main',
      head_sha: 'abc123def456',
      status: 'completed',
      conclusion,
      html_url: 'https://github.com/acme/api/actions/runs/7',
      run_attempt: 1,
      updated_at: updatedAt,
    },
  });

  before(async () => {
    t = await startTestApp('sqlite', { clock, config: { alerts: { route: { group_wait: '30s' } } } });
    await t.app.chat.rooms.create(SYSTEM_ACTOR, { name: 'ops', kind: 'public' });
    const created = await t.app.integrations.create(SYSTEM_ACTOR, { kind: 'github', room: 'ops' });
    assert.ok(created.secret && created.token === undefined);
    assert.match(created.url, /\/hooks\/github\/int_/);
    hookId = created.integration.id;
    secret = created.secret;
    t.app.bus.subscribe('github.workflow_run', (e) => runs.push(e.payload));
    t.app.bus.subscribe('github.deployment_status', (e) => deployments.push(e.payload));
  });
  after(() => t.dispose());

  it('accepts a signed delivery, publishes it, and a failed run becomes an alert after group_wait', async () => {
    const res = await deliver('workflow_run', 'd-1', workflow('failure'), signed);
    assert.equal(res.statusCode, 200, res.body);
    assert.equal(runs.length, 1);
    assert.equal(runs[0]!.run.conclusion, 'failure');
    await t.app.alerts.idle();
    assert.equal((await cards()).length, 0, 'group_wait has not passed');
    await clock.advanceAsync(30_000);
    await t.app.alerts.idle();
    const list = await cards();
    assert.equal(list.length, 1);
    assert.match(list[0]!.card!.title, /WorkflowFailed/);
    assert.ok(
      list[0]!.card!.buttons!.some((b) => b.label === 'Resolve'),
      'GitHub alerts can be resolved by hand',
    );
  });

  it('refuses a bad signature, a replayed delivery and a stale one', async () => {
    const bad = await deliver('workflow_run', 'd-2', workflow('failure'), () => `sha256=${'0'.repeat(64)}`);
    assert.equal(bad.statusCode, 401);
    assert.equal(bad.json().error.code, 'E_UNAUTHENTICATED');
    const missing = await deliver('workflow_run', 'd-2', workflow('failure'), () => '');
    assert.equal(missing.statusCode, 401);
    const replay = await deliver('workflow_run', 'd-1', workflow('failure'), signed);
    assert.equal(replay.statusCode, 409);
    assert.equal(replay.json().error.code, 'E_CONFLICT');
    const stale = await deliver(
      'workflow_run',
      'd-3',
      workflow('failure', new Date(clock.nowMs() - 2 * 3_600_000).toISOString()),
      signed,
    );
    assert.equal(stale.statusCode, 400);
    assert.match(stale.json().error.message, /stale/);
    assert.equal(runs.length, 1, 'nothing refused was published');
  });

  it('a later success resolves the alert; deployment_status is published and posted to the room', async () => {
    const ok = await deliver('workflow_run', 'd-4', workflow('success'), signed);
    assert.equal(ok.statusCode, 200, ok.body);
    await t.app.alerts.idle();
    assert.match((await cards())[0]!.card!.title, /^✅/);
    const dep = await deliver(
      'deployment_status',
      'd-5',
      {
        repository: { full_name: 'acme/api' },
        deployment: {
          id: 9,
          sha: 'abc123def456',
          ref: 'main',
          task: 'deploy',
          environment: 'production',
          payload: { opsroom_deploy_id: 'dep_1' },
        },
        deployment_status: {
          state: 'success',
          environment: 'production',
          target_url: 'https://ci/9',
          updated_at: clock.now().toISOString(),
        },
      },
      signed,
    );
    assert.equal(dep.statusCode, 200, dep.body);
    assert.equal(deployments.length, 1);
    assert.equal(deployments[0]!.deployment.payload.opsroom_deploy_id, 'dep_1');
    assert.ok((await cards()).some((m) => /production: success/.test(m.card!.title)));
  });

  it('a heartbeat that stops fires HeartbeatMissing; the next beat resolves it', async () => {
    const hb = await t.app.integrations.create(SYSTEM_ACTOR, {
      kind: 'heartbeat',
      room: 'ops',
      name: 'backup',
      intervalSeconds: 60,
    });
    assert.match(hb.url, /\/hooks\/heartbeat\/backup\/ohk_/);
    const path = new URL(hb.url).pathname;
    await t.app.alerts.idle();
    const beat = await t.request({ method: 'POST', url: path });
    assert.equal(beat.statusCode, 200, beat.body);
    assert.equal(
      (await t.request({ method: 'POST', url: path.replace('/backup/', '/other/') })).statusCode,
      401,
    );
    await clock.advanceAsync(59_000);
    await t.app.alerts.idle();
    assert.ok(!(await cards()).some((m) => /HeartbeatMissing/.test(m.card!.title)));
    await clock.advanceAsync(2_000);
    await t.app.alerts.idle();
    await clock.advanceAsync(30_000); // group_wait
    await t.app.alerts.idle();
    const missing = (await cards()).find((m) => /HeartbeatMissing/.test(m.card!.title));
    assert.ok(missing, 'the alert fired');
    assert.match(missing.card!.title, /^🔥/);
    assert.equal((await t.request({ method: 'GET', url: path })).statusCode, 200);
    await t.app.alerts.idle();
    const back = (await cards()).find((m) => m.id === missing.id)!;
    assert.match(back.card!.title, /^✅/);
  });
});
