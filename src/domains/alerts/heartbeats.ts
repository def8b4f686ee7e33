import type { Scheduler } from '../../runtime/scheduler.js';
import type { Integration } from '../integrations/schema.js';
import type { IntegrationService } from '../integrations/service.js';
import type { Ingestion } from './ingestion-port.js';

export const HEARTBEAT_TASK = 'alerts.heartbeat';
const heartbeatKey = (id: string) => `heartbeat:${id}`;

export interface HeartbeatSettings {
  severity: string;
  summary?: string | undefined;
  labels: Record<string, string>;
}

/**
 * Dead-man's switches: each beat moves the integration's timer to now + interval; when the timer
 * fires, `HeartbeatMissing` fires through the normal pipeline (routes, grouping, one card); the next
 * beat resolves it. The timer is a Scheduler task, so it survives a restart; a new heartbeat is armed
 * when it is created, so one that never beats alerts too.
 */
export class Heartbeats {
  constructor(
    private readonly deps: {
      scheduler: Scheduler;
      ingestion: Ingestion;
      integrations: IntegrationService;
      clock: { nowMs(): number };
      configured: (name: string) => HeartbeatSettings | undefined;
    },
  ) {}

  install(): void {
    this.deps.scheduler.handle(HEARTBEAT_TASK, async (task) => {
      const integration = await this.deps.integrations.get(String(task.payload?.integrationId));
      if (!integration || integration.revokedAt !== null) return;
      await this.deps.ingestion.ingest(integration, [this.#alert(integration, 'firing')]);
    });
  }

  /** Arms a new heartbeat's first deadline. */
  async arm(integration: Integration): Promise<void> {
    await this.deps.scheduler.schedule(this.#task(integration));
  }

  async beat(integration: Integration): Promise<{ nextDeadline: string }> {
    const task = this.#task(integration);
    await this.deps.scheduler.schedule(task);
    // Resolves the missing-heartbeat alert if one is open; otherwise a no-op record.
    await this.deps.ingestion.ingest(integration, [this.#alert(integration, 'resolved')]);
    return { nextDeadline: new Date(task.dueMs).toISOString() };
  }

  #task(integration: Integration) {
    const intervalMs = (integration.settings.intervalSeconds ?? 300) * 1000;
    return {
      key: heartbeatKey(integration.id),
      kind: HEARTBEAT_TASK,
      dueMs: this.deps.clock.nowMs() + intervalMs,
      payload: { integrationId: integration.id },
    };
  }

  #alert(integration: Integration, status: 'firing' | 'resolved') {
    const settings = this.deps.configured(integration.name);
    const interval = integration.settings.intervalSeconds ?? 300;
    return {
      labels: {
        ...settings?.labels,
        alertname: 'HeartbeatMissing',
        heartbeat: integration.name,
        severity: settings?.severity ?? 'critical',
      },
      annotations: {
        summary: settings?.summary ?? `No heartbeat from ${integration.name} for ${interval}s`,
      },
      status,
      dedupKey: `heartbeat:${integration.id}`,
    };
  }
}
