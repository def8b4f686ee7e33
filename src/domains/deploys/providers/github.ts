/**
 * `provider: github`: creates a Deployment through the REST API (ref, task, environment, payload with
 * `opsroom_deploy_id`, required contexts) and then follows its statuses, which arrive as
 * `github.deployment_status` bus events from the verified webhook (`POST /hooks/github/:id`). The
 * commits since the last deploy come from the compare API. Cancelling marks the deployment `error`.
 */
import type { RenderSecrets } from '../../../plugins/actions/templates.js';
import {
  awaitTerminalStatus,
  type DeployIO,
  type DeployOutcome,
  type DeployProvider,
  type DeployRequest,
  type StatusFeed,
} from '../provider.js';
import type { DeployCommit } from '../schema.js';

export interface GithubProviderDeps {
  feed: StatusFeed;
  renderSecrets: RenderSecrets;
  fetch?: typeof fetch;
}

const DEFAULT_API = 'https://api.github.com';

interface GithubDeployment {
  id: number;
  sha: string;
  ref: string;
  environment: string;
  url: string;
}

export function githubProvider(deps: GithubProviderDeps): DeployProvider {
  const doFetch = deps.fetch ?? fetch;
  const call = async (
    request: DeployRequest,
    method: string,
    path: string,
    signal: AbortSignal,
    body?: unknown,
  ) => {
    const gh = request.settings.github;
    const token = await deps.renderSecrets(gh.token ?? '');
    const base = (gh.apiUrl ?? DEFAULT_API).replace(/\/+$/, '');
    const response = await doFetch(`${base}/repos/${request.repository}${path}`, {
      method,
      signal,
      headers: {
        accept: 'application/vnd.github+json',
        authorization: `Bearer ${token}`,
        'x-github-api-version': '2022-11-28',
        'user-agent': 'opsroom',
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await response.text();
    let json: unknown;
    try {
      json = text === '' ? undefined : JSON.parse(text);
    } catch {
      json = undefined;
    }
    return { status: response.status, json };
  };
  const messageOf = (json: unknown) =>
    typeof json === 'object' && json !== null && 'message' in json
      ? String((json as { message: unknown }).message)
      : 'no message';

  return {
    async deploy(request: DeployRequest, io: DeployIO): Promise<DeployOutcome> {
      const gh = request.settings.github;
      const body = {
        ref: request.ref,
        task: request.task,
        environment: gh.environment ?? request.environment,
        description: `Deployed from Opsroom by @${request.requester}`,
        auto_merge: gh.autoMerge ?? false,
        payload: {
          opsroom_deploy_id: request.deployId,
          requester: request.requester,
          ...(request.hosts ? { hosts: request.hosts } : {}),
        },
        ...(gh.requiredContexts === undefined ? {} : { required_contexts: gh.requiredContexts }),
        ...(gh.productionEnvironment === undefined
          ? {}
          : { production_environment: gh.productionEnvironment }),
        ...(gh.transientEnvironment === undefined ? {} : { transient_environment: gh.transientEnvironment }),
      };
      // Listen before creating: a fast status must not arrive before anyone waits for it.
      const wait = awaitTerminalStatus(deps.feed, request.deployId, io, 'GitHub');
      const created = await call(request, 'POST', '/deployments', io.signal, body).catch(
        (error: unknown) => ({
          status: 0,
          json: { message: (error as Error).message },
        }),
      );
      if (created.status !== 201) {
        // 202: GitHub merged the default branch into the ref and asks for a new request; 409: merge conflict
        // or failing status checks; 422: validation.
        wait.stop();
        const why =
          created.status === 0 ? 'GitHub could not be reached' : `GitHub answered ${created.status}`;
        return { ok: false, summary: `${why}: ${messageOf(created.json)}` };
      }
      const deployment = created.json as GithubDeployment;
      io.learn({ externalId: String(deployment.id), sha: deployment.sha });
      io.progress(
        `GitHub deployment ${deployment.id} created for ${deployment.ref} (${deployment.sha.slice(0, 7)}); waiting for its status\n`,
      );
      const result = await wait.outcome;
      if (!result.ok && io.signal.aborted) {
        // Tell GitHub too, so its page does not show a deploy in progress forever.
        await call(request, 'POST', `/deployments/${deployment.id}/statuses`, AbortSignal.timeout(10_000), {
          state: 'error',
          description: 'Cancelled or timed out in Opsroom',
        }).catch(() => undefined);
      }
      return result;
    },

    async commits(
      request: DeployRequest,
      base: string,
      signal: AbortSignal,
    ): Promise<DeployCommit[] | undefined> {
      const answer = await call(
        request,
        'GET',
        `/compare/${encodeURIComponent(base)}...${encodeURIComponent(request.ref)}`,
        signal,
      ).catch(() => undefined);
      if (answer?.status !== 200) return undefined;
      const commits = (answer.json as { commits?: unknown }).commits;
      if (!Array.isArray(commits)) return undefined;
      return commits.map(
        (c: {
          sha: string;
          commit?: { message?: string; author?: { name?: string } };
          author?: { login?: string } | null;
        }) => ({
          sha: c.sha,
          message: (c.commit?.message ?? '').split('\n', 1)[0] ?? '',
          author: c.author?.login ?? c.commit?.author?.name ?? null,
        }),
      );
    },
  };
}
