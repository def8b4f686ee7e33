/**
 * What the bot tells the audit log: every decision about a command line (run, refused, proposed,
 * confirmed, approved), how each proposal ended, and how each job ended. Pure mapping to audit entries;
 * the app hands them to AuditService.enqueue.
 */
import type { AuditEntry } from '../audit/schema.js';
import type { JobView } from '../jobs/schema.js';
import type { BotReply, Run } from './pipeline.js';
import type { Proposal } from './proposals/service.js';
import { runAsAuditFields } from './run-as.js';

type Json = string | number | boolean | null | Json[] | { [key: string]: Json };

/**
 * Parsed arguments as plain JSON (durations and times become numbers and strings), exactly as a
 * JSON.stringify/JSON.parse round trip gives them: a copy, since the record is written later. Flat
 * arguments (strings, numbers, booleans, dates: what the parser makes) are copied directly; anything
 * else takes the round trip.
 */
export function argsJson(run: Run): Json | null {
  if (!run.parsed) return null;
  const args: Record<string, unknown> = run.parsed.args;
  const out: { [key: string]: Json } = {};
  for (const key in args) {
    if (!Object.hasOwn(args, key)) continue;
    // `out.__proto__ = …` would not make a key; the round trip does.
    if (key === '__proto__') return JSON.parse(JSON.stringify(args)) as Json;
    const value = args[key];
    switch (typeof value) {
      case 'string':
      case 'boolean':
        out[key] = value;
        continue;
      case 'number':
        // -0 becomes 0, NaN and ±Infinity null, as in JSON text.
        out[key] = Number.isFinite(value) ? value + 0 : null;
        continue;
      case 'undefined':
        continue;
    }
    // An invalid date's toJSON is null, as JSON.stringify writes it.
    if (
      value instanceof Date &&
      Object.getPrototypeOf(value) === Date.prototype &&
      !Object.hasOwn(value, 'toJSON')
    )
      out[key] = value.toJSON();
    else return JSON.parse(JSON.stringify(args)) as Json;
  }
  return out;
}

export function commandAuditEntry(run: Run, reply: BotReply): AuditEntry {
  // One object literal, no spreads: V8 builds `{ ...a, x, y }` several microseconds slower, and this
  // runs for every command.
  const { actor } = run;
  const entry: AuditEntry = {
    actor: actor.username,
    actorId: actor.userId,
    channel: actor.channel,
    action: 'command.run',
    decision: reply.decision ?? (reply.outcome === 'denied' ? 'denied' : 'allowed'),
    decidedBy: reply.decidedBy ?? null,
    roomId: run.where.roomId ?? null,
    commandLine: run.line,
    args: argsJson(run),
    jobId: reply.jobId === undefined ? null : String(reply.jobId),
    outcome: reply.jobId === undefined ? reply.outcome : 'started',
  };
  const { detail } = runAsAuditFields(actor);
  if (detail !== undefined) entry.detail = detail;
  return entry;
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
