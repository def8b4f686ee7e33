import { z } from 'zod';
import type { Channel } from '../../core/actor.js';
import type { JsonValue } from './canonical-json.js';

export const AUDIT_CHANNELS = [
  'web',
  'api',
  'cli',
  'adapter',
  'system',
] as const satisfies readonly Channel[];

/**
 * What was decided about the action: `proposed` waits for its requester's confirm, `rejected` is an
 * approver's deny, `expired` a confirmation or approval nobody gave in time.
 */
export const AUDIT_DECISIONS = [
  'allowed',
  'denied',
  'proposed',
  'confirmed',
  'approved',
  'rejected',
  'expired',
] as const;
export type AuditDecision = (typeof AUDIT_DECISIONS)[number];

/** What a caller hands to `AuditService.record`; seq, time and hashes are the service's business. */
export interface AuditEntry {
  /** Username of who acted (or `system`). */
  actor: string;
  actorId: string;
  channel: Channel;
  /** `command.run`, `user.created`, `token.revoked`, … */
  action: string;
  decision: AuditDecision;
  roomId?: string | null;
  /** As typed; secrets are redacted and long lines truncated before it is stored. */
  commandLine?: string | null;
  args?: JsonValue | null;
  /** Who confirmed or approved (or denied), when not the actor. */
  decidedBy?: string | null;
  jobId?: string | null;
  /** `succeeded`, `failed`, `timed_out`, … once known. */
  outcome?: string | null;
  detail?: { [key: string]: JsonValue };
}

const entryFields = {
  actor: z.string().min(1).max(200),
  actorId: z.string().min(1).max(200),
  channel: z.enum(AUDIT_CHANNELS),
  action: z.string().min(1).max(100),
  decision: z.enum(AUDIT_DECISIONS),
  roomId: z.string().max(200).nullable(),
  decidedBy: z.string().max(200).nullable(),
  jobId: z.string().max(200).nullable(),
  outcome: z.string().max(200).nullable(),
};
/** The scalar parts of an entry, checked at the service boundary; args and detail go through canonicalJson. */
export const auditEntryScalars = z.object({
  ...entryFields,
  roomId: entryFields.roomId.default(null),
  decidedBy: entryFields.decidedBy.default(null),
  jobId: entryFields.jobId.default(null),
  outcome: entryFields.outcome.default(null),
});

/** A stored record. `args` and `detail` stay canonical JSON text so an export can be re-verified byte for byte. */
export const auditRecordSchema = z.object({
  seq: z.number().int(),
  at: z.string(),
  actor: z.string(),
  actorId: z.string(),
  channel: z.string(),
  roomId: z.string().nullable(),
  action: z.string(),
  commandLine: z.string().nullable(),
  args: z.string().nullable(),
  decision: z.string(),
  decidedBy: z.string().nullable(),
  jobId: z.string().nullable(),
  outcome: z.string().nullable(),
  detail: z.string(),
  prevHash: z.string(),
  hash: z.string(),
});
export type AuditRecord = z.infer<typeof auditRecordSchema>;

export const auditListQuery = z.strictObject({
  limit: z.coerce.number().int().min(1).max(500).default(50),
  /** Only records with a smaller seq: pass the previous page's `nextBefore`. */
  before: z.coerce.number().int().min(1).optional(),
  actor: z.string().trim().toLowerCase().min(1).max(200).optional(),
  action: z.string().trim().min(1).max(100).optional(),
});
export type AuditListQuery = z.input<typeof auditListQuery>;

export const auditPageSchema = z.object({
  records: z.array(auditRecordSchema),
  nextBefore: z.number().int().nullable(),
});
export type AuditPage = z.infer<typeof auditPageSchema>;

export const verifyResultSchema = z.union([
  z.object({ ok: z.literal(true), count: z.number().int(), lastHash: z.string().nullable() }),
  z.object({ ok: z.literal(false), seq: z.number().int(), reason: z.string() }),
]);
export type VerifyResult = z.infer<typeof verifyResultSchema>;
