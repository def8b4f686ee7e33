import type { Card } from '../chat/schema.js';
import type { JobView } from './schema.js';
import type { JobStatus } from './table.js';

const LOOK: Record<JobStatus, { icon: string; color: Card['color']; label: string }> = {
  queued: { icon: '⏳', color: 'neutral', label: 'queued' },
  running: { icon: '▶️', color: 'info', label: 'running' },
  succeeded: { icon: '✅', color: 'good', label: 'succeeded' },
  failed: { icon: '❌', color: 'danger', label: 'failed' },
  cancelled: { icon: '⏹️', color: 'warning', label: 'cancelled' },
  timed_out: { icon: '⌛', color: 'danger', label: 'timed out' },
  interrupted: { icon: '⚠️', color: 'warning', label: 'interrupted (the server restarted)' },
};

export const CANCEL_ACTION = 'job.cancel';

/** Seconds, minutes or hours, whichever reads best: `4.2s`, `3m 05s`, `1h 02m`. */
export function formatDuration(ms: number): string {
  if (ms < 10_000) return `${(ms / 1000).toFixed(1)}s`;
  const s = Math.round(ms / 1000);
  if (s < 3600) return `${Math.floor(s / 60)}m ${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(s / 3600)}h ${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
}

/** How long the job has run (or ran), as of `nowMs`. */
export function elapsedMs(job: JobView, nowMs: number): number | undefined {
  if (job.durationMs !== null) return job.durationMs;
  return job.startedAt ? nowMs - Date.parse(job.startedAt) : undefined;
}

/**
 * The one message that shows a job, from queued to its end: status, who, duration, exit code and the
 * last lines of output; a Cancel button while it can still be cancelled.
 */
export function jobCard(
  job: JobView,
  outputTail: string,
  nowMs: number,
  details: NonNullable<Card['fields']> = [],
): Card {
  const look = LOOK[job.status];
  const fields: NonNullable<Card['fields']> = [
    { title: 'Status', value: look.label, short: true },
    { title: 'Requested by', value: `@${job.requester}`, short: true },
  ];
  const elapsed = elapsedMs(job, nowMs);
  if (elapsed !== undefined) fields.push({ title: 'Duration', value: formatDuration(elapsed), short: true });
  if (job.exitCode !== null) fields.push({ title: 'Exit code', value: String(job.exitCode), short: true });
  if (job.approvedBy) fields.push({ title: 'Approved by', value: `@${job.approvedBy}`, short: true });
  if (job.cancelledBy) fields.push({ title: 'Cancelled by', value: `@${job.cancelledBy}`, short: true });
  if (job.locks.length > 0) fields.push({ title: 'Locks', value: job.locks.join(', '), short: true });
  // The command's own fields (a deploy's ref, SHA, links) come after the job's.
  fields.push(...details);
  const card: Card = {
    title: `${look.icon} Job #${job.id}: ${truncate(job.line, 150)}`,
    color: look.color,
    fields,
    footer: `job ${job.id} shows the full log${job.status === 'running' || job.status === 'queued' ? ` · cancel ${job.id} stops it` : ''}`,
  };
  if (job.summary) card.text = truncate(job.summary, 3900);
  if (outputTail !== '') card.code = { content: outputTail };
  if (job.status === 'queued' || job.status === 'running') {
    card.buttons = [{ actionId: CANCEL_ACTION, label: 'Cancel', style: 'danger', value: String(job.id) }];
  }
  return card;
}

function truncate(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}
