import type { Generated } from 'kysely';

export const ALERT_STATUSES = ['firing', 'resolved'] as const;
export type AlertStatus = (typeof ALERT_STATUSES)[number];

/** What a group shows: computed from its alerts, the ack, silences and inhibition. */
export const GROUP_STATUSES = ['firing', 'acked', 'silenced', 'inhibited', 'resolved'] as const;
export type GroupStatus = (typeof GROUP_STATUSES)[number];

export interface AlertsTable {
  id: Generated<number>;
  integrationId: string;
  fingerprint: string;
  startsAt: string;
  alertname: string;
  severity: string;
  /** JSON object, keys sorted. */
  labels: string;
  annotations: string;
  status: AlertStatus;
  endsAt: string | null;
  generatorUrl: string | null;
  /** `silence:<id>` or `inhibited` when the last notification muted it; NULL otherwise. */
  muted: string | null;
  createdAt: string;
  updatedAt: string;
  resolvedAt: string | null;
  /** Who resolved it by hand (generic sources); NULL when the source resolved it. */
  resolvedBy: string | null;
}

export interface AlertGroupsTable {
  id: Generated<number>;
  groupKey: string;
  openKey: string | null;
  routeId: string;
  roomId: string;
  integrationId: string;
  sourceKind: string;
  status: GroupStatus;
  severity: string;
  alertname: string;
  /** JSON: the group_by labels. */
  labels: string;
  /** JSON: the route's timings and options when the group was made (GroupSettings). */
  settings: string;
  messageId: string | null;
  /** The status the room was last told about (thread entries are posted on change). */
  notifiedStatus: string | null;
  cardHash: string | null;
  ackedBy: string | null;
  ackedAt: string | null;
  mutedUntilResolved: number;
  flapping: number;
  createdAt: string;
  updatedAt: string;
  lastNoticeAt: string | null;
  resolvedAt: string | null;
}

export interface AlertGroupAlertsTable {
  groupId: number;
  alertId: number;
  /** 1 once the room was told about this alert (new alerts are announced once per group_interval). */
  noticed: number;
}

export interface AlertEventsTable {
  id: Generated<number>;
  at: string;
  kind: string;
  groupId: number | null;
  alertId: number | null;
  fingerprint: string | null;
  alertname: string | null;
  actor: string | null;
  detail: string;
}

export interface AlertSilencesTable {
  id: Generated<number>;
  /** JSON: `[{name, op, value}]`. */
  matchers: string;
  startsAt: string;
  endsAt: string;
  reason: string;
  createdBy: string;
  createdAt: string;
  removedBy: string | null;
  removedAt: string | null;
}

declare module '../../storage/tables.js' {
  interface DB {
    alerts: AlertsTable;
    alertGroups: AlertGroupsTable;
    alertGroupAlerts: AlertGroupAlertsTable;
    alertEvents: AlertEventsTable;
    alertSilences: AlertSilencesTable;
  }
}
