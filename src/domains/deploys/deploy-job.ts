/**
 * The body of a deploy job (deploy and rollback both end here): re-check the lock and freeze (time
 * passed while it was proposed or queued), record the deploy, show its fields on the job's one card,
 * list the commits since the last deploy when the provider can tell, run the provider with the job's
 * signal (cancel) and the environment's timeout, then record how it ended and publish the events.
 */
import type { Actor } from '../../core/actor.js';
import type { Clock } from '../../core/clock.js';
import type { CommandContext, CommandResult } from '../bot/command.js';
import { deployFields } from './cards.js';
import type { DeployFacts, DeployProvider, DeployRequest } from './provider.js';
import { isSha } from './refs.js';
import type { DeployCommit, DeployView } from './schema.js';
import type { DeployPlan, DeployService } from './service.js';
import type { DeployStatus } from './table.js';

export interface DeployJobDeps {
  service: DeployService;
  clock: Clock;
  providers: Readonly<Record<string, DeployProvider>>;
  /** Who approved the job, when it was approved (read from the job record). */
  approvedBy: (actor: Actor, jobId: number) => Promise<string | null>;
  roomNameOf: (roomId: string) => Promise<string | undefined>;
  onError: (error: unknown, context: Record<string, unknown>) => void;
}

const MAX_COMMITS_SHOWN = 20;

export async function runDeployJob(
  deps: DeployJobDeps,
  plan: DeployPlan,
  ctx: CommandContext<unknown>,
): Promise<CommandResult> {
  const { service } = deps;
  const roomName = ctx.roomId === '' ? undefined : await deps.roomNameOf(ctx.roomId);
  const refused = await service.refusal(plan, ctx.actor, roomName);
  if (refused !== undefined) return { ok: false, text: refused.text };
  const provider = deps.providers[plan.target.config.provider];
  if (!provider) return { ok: false, text: `No provider called ${plan.target.config.provider}.` };
  const jobId = Number(ctx.jobId);
  const approvedBy = await deps.approvedBy(ctx.actor, jobId).catch(() => null);
  const previous = await service.lastSucceeded(plan.target.app, plan.target.environment);
  let deploy: DeployView = await service.begin(
    plan,
    ctx.actor,
    Number.isSafeInteger(jobId) ? jobId : null,
    approvedBy,
  );
  const repository = plan.target.config.repository;
  let commitCount: number | undefined;
  const show = () => ctx.details?.(deployFields(deploy, { repository, commits: commitCount }));
  show();
  const what = plan.rollbackOf === undefined ? 'Deploying' : 'Rolling back to';
  ctx.progress(
    `${what} ${plan.target.app}/${plan.ref} to ${plan.target.environment} (deploy #${deploy.id}, task ${plan.task}) for @${ctx.actor.username}\n`,
  );

  // The environment's own timeout; the job's timeout is only a backstop.
  const timeout = new AbortController();
  const cancelTimer = deps.clock.setTimer(plan.target.settings.timeoutMinutes * 60_000, () =>
    timeout.abort('timed out'),
  );
  const signal = AbortSignal.any([ctx.signal, timeout.signal]);
  const request: DeployRequest = {
    deployId: deploy.id,
    app: plan.target.app,
    environment: plan.target.environment,
    task: plan.task,
    ref: plan.ref,
    sha: isSha(plan.ref) ? plan.ref : undefined,
    hosts: plan.hosts,
    requester: ctx.actor.username,
    repository,
    settings: plan.target.settings,
  };
  let status: DeployStatus = 'failed';
  let summary = '';
  try {
    if (provider.commits && previous) {
      const commits = await provider
        .commits(request, previous.sha ?? previous.ref, signal)
        .catch(() => undefined);
      if (commits !== undefined) {
        commitCount = commits.length;
        await service.note(deploy.id, { commits: JSON.stringify(commits.slice(0, 250)) });
        ctx.progress(commitLines(commits, previous.id));
        show();
      }
    }
    const facts: DeployFacts = {};
    // What the provider learns is written as it arrives; the deploy's end waits for those writes, so its
    // links and SHA are stored before anyone reads the finished deploy (regression: url missing on PostgreSQL).
    const notes: Promise<unknown>[] = [];
    const outcome = await provider.deploy(request, {
      signal,
      progress: (text) => ctx.progress(text),
      learn: (learned) => {
        Object.assign(facts, learned);
        deploy = {
          ...deploy,
          ...(learned.sha ? { sha: learned.sha } : {}),
          ...(learned.url ? { url: learned.url } : {}),
          ...(learned.externalId ? { externalId: learned.externalId } : {}),
        };
        notes.push(
          service
            .note(deploy.id, learned)
            .catch((error: unknown) => deps.onError(error, { deployId: deploy.id })),
        );
        show();
      },
    });
    await Promise.all(notes);
    status = outcome.ok ? 'succeeded' : (stoppedStatus(ctx.signal, timeout.signal) ?? 'failed');
    summary = outcome.summary;
  } catch (error) {
    status = stoppedStatus(ctx.signal, timeout.signal) ?? 'failed';
    summary = (error as Error).message;
    if (status === 'failed') deps.onError(error, { deployId: deploy.id });
  } finally {
    cancelTimer();
  }
  if (status === 'timed_out' && timeout.signal.aborted) {
    summary = `timed out after ${plan.target.settings.timeoutMinutes}m (${summary})`;
  }
  await service.finish(deploy.id, status, summary);
  const text = `Deploy #${deploy.id} of ${plan.target.app}/${plan.ref} to ${plan.target.environment} ${status.replace('_', ' ')}: ${summary}`;
  return { ok: status === 'succeeded', text };
}

/** How a stop reads: the job runner's reason (cancel, timeout, shutdown) or the environment's timeout. */
function stoppedStatus(job: AbortSignal, timeout: AbortSignal): DeployStatus | undefined {
  if (timeout.aborted) return 'timed_out';
  if (!job.aborted) return undefined;
  const reason: unknown = job.reason;
  const kind =
    typeof reason === 'object' && reason !== null && 'kind' in reason
      ? (reason as { kind: unknown }).kind
      : undefined;
  if (kind === 'timeout') return 'timed_out';
  if (kind === 'shutdown') return 'interrupted';
  return 'cancelled';
}

function commitLines(commits: DeployCommit[], sinceId: number): string {
  if (commits.length === 0) return `No new commits since deploy #${sinceId}.\n`;
  const shown = commits.slice(-MAX_COMMITS_SHOWN).reverse();
  const more = commits.length > shown.length ? `\n… and ${commits.length - shown.length} more` : '';
  return `${commits.length} commit${commits.length === 1 ? '' : 's'} since deploy #${sinceId}:\n${shown
    .map((c) => `  ${c.sha.slice(0, 7)} ${c.message}${c.author ? ` (${c.author})` : ''}`)
    .join('\n')}${more}\n`;
}
