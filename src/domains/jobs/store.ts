import type { Kysely, Selectable, Updateable } from 'kysely';
import type { ProcessIdentity } from '../../runtime/process-identity.js';
import type { DB } from '../../storage/tables.js';
import type { JobListQuery, JobView, JobWithOutput } from './schema.js';
import { ACTIVE_STATUSES, type JobsTable } from './table.js';
import './table.js';

export type JobRow = Selectable<JobsTable>;
export type NewJob = Omit<JobRow, 'id'>;

/** Queries for jobs; the rules live in the runner. */
export class JobStore {
  constructor(private readonly db: Kysely<DB>) {}

  async insert(job: NewJob): Promise<JobRow> {
    const { id } = await this.db.insertInto('jobs').values(job).returning('id').executeTakeFirstOrThrow();
    return { ...job, id: Number(id) };
  }

  async update(id: number, changes: Updateable<JobsTable>): Promise<void> {
    await this.db.updateTable('jobs').set(changes).where('id', '=', id).execute();
  }

  async get(id: number): Promise<JobRow | undefined> {
    const row = await this.db.selectFrom('jobs').selectAll().where('id', '=', id).executeTakeFirst();
    return row ? normalise(row) : undefined;
  }

  async list(query: JobListQuery & { requesterId?: string }): Promise<JobRow[]> {
    let q = this.db.selectFrom('jobs').selectAll().orderBy('id', 'desc').limit(query.limit);
    if (query.status) q = q.where('status', '=', query.status);
    if (query.requester) q = q.where('requester', '=', query.requester);
    if (query.requesterId) q = q.where('requesterId', '=', query.requesterId);
    if (query.before) q = q.where('id', '<', query.before);
    return (await q.execute()).map(normalise);
  }

  /** Jobs that were queued or running when the process stopped: they can never finish now. */
  async active(): Promise<JobRow[]> {
    const rows = await this.db
      .selectFrom('jobs')
      .selectAll()
      .where('status', 'in', [...ACTIVE_STATUSES])
      .orderBy('id')
      .execute();
    return rows.map(normalise);
  }

  /** A program the job started (its process group), until it is over. */
  async addProcess(jobId: number, process: ProcessIdentity, startedAt: string): Promise<void> {
    const { pid, pgid, startTicks, bootId } = process;
    await this.db
      .insertInto('jobProcesses')
      .values({ jobId, pid, pgid, startTicks, bootId, startedAt })
      .execute();
  }

  async removeProcess(jobId: number, pid: number): Promise<void> {
    await this.db.deleteFrom('jobProcesses').where('jobId', '=', jobId).where('pid', '=', pid).execute();
  }

  /** The process groups recorded for a job, oldest first. */
  async processesOf(jobId: number): Promise<ProcessIdentity[]> {
    const rows = await this.db
      .selectFrom('jobProcesses')
      .select(['pid', 'pgid', 'startTicks', 'bootId'])
      .where('jobId', '=', jobId)
      .orderBy('startedAt')
      .orderBy('pid')
      .execute();
    // PostgreSQL returns bigint as a string.
    return rows.map((r) => ({ ...r, startTicks: r.startTicks === null ? null : Number(r.startTicks) }));
  }

  async clearProcesses(jobId: number): Promise<void> {
    await this.db.deleteFrom('jobProcesses').where('jobId', '=', jobId).execute();
  }
}

/** PostgreSQL returns identity and integer columns as numbers, SQLite too; bigint-safe anyway. */
function normalise(row: JobRow): JobRow {
  return { ...row, id: Number(row.id), outputBytes: Number(row.outputBytes) };
}

export function jobView(row: JobRow): JobView {
  const started = row.startedAt ? Date.parse(row.startedAt) : undefined;
  const finished = row.finishedAt ? Date.parse(row.finishedAt) : undefined;
  return {
    id: row.id,
    command: row.command,
    line: row.line,
    args: JSON.parse(row.args) as Record<string, unknown>,
    requester: row.requester,
    requesterId: row.requesterId,
    channel: row.channel,
    roomId: row.roomId,
    threadId: row.threadId,
    messageId: row.messageId,
    status: row.status,
    exitCode: row.exitCode,
    summary: row.summary,
    locks: JSON.parse(row.locks) as string[],
    approvedBy: row.approvedBy,
    cancelledBy: row.cancelledBy,
    createdAt: row.createdAt,
    startedAt: row.startedAt,
    finishedAt: row.finishedAt,
    durationMs: started !== undefined && finished !== undefined ? finished - started : null,
    outputBytes: row.outputBytes,
  };
}

export function jobWithOutput(row: JobRow): JobWithOutput {
  return {
    ...jobView(row),
    output: row.output,
    outputTruncated: row.outputBytes > Buffer.byteLength(row.output),
  };
}
