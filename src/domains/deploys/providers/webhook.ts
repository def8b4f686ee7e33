/**
 * `provider: webhook`: POSTs the deploy as signed JSON (see signature.ts) to the configured URL and
 * follows the status callbacks the service sends to `POST /hooks/deploys/:id`, signed with the same key.
 * The service may also answer the POST itself with `{ "state": "success" | "failure", … }`.
 */
import type { Clock } from '../../../core/clock.js';
import type { RenderSecrets } from '../../../plugins/actions/templates.js';
import {
  awaitTerminalStatus,
  type DeployIO,
  type DeployOutcome,
  type DeployProvider,
  type DeployRequest,
  type StatusFeed,
  TERMINAL_FAILED,
  TERMINAL_OK,
} from '../provider.js';
import { signedHeaders } from '../signature.js';

export interface WebhookProviderDeps {
  clock: Clock;
  feed: StatusFeed;
  renderSecrets: RenderSecrets;
  /** Where the service sends status callbacks: `<publicUrl>/hooks/deploys/<id>`. */
  callbackUrl: (deployId: number) => string;
  fetch?: typeof fetch;
}

export function webhookProvider(deps: WebhookProviderDeps): DeployProvider {
  const doFetch = deps.fetch ?? fetch;
  return {
    async deploy(request: DeployRequest, io: DeployIO): Promise<DeployOutcome> {
      const hook = request.settings.webhook;
      if (!hook.url || !hook.secret) return { ok: false, summary: 'webhook settings are incomplete' };
      const key = await deps.renderSecrets(hook.secret);
      const body = JSON.stringify({
        deploy_id: request.deployId,
        app: request.app,
        environment: request.environment,
        task: request.task,
        ref: request.ref,
        sha: request.sha ?? null,
        hosts: request.hosts ?? null,
        requester: request.requester,
        callback_url: deps.callbackUrl(request.deployId),
      });
      const wait = awaitTerminalStatus(deps.feed, request.deployId, io, 'The deploy service');
      let answer: Response;
      try {
        answer = await doFetch(hook.url, {
          method: 'POST',
          headers: signedHeaders(key, deps.clock.nowMs(), body),
          body,
          signal: AbortSignal.any([io.signal, AbortSignal.timeout(30_000)]),
        });
      } catch (error) {
        wait.stop();
        return { ok: false, summary: `the deploy service could not be reached: ${(error as Error).message}` };
      }
      const text = await answer.text().catch(() => '');
      if (!answer.ok) {
        wait.stop();
        return { ok: false, summary: `the deploy service answered ${answer.status}` };
      }
      io.progress(`Sent to ${new URL(hook.url).host}; waiting for its status\n`);
      const state = stateOf(text);
      if (state !== undefined && (TERMINAL_OK.has(state) || TERMINAL_FAILED.has(state))) {
        wait.stop();
        return { ok: TERMINAL_OK.has(state), summary: `the deploy service answered ${state}` };
      }
      return await wait.outcome;
    },
  };
}

function stateOf(text: string): string | undefined {
  try {
    const json = JSON.parse(text) as { state?: unknown };
    return typeof json.state === 'string' ? json.state : undefined;
  } catch {
    return undefined;
  }
}
