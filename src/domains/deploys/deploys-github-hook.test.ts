/**
 * End to end with the real GitHub webhook endpoint (`POST /hooks/github/:id`, owned by the alerts work):
 * HMAC-signed `deployment_status` deliveries move a github-provider deploy and its card. A bad
 * signature is a 401 and changes nothing; a replayed delivery is refused.
 */
import assert from 'node:assert/strict';
import { createHmac, randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { DIALECTS } from '../../../test/support/databases.js';
import { SYSTEM_ACTOR } from '../../core/actor.js';
import { type DeployTestApp, waitFor as eventually, field, startDeployApp } from './testing.js';

for (const dialect of DIALECTS) {
  describe(`github deploy statuses through POST /hooks/github/:id on ${dialect}`, () => {
    let d: DeployTestApp;
    let close: () => Promise<void>;
    let hookId: string;
    let secret: string;
    before(async () => {
      // The Deployments endpoint only (see deploys-providers.test.ts for the full contract test).
      const server = createServer((req, res) => {
        let body = '';
        req.on('data', (c: Buffer) => {
          body += c.toString('utf8');
        });
        req.on('end', () => {
          const ref = req.method === 'POST' ? (JSON.parse(body) as { ref: string }).ref : '';
          res.writeHead(req.url === '/repos/acme/api/deployments' ? 201 : 404, {
            'content-type': 'application/json',
          });
          res.end(JSON.stringify({ id: 4242, sha: 'e'.repeat(40), ref, environment: 'staging', url: 'x' }));
        });
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      close = () => new Promise<void>((r) => server.close(() => r()));
      const { port } = server.address() as AddressInfo;
      d = await startDeployApp(dialect, {
        api: {
          provider: 'github',
          repository: 'acme/api',
          github: { apiUrl: `http://127.0.0.1:${port}`, token: '{{ secret.GITHUB_TOKEN }}' },
          environments: { staging: {} },
        },
      });
      await d.t.app.secrets.set(SYSTEM_ACTOR, 'GITHUB_TOKEN', 'ghp_hooktest');
      const created = await d.t.request({
        method: 'POST',
        url: '/api/integrations',
        as: d.t.admin,
        payload: { kind: 'github', room: 'ops' },
      });
      assert.equal(created.statusCode, 201, created.body);
      hookId = created.json().integration.id;
      secret = created.json().secret;
    });
    after(async () => {
      await d.dispose();
      await close();
    });

    const delivery = (deployId: number, state: string, options: { key?: string; id?: string } = {}) => {
      const now = new Date().toISOString();
      const body = JSON.stringify({
        action: 'created',
        deployment_status: {
          id: 1,
          state,
          description: `GitHub says ${state}`,
          environment: 'staging',
          target_url: null,
          log_url: 'https://github.com/acme/api/actions/runs/1',
          environment_url: null,
          created_at: now,
          updated_at: now,
        },
        deployment: {
          id: 4242,
          sha: 'e'.repeat(40),
          ref: 'main',
          task: 'deploy',
          environment: 'staging',
          payload: { opsroom_deploy_id: deployId },
        },
        repository: { full_name: 'acme/api' },
      });
      const signature = `sha256=${createHmac('sha256', options.key ?? secret)
        .update(body)
        .digest('hex')}`;
      return {
        method: 'POST' as const,
        url: `/hooks/github/${hookId}`,
        headers: {
          'content-type': 'application/json',
          'x-github-event': 'deployment_status',
          'x-github-delivery': options.id ?? randomUUID(),
          'x-hub-signature-256': signature,
        },
        payload: body,
      };
    };

    test('valid deliveries move the deploy; a bad signature is 401 and a replay is refused', async () => {
      await d.say('!deploy api/main to staging', 'alice');
      const deploy = await eventually(async () => {
        const latest = await d.latest('api');
        assert.equal(latest?.externalId, '4242');
        return latest!;
      });
      const forged = await d.t.request(delivery(deploy.id, 'success', { key: 'not-the-secret' }));
      assert.equal(forged.statusCode, 401, forged.body);
      assert.equal((await d.latest('api'))?.status, 'running', 'a bad signature changes nothing');

      const progress = delivery(deploy.id, 'in_progress');
      assert.equal((await d.t.request(progress)).statusCode, 200);
      const replay = await d.t.request(progress);
      assert.equal(replay.statusCode, 409, replay.body);
      await eventually(async () => {
        const [card] = await d.jobCards(deploy.jobId!);
        assert.match(card?.code?.content ?? '', /GitHub status in_progress: GitHub says in_progress/);
        assert.match(field(card!, 'Links') ?? '', /actions\/runs\/1/);
        return true;
      });
      assert.equal((await d.t.request(delivery(deploy.id, 'success'))).statusCode, 200);
      const done = await d.ended('api', 'succeeded');
      assert.equal(done.sha, 'e'.repeat(40));
      assert.equal(done.url, 'https://github.com/acme/api/actions/runs/1');
    });
  });
}
