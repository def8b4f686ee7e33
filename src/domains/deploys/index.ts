/**
 * The deploys domain, wired: `createDeploys` builds the service, the providers, the status feed (GitHub
 * deployment statuses from the bus, signed webhook callbacks), the bot commands and the routes. app.ts
 * registers the commands in the bot's registry and calls `stop()` on shutdown.
 */
import type { Kysely } from 'kysely';
import type { AppsConfig } from '../../config/apps-schema.js';
import type { Actor } from '../../core/actor.js';
import type { Clock } from '../../core/clock.js';
import { ConflictError, UnauthenticatedError } from '../../core/errors.js';
import type { RenderSecrets } from '../../plugins/actions/templates.js';
import type { EventBus } from '../../runtime/event-bus.js';
import type { DB } from '../../storage/tables.js';
import type { AuditEntry } from '../audit/schema.js';
import type { Command } from '../bot/command.js';
import type { Card } from '../chat/schema.js';
import type { GithubDeploymentStatus } from '../integrations/github-events.js';
import { jobCard } from '../jobs/card.js';
import type { JobView } from '../jobs/schema.js';
import type { Policy } from '../policy/policy.js';
import type { RouteApp } from '../route-context.js';
import { Apps } from './apps.js';
import { deployCommands } from './commands.js';
import { type DeployProvider, StatusFeed } from './provider.js';
import { githubProvider } from './providers/github.js';
import { kubernetesProvider } from './providers/kubernetes.js';
import { shellProvider } from './providers/shell.js';
import { webhookProvider } from './providers/webhook.js';
import { type CallbackHandler, parseCallback, registerDeployRoutes } from './routes.js';
import { DeployService } from './service.js';
import { verify } from './signature.js';
import '../integrations/github-events.js';

export { DeployService } from './service.js';

export interface DeploysDeps {
  db: Kysely<DB>;
  clock: Clock;
  bus: EventBus;
  apps: AppsConfig;
  policy: Policy;
  audit: (entry: AuditEntry) => void;
  serverEnv: Readonly<Record<string, string | undefined>>;
  renderSecrets: RenderSecrets;
  /** Exactly-once keys (the bot's claims table): a webhook callback's signature is claimed once. */
  claim: (key: string) => Promise<boolean>;
  /** Who approved a job (from the job record), for the history. */
  approvedBy: (actor: Actor, jobId: number) => Promise<string | null>;
  roomNameOf: (roomId: string) => Promise<string | undefined>;
  /** Edits a job card (a queued deploy's card says what it waits for). */
  updateCard: (messageId: string, card: Card) => Promise<void>;
  /** The server's public address, for webhook callback URLs. */
  publicUrl: string | undefined;
  /** Replaceable in tests; defaults to the built-in fetch. */
  fetch?: typeof fetch;
  killGraceMs?: number;
  onError: (error: unknown, context: Record<string, unknown>) => void;
}

export interface Deploys {
  service: DeployService;
  commands: Command[];
  feed: StatusFeed;
  registerRoutes(app: RouteApp): void;
  /** Stops listening and waits for running deploy bodies to record how they ended. */
  stop(): Promise<void>;
}

export async function createDeploys(deps: DeploysDeps): Promise<Deploys> {
  const apps = new Apps(deps.apps);
  const service = new DeployService({
    db: deps.db,
    clock: deps.clock,
    bus: deps.bus,
    apps,
    policy: deps.policy,
    audit: deps.audit,
  });
  await service.recoverInterrupted();
  const feed = new StatusFeed();
  const fetchOption = deps.fetch === undefined ? {} : { fetch: deps.fetch };
  const grace = deps.killGraceMs === undefined ? {} : { killGraceMs: deps.killGraceMs };
  const providers: Record<string, DeployProvider> = {
    shell: shellProvider({ clock: deps.clock, serverEnv: deps.serverEnv, ...grace }),
    kubernetes: kubernetesProvider({ clock: deps.clock, serverEnv: deps.serverEnv, ...grace }),
    github: githubProvider({ feed, renderSecrets: deps.renderSecrets, ...fetchOption }),
    webhook: webhookProvider({
      clock: deps.clock,
      feed,
      renderSecrets: deps.renderSecrets,
      callbackUrl: (id) => `${(deps.publicUrl ?? '').replace(/\/+$/, '')}/hooks/deploys/${id}`,
      ...fetchOption,
    }),
  };
  // Without apps the commands stay out of the way: a plugin or action may own the name `deploy` then.
  const commands =
    apps.names().length === 0
      ? []
      : deployCommands(service, {
          service,
          clock: deps.clock,
          providers,
          approvedBy: deps.approvedBy,
          roomNameOf: deps.roomNameOf,
          onError: deps.onError,
        });

  const stopGithub = deps.bus.subscribe('github.deployment_status', (event) => {
    onGithubStatus(service, apps, feed, event.payload).catch((error: unknown) =>
      deps.onError(error, { githubDeployment: event.payload.deployment.id }),
    );
  });
  // Deploy jobs being noted as queued → whether they have started since: a started job's card must not
  // be edited back to "waiting". Entries live only while the note is being written.
  const noting = new Map<number, boolean>();
  const stopStarted = deps.bus.subscribe('job.started', (event) => {
    if (noting.has(event.payload.job.id)) noting.set(event.payload.job.id, true);
  });
  const stopQueued = deps.bus.subscribe('job.queued', (event) => {
    const { job } = event.payload;
    if (job.command !== 'deploy' && job.command !== 'rollback') return;
    noting.set(job.id, false);
    noteQueued(service, deps, job, () => noting.get(job.id) === true)
      .catch((error: unknown) => deps.onError(error, { jobId: job.id }))
      .finally(() => noting.delete(job.id));
  });

  const callbacks: CallbackHandler = {
    async handle(deployId, raw, headers) {
      const row = await service.store.get(deployId);
      const resolved = row ? apps.resolve(row.app, row.environment) : undefined;
      // Unknown deploys and deploys of other providers look like a bad signature: nothing to learn here.
      const key =
        row &&
        resolved?.ok &&
        resolved.target.config.provider === 'webhook' &&
        resolved.target.settings.webhook.secret
          ? await deps.renderSecrets(resolved.target.settings.webhook.secret)
          : undefined;
      const verdict =
        key === undefined
          ? { ok: false as const, why: 'bad-signature' as const }
          : verify(key, headers, raw, deps.clock.nowMs());
      if (!verdict.ok) {
        throw new UnauthenticatedError(
          verdict.why === 'stale'
            ? 'The callback is stale: its timestamp is more than 5 minutes away'
            : 'Bad or missing signature',
        );
      }
      if (!(await deps.claim(`deploy-callback:${headers.signature}`))) {
        throw new ConflictError('This callback was already delivered (replay refused)');
      }
      const status = parseCallback(raw);
      if (row!.status !== 'running')
        throw new ConflictError(`Deploy #${deployId} has already ended (${row!.status})`);
      feed.publish(deployId, {
        state: status.state,
        description: status.description,
        url: status.log_url,
        sha: status.sha,
        output: status.output,
      });
    },
  };

  return {
    service,
    commands,
    feed,
    registerRoutes: (app) => registerDeployRoutes(app, service, callbacks),
    async stop() {
      stopGithub();
      stopQueued();
      stopStarted();
      await service.drain();
    },
  };
}

/** A verified GitHub deployment status: to the running deploy it belongs to (same repository only). */
async function onGithubStatus(
  service: DeployService,
  apps: Apps,
  feed: StatusFeed,
  event: GithubDeploymentStatus,
) {
  const named = Number(event.deployment.payload.opsroom_deploy_id);
  const row =
    (Number.isSafeInteger(named) && named > 0 ? await service.store.get(named) : undefined) ??
    (await service.store.byExternalId(String(event.deployment.id)));
  if (row?.provider !== 'github' || row.status !== 'running') return;
  const repository = apps.get(row.app)?.repository;
  if (!repository || repository.toLowerCase() !== event.repository.toLowerCase()) return;
  if (row.externalId !== null && row.externalId !== String(event.deployment.id)) return;
  feed.publish(row.id, {
    state: event.status.state,
    description: event.status.description,
    url: event.status.log_url ?? event.status.target_url ?? event.status.environment_url,
    sha: event.deployment.sha,
  });
}

/** A deploy queued behind another of the same app and environment says so on its card. */
async function noteQueued(
  service: DeployService,
  deps: DeploysDeps,
  job: JobView,
  startedSince: () => boolean,
) {
  if ((job.command !== 'deploy' && job.command !== 'rollback') || job.messageId === null) return;
  const lock = job.locks.find((l) => l.startsWith('deploy:'));
  if (!lock) return;
  const [, app, environment] = lock.split(':');
  if (!app || !environment) return;
  const running = (await service.store.history({ app, environment, status: 'running' }, 1))[0];
  if (!running || running.jobId === job.id) return;
  if (startedSince()) return;
  const card = jobCard(job, '', deps.clock.nowMs());
  card.text = `Waiting in the queue: deploy #${running.id} of ${app} to ${environment} (job ${running.jobId ?? '?'}, by @${running.requester}) is running. One deploy at a time per app and environment; \`cancel ${job.id}\` to give up.`;
  await deps.updateCard(job.messageId, card);
}
