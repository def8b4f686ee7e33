/**
 * What the bot tells the audit log: every decision about a command line (run, refused, proposed,
 * confirmed, approved), how each proposal ended, and how each job ended. Pure mapping to audit entries;
 * the app hands them to AuditService.enqueue.
 */
import type { AuditEntry } from '../audit/schema.js';
import { auditActor } from '../audit/service.js';
import type { JobView } from '../jobs/schema.js';
import type { BotReply, Run } from './pipeline.js';
import type { Proposal } from './proposals/service.js';
import { runAsAuditFields } from './run-as.js';

type Json = string | number | boolean | null | Json[] | { [key: string]: Json };

/** Parsed arguments as plain JSON (durations and times become numbers and strings). */
function argsJson(run: Run): Json | null {
  if (!run.parsed) return null;
  return JSON.parse(JSON.stringify(run.parsed.args)) as Json;
}

export function commandAuditEntry(run: Run, reply: BotReply): AuditEntry {
  return {
    ...auditActor(run.actor),
    action: 'command.run',
    decision: reply.decision ?? (reply.outcome === 'denied' ? 'denied' : 'allowed'),
    decidedBy: reply.decidedBy ?? null,
    roomId: run.where.roomId ?? null,
    commandLine: run.line,
    args: argsJson(run),
    jobId: reply.jobId === undefined ? null : String(reply.jobId),
    outcome: reply.jobId === undefined ? reply.outcome : 'started',
    ...runAsAuditFields(run.actor),
  };
}

const PROPOSAL_DECISION = {
  confirmed: 'confirmed',
  approved: 'approved',
  denied: 'rejected',
  cancelled: 'rejected',
  expired: 'expired',
  pending: 'proposed',
} as const;

export function proposalAuditEntry(p: Proposal): AuditEntry {
  return {
    actor: p.decidedBy ?? 'system',
    actorId: p.decidedBy ?? 'system',
    channel: p.decidedBy ? 'web' : 'system',
    action: `proposal.${p.status}`,
    decision: PROPOSAL_DECISION[p.status],
    decidedBy: p.decidedBy,
    roomId: p.roomId,
    commandLine: p.line,
    outcome: p.status,
    detail: {
      nonce: p.nonce,
      requester: p.requester,
      permission: p.permission,
      ...(p.reason ? { reason: p.reason } : {}),
    },
  };
}

export function jobAuditEntry(job: JobView): AuditEntry {
  return {
    actor: job.requester,
    actorId: job.requesterId,
    channel: job.channel as AuditEntry['channel'],
    action: 'job.finished',
    decision: 'allowed',
    decidedBy: job.approvedBy,
    roomId: job.roomId,
    commandLine: job.line,
    jobId: String(job.id),
    outcome: job.status,
    detail: {
      exitCode: job.exitCode,
      durationMs: job.durationMs,
      ...(job.cancelledBy ? { cancelledBy: job.cancelledBy } : {}),
    },
  };
}
