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
