/**
 * The github, kubernetes and webhook providers end to end through the bot. The GitHub part is a
 * CONTRACT TEST: a local HTTP server implements the Deployments endpoints as GitHub's REST
 * documentation describes them (POST /repos/{owner}/{repo}/deployments → 201 deployment, 409 on a merge
 * conflict; POST …/deployments/{id}/statuses → 201; GET …/compare/{base}...{head} → commits), and the
 * statuses arrive as the `github.deployment_status` bus events the verified webhook publishes.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { DIALECTS } from '../../../test/support/databases.js';
import { SYSTEM_ACTOR } from '../../core/actor.js';
import type { GithubDeploymentStatus } from '../integrations/github-events.js';
import { sign } from './signature.js';
import {
  type DeployTestApp,
  waitFor as eventually,
  field,
  startDeployApp,
  tempDir,
  writeScript,
} from './testing.js';

interface Recorded {
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
  body: string;
}

async function startServer(handle: (req: Recorded) => { status: number; json?: unknown }) {
  const requests: Recorded[] = [];
  const server: Server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => {
      body += c.toString('utf8');
    });
    req.on('end', () => {
      const recorded = { method: req.method ?? '', url: req.url ?? '', headers: req.headers, body };
      requests.push(recorded);
      const answer = handle(recorded);
      res.writeHead(answer.status, { 'content-type': 'application/json' });
      res.end(answer.json === undefined ? '' : JSON.stringify(answer.json));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}

/** GitHub's documented responses, trimmed to the fields a client reads. */
function githubApi(req: Recorded): { status: number; json?: unknown } {
  const base = '/repos/acme/api';
  if (req.method === 'POST' && req.url === `${base}/deployments`) {
    const body = JSON.parse(req.body) as {
      ref: string;
      task?: string;
      environment?: string;
      payload?: unknown;
    };
    if (body.ref === 'conflict') {
      return {
        status: 409,
        json: {
          message: 'Conflict merging main into conflict.',
          documentation_url: 'https://docs.github.com/rest',
        },
      };
    }
    const id = 1000 + Number(req.url.length) + Math.floor(Math.random() * 1000);
    return {
      status: 201,
      json: {
        url: `https://api.github.com${base}/deployments/${id}`,
        id,
        node_id: 'MDEwOkRlcGxveW1lbnQx',
        sha: body.ref === 'v2' ? 'b'.repeat(40) : 'a'.repeat(40),
        ref: body.ref,
        task: body.task ?? 'deploy',
        payload: body.payload ?? {},
        original_environment: body.environment ?? 'production',
        environment: body.environment ?? 'production',
        description: 'Deploy request from Opsroom',
        creator: { login: 'opsroom-bot' },
        created_at: '2026-01-01T00:00:00Z',
        updated_at: '2026-01-01T00:00:00Z',
        statuses_url: `https://api.github.com${base}/deployments/${id}/statuses`,
        repository_url: `https://api.github.com${base}`,
        transient_environment: false,
        production_environment: false,
      },
    };
  }
  if (req.method === 'POST' && /^\/repos\/acme\/api\/deployments\/\d+\/statuses$/.test(req.url)) {
    return { status: 201, json: { id: 1, state: JSON.parse(req.body).state } };
  }
  if (req.method === 'GET' && req.url.startsWith(`${base}/compare/`)) {
    return {
      status: 200,
      json: {
        total_commits: 2,
        commits: [
          {
            sha: 'c'.repeat(40),
            commit: { message: 'Fix the login page\n\nlong text', author: { name: 'Ann' } },
            author: { login: 'ann' },
          },
          { sha: 'd'.repeat(40), commit: { message: 'Bump deps', author: { name: 'Bo' } }, author: null },
        ],
      },
    };
  }
  return { status: 404, json: { message: 'Not Found' } };
}

function status(
  deployment: { id: number; opsroomId: number },
  state: string,
  repository = 'acme/api',
): GithubDeploymentStatus {
  return {
    integrationId: 'int_1',
    deliveryId: `d-${Math.random()}`,
    repository,
    roomId: null,
    deployment: {
      id: deployment.id,
      sha: 'a'.repeat(40),
      ref: 'main',
      task: 'deploy',
      environment: 'staging',
      payload: { opsroom_deploy_id: deployment.opsroomId },
    },
    status: {
      state,
      description: `state ${state}`,
      environment: 'staging',
      target_url: null,
      log_url: 'https://ci.example.com/logs/1',
      environment_url: null,
    },
  };
}

for (const dialect of DIALECTS) {
  describe(`deploy providers on ${dialect}`, () => {
    let d: DeployTestApp;
    let github: Awaited<ReturnType<typeof startServer>>;
    let hook: Awaited<ReturnType<typeof startServer>>;
    let dir: string;
    before(async () => {
      dir = tempDir();
      github = await startServer(githubApi);
      hook = await startServer(() => ({ status: 202, json: { accepted: true } }));
      // A fake kubectl: records its argv (one per line) and succeeds.
      writeScript(
        dir,
        'kubectl',
        `for a in "$@"; do printf '%s\\n' "$a"; done >> ${join(dir, 'kubectl.argv')}\necho "---" >> ${join(dir, 'kubectl.argv')}\necho "kubectl $1 ok"`,
      );
      d = await startDeployApp(dialect, {
        api: {
          provider: 'github',
          repository: 'acme/api',
          github: { apiUrl: github.url, token: '{{ secret.GITHUB_TOKEN }}', requiredContexts: ['ci/build'] },
          environments: { staging: {} },
        },
        k8s: {
          provider: 'kubernetes',
          kubernetes: {
            kubectl: join(dir, 'kubectl'),
            deployment: 'api',
            container: 'app',
            image: 'ghcr.io/acme/api:{{ref}}',
            rolloutTimeout: '120s',
          },
          environments: { production: { kubernetes: { namespace: 'prod', context: 'kind-prod' } } },
        },
        hooked: {
          provider: 'webhook',
          webhook: { url: `${hook.url}/deploy`, secret: '{{ secret.HOOK_KEY }}' },
          environments: { staging: {} },
        },
      });
      await d.t.app.secrets.set(SYSTEM_ACTOR, 'GITHUB_TOKEN', 'ghp_contracttoken123');
      await d.t.app.secrets.set(SYSTEM_ACTOR, 'HOOK_KEY', 'hook-key-0123456789');
    });
    after(async () => {
      await d.dispose();
      await github.close();
      await hook.close();
    });

    const created = async (ref: string) =>
      await eventually(async () => {
        const latest = await d.latest('api');
        assert.equal(latest?.ref, ref);
        assert.ok(latest?.externalId, 'the GitHub deployment id is stored');
        return { id: Number(latest!.externalId), opsroomId: latest!.id, jobId: latest!.jobId! };
      });

    test('github (contract): creates a Deployment and follows deployment_status events to success', async () => {
      await d.say('!deploy api/main to staging', 'alice');
      const deployment = await created('main');
      const request = github.requests.find(
        (r) => r.method === 'POST' && r.url === '/repos/acme/api/deployments',
      )!;
      assert.equal(request.headers.authorization, 'Bearer ghp_contracttoken123');
      assert.equal(request.headers.accept, 'application/vnd.github+json');
      assert.equal(request.headers['x-github-api-version'], '2022-11-28');
      const body = JSON.parse(request.body);
      assert.deepEqual(
        {
          ref: body.ref,
          task: body.task,
          environment: body.environment,
          contexts: body.required_contexts,
          auto: body.auto_merge,
        },
        { ref: 'main', task: 'deploy', environment: 'staging', contexts: ['ci/build'], auto: false },
      );
      assert.equal(body.payload.opsroom_deploy_id, deployment.opsroomId);

      // From another repository: ignored even though it names our deploy.
      d.t.app.bus.publish('github.deployment_status', status(deployment, 'success', 'evil/fork'));
      d.t.app.bus.publish('github.deployment_status', status(deployment, 'in_progress'));
      await eventually(async () => {
        const [card] = await d.jobCards(deployment.jobId);
        assert.match(card?.code?.content ?? '', /GitHub status in_progress: state in_progress/);
        assert.equal(
          field(card!, 'Links'),
          'https://ci.example.com/logs/1\nhttps://github.com/acme/api/commit/' + 'a'.repeat(40),
        );
        assert.equal(field(card!, 'SHA'), 'a'.repeat(12));
        return true;
      });
      assert.equal((await d.latest('api'))?.status, 'running');
      d.t.app.bus.publish('github.deployment_status', status(deployment, 'success'));
      const done = await d.ended('api', 'succeeded');
      assert.equal(done.sha, 'a'.repeat(40));
      assert.equal(done.url, 'https://ci.example.com/logs/1');
    });

    test('github (contract): the commits since the last deploy come from the compare API', async () => {
      await d.say('!deploy api/v2 to staging', 'alice');
      const deployment = await created('v2');
      const compare = github.requests.find((r) => r.url.startsWith('/repos/acme/api/compare/'))!;
      assert.equal(compare.url, `/repos/acme/api/compare/${'a'.repeat(40)}...v2`);
      d.t.app.bus.publish('github.deployment_status', status(deployment, 'failure'));
      const done = await d.ended('api', 'failed');
      assert.deepEqual(
        done.commits.map((c) => [c.message, c.author]),
        [
          ['Fix the login page', 'ann'],
          ['Bump deps', 'Bo'],
        ],
      );
      const [changes] = await d.say('!changes since 1h api', 'carol');
      assert.match(changes!.text, /cccccc Fix the login page/);
    });

    test('github (contract): a 409 merge conflict fails the deploy with GitHub’s message; cancel marks it error on GitHub', async () => {
      await d.say('!deploy api/conflict to staging', 'alice');
      const failed = await d.ended('api', 'failed');
      assert.match(failed.summary ?? '', /GitHub answered 409: Conflict merging main into conflict\./);
      await d.say('!deploy api/main to staging', 'alice');
      const deployment = await created('main');
      await d.say(`!cancel ${deployment.jobId}`, 'alice');
      await d.ended('api', 'cancelled');
      await eventually(() => {
        const error = github.requests.find(
          (r) => r.url === `/repos/acme/api/deployments/${deployment.id}/statuses`,
        );
        assert.equal(JSON.parse(error?.body ?? '{}').state, 'error');
        return true;
      });
    });

    test('kubernetes: kubectl set image, then rollout status with a timeout, as argv arrays', async () => {
      await d.say('!deploy k8s/v1.4.2 to production', 'alice');
      const done = await d.ended('k8s', 'succeeded');
      const calls = readFileSync(join(dir, 'kubectl.argv'), 'utf8')
        .split('---\n')
        .filter((c) => c !== '');
      assert.deepEqual(
        calls.map((c) => c.trimEnd().split('\n')),
        [
          [
            '--context',
            'kind-prod',
            '--namespace',
            'prod',
            'set',
            'image',
            'deployment/api',
            'app=ghcr.io/acme/api:v1.4.2',
          ],
          [
            '--context',
            'kind-prod',
            '--namespace',
            'prod',
            'rollout',
            'status',
            'deployment/api',
            '--timeout=120s',
          ],
        ],
      );
      assert.match(done.summary ?? '', /deployment\/api rolled out ghcr.io\/acme\/api:v1.4.2/);
      // A ref that is no valid image tag never reaches kubectl.
      await d.say('!deploy k8s/feature/x to production', 'alice');
      const bad = await d.ended('k8s', 'failed');
      assert.match(bad.summary ?? '', /not a valid image reference/);
      assert.equal(
        readFileSync(join(dir, 'kubectl.argv'), 'utf8')
          .split('---\n')
          .filter((c) => c !== '').length,
        2,
      );
    });

    test('webhook: signed JSON out; signed callbacks in; bad signature 401 and nothing changes; replays and stale ones refused', async () => {
      await d.say('!deploy hooked/main to staging', 'alice');
      const sent = await eventually(() => {
        const request = hook.requests.find((r) => r.url === '/deploy');
        assert.ok(request);
        return request;
      });
      const timestamp = sent.headers['x-opsroom-timestamp'] as string;
      assert.equal(
        sent.headers['x-opsroom-signature'],
        sign('hook-key-0123456789', Number(timestamp), sent.body),
      );
      const body = JSON.parse(sent.body);
      assert.equal(body.ref, 'main');
      assert.match(body.callback_url, new RegExp(`/hooks/deploys/${body.deploy_id}$`));

      const callback = (payload: unknown, options: { key?: string; at?: number; raw?: string } = {}) => {
        const raw = options.raw ?? JSON.stringify(payload);
        const at = options.at ?? Math.floor(Date.now() / 1000);
        return {
          method: 'POST' as const,
          url: `/hooks/deploys/${body.deploy_id}`,
          headers: {
            'content-type': 'application/json',
            'x-opsroom-timestamp': String(at),
            'x-opsroom-signature': sign(options.key ?? 'hook-key-0123456789', at, raw),
          },
          payload: raw,
        };
      };
      const progress = callback({ state: 'in_progress', description: 'rolling', output: 'node 1 of 3 done' });
      assert.equal((await d.t.request(progress)).statusCode, 200);
      assert.equal((await d.t.request(progress)).statusCode, 409, 'a replay is refused');
      const forged = await d.t.request(callback({ state: 'success' }, { key: 'wrong-key' }));
      assert.equal(forged.statusCode, 401);
      const stale = await d.t.request(
        callback({ state: 'success' }, { at: Math.floor(Date.now() / 1000) - 3600 }),
      );
      assert.equal(stale.statusCode, 401);
      const unsigned = await d.t.request({
        method: 'POST',
        url: `/hooks/deploys/${body.deploy_id}`,
        headers: { 'content-type': 'application/json' },
        payload: '{"state":"success"}',
      });
      assert.equal(unsigned.statusCode, 401);
      assert.equal((await d.latest('hooked'))?.status, 'running', 'bad callbacks change nothing');
      const ok = await d.t.request(
        callback({ state: 'success', description: 'all nodes', log_url: 'https://deploy.example.com/7' }),
      );
      assert.equal(ok.statusCode, 200, ok.body);
      const done = await d.ended('hooked', 'succeeded');
      assert.equal(done.url, 'https://deploy.example.com/7');
      await eventually(async () => {
        const [card] = await d.jobCards(done.jobId!);
        assert.match(card?.code?.content ?? '', /node 1 of 3 done/);
        assert.match(card?.title ?? '', /✅/);
        return true;
      });
      const late = await d.t.request(callback({ state: 'failure', description: 'late' }));
      assert.equal(late.statusCode, 409, 'a finished deploy takes no more statuses');
    });
  });
}
