import { z } from 'zod';
import { GROUP_STATUSES } from './table.js';

/**
 * The generic alert format (`POST /hooks/generic/:token`, and what every parser produces). One alert,
 * or `{ alerts: [...] }`:
 *
 * ```json
 * { "source": "backup-cron", "labels": { "alertname": "BackupFailed", "host": "db1" },
 *   "annotations": { "runbook_url": "https://…" }, "status": "firing", "severity": "critical",
 *   "summary": "nightly backup failed", "startsAt": "2026-01-01T02:00:00Z", "endsAt": null,
 *   "dedupKey": "backup-db1", "url": "https://ci.example/job/42" }
 * ```
 * `labels` or `dedupKey` is required; `severity` and `summary` become the `severity` label and the
 * `summary` annotation; `source` becomes the `source` label. Without `startsAt` the alert continues the
 * open alert with the same labels (or starts now); `status` is `firing` (default) or `resolved`.
 */
const labelValue = z.string().max(10_000);
export const labelMap = z.record(z.string().min(1).max(1000), labelValue);

export const incomingAlertSchema = z.object({
  labels: z.record(z.string(), z.string()),
  annotations: z.record(z.string(), z.string()).optional(),
  status: z.enum(['firing', 'resolved']),
  startsAt: z.string().optional(),
  endsAt: z.string().nullable().optional(),
  generatorUrl: z.string().optional(),
  dedupKey: z.string().optional(),
});
/** One alert as every source hands it to the pipeline (`AlertIngestion.ingest`). */
export interface IncomingAlert {
  labels: Record<string, string>;
  annotations?: Record<string, string> | undefined;
  status: 'firing' | 'resolved';
  /** RFC 3339; absent: continue the open alert with the same fingerprint, or start now. */
  startsAt?: string | undefined;
  endsAt?: string | null | undefined;
  generatorUrl?: string | undefined;
  /** Replaces the labels in the fingerprint: the sender's own identity for "the same problem". */
  dedupKey?: string | undefined;
}

export const genericAlertSchema = z.strictObject({
  source: z.string().min(1).max(200).optional(),
  labels: labelMap.optional(),
  annotations: labelMap.optional(),
  status: z.enum(['firing', 'resolved']).default('firing'),
  severity: z.string().min(1).max(64).optional(),
  summary: z.string().max(10_000).optional(),
  description: z.string().max(10_000).optional(),
  startsAt: z.string().max(64).optional(),
  endsAt: z.string().max(64).nullable().optional(),
  dedupKey: z.string().min(1).max(500).optional(),
  url: z.string().max(2000).optional(),
});
export type GenericAlert = z.infer<typeof genericAlertSchema>;

export const groupStatusSchema = z.enum(GROUP_STATUSES);

export const alertViewSchema = z.object({
  id: z.number().int(),
  fingerprint: z.string(),
  alertname: z.string(),
  severity: z.string(),
  status: z.enum(['firing', 'resolved']),
  labels: z.record(z.string(), z.string()),
  annotations: z.record(z.string(), z.string()),
  startsAt: z.string(),
  endsAt: z.string().nullable(),
  generatorUrl: z.string().nullable(),
  muted: z.string().nullable(),
  integrationId: z.string(),
});
export type AlertView = z.infer<typeof alertViewSchema>;

export const groupViewSchema = z.object({
  id: z.number().int(),
  groupKey: z.string(),
  status: groupStatusSchema,
  severity: z.string(),
  alertname: z.string(),
  labels: z.record(z.string(), z.string()),
  roomId: z.string(),
  routeId: z.string(),
  messageId: z.string().nullable(),
  ackedBy: z.string().nullable(),
  ackedAt: z.string().nullable(),
  mutedUntilResolved: z.boolean(),
  flapping: z.boolean(),
  createdAt: z.string(),
  resolvedAt: z.string().nullable(),
  firing: z.number().int(),
  alerts: z.array(alertViewSchema),
});
export type GroupView = z.infer<typeof groupViewSchema>;

export const alertListQuery = z.strictObject({
  status: z.enum(['open', 'all', ...GROUP_STATUSES]).default('open'),
  severity: z.string().max(64).optional(),
  alertname: z.string().max(200).optional(),
  room: z.string().max(81).optional(),
  integration: z.string().max(64).optional(),
  limit: z.coerce.number().int().min(1).max(500).default(50),
});
export type AlertListQuery = z.input<typeof alertListQuery>;

export const silenceViewSchema = z.object({
  id: z.number().int(),
  matchers: z.array(z.object({ name: z.string(), op: z.enum(['=', '!=', '=~', '!~']), value: z.string() })),
  startsAt: z.string(),
  endsAt: z.string(),
  reason: z.string(),
  createdBy: z.string(),
  createdAt: z.string(),
  removedBy: z.string().nullable(),
  removedAt: z.string().nullable(),
  active: z.boolean(),
});
export type SilenceView = z.infer<typeof silenceViewSchema>;

export const createSilenceBody = z.strictObject({
  matchers: z.string().min(1).max(2000),
  durationSeconds: z
    .number()
    .int()
    .min(60)
    .max(90 * 86_400),
  reason: z.string().min(1).max(500),
});

export const noiseRowSchema = z.object({
  alertname: z.string(),
  fired: z.number().int(),
  medianAckMs: z.number().nullable(),
  autoResolvedShare: z.number(),
  ackedNoFollowUp: z.number().int(),
  flapping: z.number().int(),
  actionableShare: z.number(),
});
export type NoiseRow = z.infer<typeof noiseRowSchema>;
