import { createHmac } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Clock } from '../../core/clock.js';
import { ConflictError, UnauthenticatedError, ValidationError } from '../../core/errors.js';
import { secretsEqual } from '../../core/ids.js';
import type { EventBus } from '../../runtime/event-bus.js';
import type { DB } from '../../storage/tables.js';
import type { Card } from '../chat/schema.js';
import '../integrations/github-events.js';
import type { GithubDeploymentStatus, GithubWorkflowRun } from '../integrations/github-events.js';
import type { Integration } from '../integrations/schema.js';
import type { IntegrationService } from '../integrations/service.js';
import { clip } from './card.js';
import type { Ingestion } from './ingestion-port.js';

export interface GithubDelivery {
  event: string;
  deliveryId: string;
  signature: string;
  body: Buffer;
  contentType: string;
}

const FAILED = new Set(['failure', 'timed_out', 'startup_failure']);
const PRUNE_EVERY_MS = 3_600_000;

type Json = Record<string, unknown>;
const obj = (v: unknown): Json =>
  typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Json) : {};
const str = (v: unknown): string => (typeof v === 'string' ? v : '');
const strOrNull = (v: unknown): string | null => (typeof v === 'string' ? v : null);
const num = (v: unknown): number => (typeof v === 'number' ? v : 0);

/**
 * `POST /hooks/github/:id`: verifies `X-Hub-Signature-256` (HMAC-SHA256 of the raw body with the
 * integration's secret, compared in constant time), refuses stale deliveries (the event's own time
 * older than `alerts.github_max_age`) and replays (an `X-GitHub-Delivery` seen before), then publishes
 * the typed bus events of integrations/github-events.ts. A failed workflow run becomes an alert (and a
 * later success on the same workflow and branch resolves it); a deployment status is posted to the
 * integration's room.
 */
export class GithubHook {
  #lastPruneMs = 0;

  constructor(
    private readonly deps: {
      db: Kysely<DB>;
      clock: Clock;
      bus: EventBus;
      integrations: IntegrationService;
      ingestion: Ingestion;
      maxAgeMs: number;
      say: (roomId: string, card: Card) => Promise<void>;
    },
  ) {}

  async receive(
    integrationId: string,
    delivery: GithubDelivery,
  ): Promise<{ ok: true; event: string; action: string }> {
    const integration = await this.deps.integrations.get(integrationId);
    if (integration?.kind !== 'github' || integration.revokedAt !== null) {
      throw new UnauthenticatedError('Unknown or revoked GitHub integration');
    }
    const secret = await this.deps.integrations.githubSecret(integration);
    const expected = `sha256=${createHmac('sha256', secret).update(delivery.body).digest('hex')}`;
    if (!secretsEqual(expected, delivery.signature)) {
      throw new UnauthenticatedError(
        'X-Hub-Signature-256 does not match the body (check the webhook secret)',
      );
    }
    if (!/^[A-Za-z0-9-]{1,100}$/.test(delivery.deliveryId)) {
      throw new ValidationError('X-GitHub-Delivery is missing or malformed');
    }
    const payload = this.#parse(delivery);
    this.#checkFresh(delivery.event, payload);
    await this.#remember(integration.id, delivery.deliveryId);
    const action = str(payload.action);
    try {
      if (delivery.event === 'deployment_status')
        await this.#deploymentStatus(integration, delivery.deliveryId, payload);
      if (delivery.event === 'workflow_run')
        await this.#workflowRun(integration, delivery.deliveryId, payload);
    } catch (error) {
      // Not processed: let GitHub's redelivery through.
      await this.deps.db
        .deleteFrom('githubDeliveries')
        .where('deliveryId', '=', delivery.deliveryId)
        .execute();
      throw error;
    }
    return { ok: true, event: delivery.event, action };
  }

  #parse(delivery: GithubDelivery): Json {
    let text = delivery.body.toString('utf8');
    if (delivery.contentType.startsWith('application/x-www-form-urlencoded')) {
      text = new URLSearchParams(text).get('payload') ?? '';
    }
    try {
      const value: unknown = JSON.parse(text);
      if (typeof value !== 'object' || value === null) throw new Error('not an object');
      return value as Json;
    } catch (error) {
      throw new ValidationError(`the delivery is not valid JSON: ${(error as Error).message}`);
    }
  }

  /** GitHub sends no timestamp header; the event's own time says how old a delivery is. */
  #checkFresh(event: string, payload: Json): void {
    const times = [
      obj(payload.workflow_run).updated_at,
      obj(payload.deployment_status).updated_at,
      obj(payload.deployment_status).created_at,
      obj(payload.check_run).completed_at,
      obj(payload.head_commit).timestamp,
    ].flatMap((t) => (typeof t === 'string' && !Number.isNaN(Date.parse(t)) ? [Date.parse(t)] : []));
    if (times.length === 0) return;
    const age = this.deps.clock.nowMs() - Math.max(...times);
    if (age > this.deps.maxAgeMs) {
      throw new ValidationError(
        `stale ${event} delivery: the event is ${Math.round(age / 1000)}s old (at most ${this.deps.maxAgeMs / 1000}s)`,
      );
    }
  }

  async #remember(integrationId: string, deliveryId: string): Promise<void> {
    const now = this.deps.clock.nowMs();
    const inserted = await this.deps.db
      .insertInto('githubDeliveries')
      .values({ deliveryId, integrationId, receivedAt: new Date(now).toISOString() })
      .onConflict((oc) => oc.column('deliveryId').doNothing())
      .returning('deliveryId')
      .executeTakeFirst();
    if (!inserted) throw new ConflictError(`delivery ${deliveryId} was already received (a replay)`);
    if (now - this.#lastPruneMs > PRUNE_EVERY_MS) {
      this.#lastPruneMs = now;
      // Older ones are refused as stale anyway.
      const before = new Date(now - 2 * this.deps.maxAgeMs).toISOString();
      await this.deps.db.deleteFrom('githubDeliveries').where('receivedAt', '<', before).execute();
    }
  }

  async #deploymentStatus(integration: Integration, deliveryId: string, payload: Json): Promise<void> {
    const deployment = obj(payload.deployment);
    const status = obj(payload.deployment_status);
    const repository = str(obj(payload.repository).full_name);
    const event: GithubDeploymentStatus = {
      integrationId: integration.id,
      deliveryId,
      repository,
      roomId: integration.roomId,
      deployment: {
        id: num(deployment.id),
        sha: str(deployment.sha),
        ref: str(deployment.ref),
        task: str(deployment.task),
        environment: str(deployment.environment),
        payload: obj(deployment.payload),
      },
      status: {
        state: str(status.state),
        description: strOrNull(status.description),
        environment: str(status.environment) || str(deployment.environment),
        target_url: strOrNull(status.target_url),
        log_url: strOrNull(status.log_url),
        environment_url: strOrNull(status.environment_url),
      },
    };
    this.deps.bus.publish('github.deployment_status', event);
    if (integration.roomId === null) return;
    const state = event.status.state;
    const link = event.status.log_url ?? event.status.target_url;
    await this.deps.say(integration.roomId, {
      title: clip(
        `🚀 ${repository} ${event.deployment.ref || event.deployment.sha.slice(0, 7)} → ${event.status.environment}: ${state}`,
        200,
        true,
      ),
      color: state === 'success' ? 'good' : state === 'failure' || state === 'error' ? 'danger' : 'info',
      fields: [
        { title: 'Environment', value: clip(event.status.environment || '?', 100), short: true },
        { title: 'Commit', value: clip(event.deployment.sha.slice(0, 12) || '?', 100), short: true },
        ...(link ? [{ title: 'Log', value: clip(`[${link}](${link})`, 1000) }] : []),
      ],
      ...(event.status.description ? { text: clip(event.status.description, 4000) } : {}),
      footer: 'GitHub deployment_status',
    });
  }

  async #workflowRun(integration: Integration, deliveryId: string, payload: Json): Promise<void> {
    const run = obj(payload.workflow_run);
    const repository = str(obj(payload.repository).full_name);
    const event: GithubWorkflowRun = {
      integrationId: integration.id,
      deliveryId,
      repository,
      roomId: integration.roomId,
      action: str(payload.action),
      run: {
        id: num(run.id),
        name: str(run.name),
        head_branch: str(run.head_branch),
        head_sha: str(run.head_sha),
        status: str(run.status),
        conclusion: strOrNull(run.conclusion),
        html_url: str(run.html_url),
        run_attempt: num(run.run_attempt),
      },
    };
    this.deps.bus.publish('github.workflow_run', event);
    if (event.action !== 'completed' || integration.roomId === null) return;
    const conclusion = event.run.conclusion ?? '';
    if (!FAILED.has(conclusion) && conclusion !== 'success') return;
    const labels = {
      alertname: 'WorkflowFailed',
      repository: repository || 'unknown',
      workflow: event.run.name || 'workflow',
      branch: event.run.head_branch || 'unknown',
      severity: 'warning',
    };
    await this.deps.ingestion.ingest(integration, [
      {
        labels,
        annotations: {
          summary: `${labels.workflow} ${conclusion.replace('_', ' ')} on ${labels.branch} (${repository})`,
          description: `Run ${event.run.id}, attempt ${event.run.run_attempt}, commit ${event.run.head_sha.slice(0, 12)}`,
        },
        status: FAILED.has(conclusion) ? 'firing' : 'resolved',
        generatorUrl: event.run.html_url || undefined,
        dedupKey: `workflow:${repository}:${labels.workflow}:${labels.branch}`,
      },
    ]);
  }
}
