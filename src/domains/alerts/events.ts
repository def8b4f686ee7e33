import type { AlertFacts } from './ingest-classify.js';
import type { GroupStatus } from './table.js';

declare module '../../core/events.js' {
  interface OpsroomEvents {
    /** A new alert started firing (after the delivery committed). */
    'alert.fired': {
      alertId: number;
      integrationId: string;
      fingerprint: string;
      alertname: string;
      severity: string;
      labels: Record<string, string>;
    };
    'alert.resolved': { alertId: number; integrationId: string; fingerprint: string; alertname: string };
    /** A group's status changed (its card was updated and its thread told). */
    'alert.group.changed': {
      groupId: number;
      roomId: string;
      status: GroupStatus;
      previous: string | null;
      alertname: string;
      severity: string;
      messageId: string | null;
      escalationPolicy: string | null;
    };
  }
}

/**
 * The `alert.fired` payload: the labels are read from the alert's facts when a subscriber reads them
 * (from the ingest thread they arrive as JSON, facts-wire.ts), so a storm of alerts nobody inspects
 * parses none. A class, so its getter costs nothing per alert; `toJSON` gives the plain object.
 */
export class AlertFiredPayload {
  readonly fingerprint: string;
  readonly alertname: string;
  readonly severity: string;

  constructor(
    readonly alertId: number,
    readonly integrationId: string,
    private readonly facts: AlertFacts,
  ) {
    this.fingerprint = facts.fingerprint;
    this.alertname = facts.alertname;
    this.severity = facts.severity;
  }

  /** On the prototype: a spread copy (`{...payload}`) has no labels; read them, or use toJSON. */
  get labels(): Record<string, string> {
    return this.facts.labels;
  }

  toJSON() {
    const { alertId, integrationId, fingerprint, alertname, severity, labels } = this;
    return { alertId, integrationId, fingerprint, alertname, severity, labels };
  }
}
