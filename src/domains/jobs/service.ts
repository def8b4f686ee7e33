import { type Actor, isAdmin } from '../../core/actor.js';
import { NotFoundError, PermissionDeniedError } from '../../core/errors.js';
import { parseOrThrow } from '../../core/validation.js';
import type { Policy } from '../policy/policy.js';
import type { JobRunner } from './runner.js';
import { type JobListQuery, type JobView, type JobWithOutput, jobListQuery } from './schema.js';
import { type JobStore, jobView } from './store.js';

export const JOBS_READ = 'jobs:read';
export const JOBS_CANCEL = 'jobs:cancel';

/**
 * Who may see and stop which jobs: everyone their own; people with `jobs:read` / `jobs:cancel`
 * (operators, admins) everyone's. The chat commands, the API and the card's Cancel button all ask here.
 */
export class JobService {
  constructor(
    private readonly store: JobStore,
    readonly runner: JobRunner,
    private readonly policy: Policy,
  ) {}

  async list(actor: Actor, query: Partial<JobListQuery> = {}): Promise<JobView[]> {
    const q = parseOrThrow(jobListQuery, query);
    const all = this.may(actor, JOBS_READ);
    const rows = await this.store.list({ ...q, ...(all ? {} : { requesterId: actor.userId }) });
    return rows.map(jobView);
  }

  async get(actor: Actor, id: number): Promise<JobWithOutput> {
    const job = await this.runner.get(id);
    if (!job || (job.requesterId !== actor.userId && !this.may(actor, JOBS_READ))) {
      throw new NotFoundError('Job', String(id));
    }
    return job;
  }

  async cancel(actor: Actor, id: number): Promise<JobWithOutput> {
    const job = await this.get(actor, id);
    if (job.requesterId !== actor.userId && !this.may(actor, JOBS_CANCEL)) {
      throw new PermissionDeniedError(
        `Job #${id} belongs to @${job.requester}; cancelling it needs the \`${JOBS_CANCEL}\` permission.`,
      );
    }
    return this.runner.cancel(id, actor);
  }

  /** Whether the actor may see everyone's jobs (for listings that say so). */
  seesAll(actor: Actor): boolean {
    return this.may(actor, JOBS_READ);
  }

  private may(actor: Actor, permission: string): boolean {
    return isAdmin(actor) || this.policy.allows(actor, { permission });
  }
}
