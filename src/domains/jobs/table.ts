import type { Generated } from 'kysely';

export const JOB_STATUSES = [
  'queued',
  'running',
  'succeeded',
  'failed',
  'cancelled',
  'timed_out',
  'interrupted',
] as const;
export type JobStatus = (typeof JOB_STATUSES)[number];
export const ACTIVE_STATUSES: readonly JobStatus[] = ['queued', 'running'];

export interface JobsTable {
  id: Generated<number>;
  command: string;
  line: string;
  /** Canonical JSON of the parsed arguments (secrets redacted). */
  args: string;
  requesterId: string;
  requester: string;
  channel: string;
  roomId: string | null;
  threadId: string | null;
  /** The one live card that shows this job, when it runs in a room. */
  messageId: string | null;
  status: JobStatus;
  exitCode: number | null;
  summary: string | null;
  /** The job log (redacted), capped; `outputBytes` counts everything the job printed. */
  output: string;
  outputBytes: number;
  locks: string;
  approvedBy: string | null;
  cancelledBy: string | null;
  createdAt: string;
  startedAt: string | null;
  finishedAt: string | null;
}

/** A program a running job started, leading its own process group (see runtime/process-identity.ts). */
export interface JobProcessesTable {
  jobId: number;
  pid: number;
  pgid: number;
  /** Start time of the leader in clock ticks since boot; null where it cannot be read (no /proc). */
  startTicks: number | null;
  bootId: string | null;
  startedAt: string;
}

declare module '../../storage/tables.js' {
  interface DB {
    jobs: JobsTable;
    jobProcesses: JobProcessesTable;
  }
}
