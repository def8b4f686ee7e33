import type { Generated } from 'kysely';

export const DEPLOY_STATUSES = [
  'running',
  'succeeded',
  'failed',
  'cancelled',
  'timed_out',
  'interrupted',
] as const;
export type DeployStatus = (typeof DEPLOY_STATUSES)[number];

/** One deploy (or rollback) of an app to an environment: the history `deploys` and `rollback` read. */
export interface DeploysTable {
  id: Generated<number>;
  app: string;
  environment: string;
  task: string;
  ref: string;
  /** The commit, once the provider knows it (GitHub tells; a shell script may not). */
  sha: string | null;
  hosts: string | null;
  provider: string;
  status: DeployStatus;
  /** The job that ran it: its card and log. */
  jobId: number | null;
  requester: string;
  requesterId: string;
  approvedBy: string | null;
  /** 1 when forced through a freeze with `deploy!`. */
  forced: number;
  /** The deploy this one rolled back from, for rollbacks. */
  rollbackOf: number | null;
  /** The provider's id (a GitHub deployment id). */
  externalId: string | null;
  /** Where to watch it (a log or environment URL). */
  url: string | null;
  /** JSON: the commits since the previous deploy, when the provider can tell. */
  commits: string | null;
  summary: string | null;
  startedAt: string;
  finishedAt: string | null;
}

/** A lock on an environment of an app: who, why, when. Deploys by anyone else are refused. */
export interface DeployLocksTable {
  app: string;
  environment: string;
  reason: string;
  lockedBy: string;
  lockedById: string;
  lockedAt: string;
}

declare module '../../storage/tables.js' {
  interface DB {
    deploys: DeploysTable;
    deployLocks: DeployLocksTable;
  }
}
