import type { Insertable, Kysely, Selectable, Updateable } from 'kysely';
import type { DB } from '../../storage/tables.js';
import type { DeployCommit, DeployLockView, DeployView } from './schema.js';
import type { DeployLocksTable, DeploysTable } from './table.js';
import './table.js';

export type DeployRow = Selectable<DeploysTable>;
export type LockRow = Selectable<DeployLocksTable>;

export function deployView(row: DeployRow): DeployView {
  const finished = row.finishedAt === null ? null : Date.parse(row.finishedAt) - Date.parse(row.startedAt);
  return {
    id: row.id,
    app: row.app,
    environment: row.environment,
    task: row.task,
    ref: row.ref,
    sha: row.sha,
    hosts: row.hosts,
    provider: row.provider,
    status: row.status,
    jobId: row.jobId,
    requester: row.requester,
    approvedBy: row.approvedBy,
    forced: row.forced === 1,
    rollbackOf: row.rollbackOf,
    externalId: row.externalId,
    url: row.url,
    commits: row.commits === null ? [] : (JSON.parse(row.commits) as DeployCommit[]),
    summary: row.summary,
    startedAt: row.startedAt,
    finishedAt: row.finishedAt,
    durationMs: finished,
  };
}

export function lockView(row: LockRow): DeployLockView {
  return {
    app: row.app,
    environment: row.environment,
    reason: row.reason,
    lockedBy: row.lockedBy,
    lockedAt: row.lockedAt,
  };
}

/** Queries only; DeployService holds the rules. */
export class DeployStore {
  constructor(private readonly db: Kysely<DB>) {}

  async insert(row: Insertable<DeploysTable>): Promise<DeployRow> {
    return await this.db.insertInto('deploys').values(row).returningAll().executeTakeFirstOrThrow();
  }

  async update(id: number, changes: Updateable<DeploysTable>): Promise<DeployRow | undefined> {
    return await this.db
      .updateTable('deploys')
      .set(changes)
      .where('id', '=', id)
      .returningAll()
      .executeTakeFirst();
  }

  async get(id: number): Promise<DeployRow | undefined> {
    return await this.db.selectFrom('deploys').selectAll().where('id', '=', id).executeTakeFirst();
  }

  async byExternalId(externalId: string): Promise<DeployRow | undefined> {
    return await this.db
      .selectFrom('deploys')
      .selectAll()
      .where('externalId', '=', externalId)
      .orderBy('id', 'desc')
      .executeTakeFirst();
  }

  /** Newest first. */
  async history(
    filter: {
      app?: string;
      environment?: string;
      status?: DeployRow['status'];
      task?: string;
      beforeId?: number;
    },
    limit: number,
  ) {
    let query = this.db.selectFrom('deploys').selectAll();
    if (filter.app !== undefined) query = query.where('app', '=', filter.app);
    if (filter.environment !== undefined) query = query.where('environment', '=', filter.environment);
    if (filter.status !== undefined) query = query.where('status', '=', filter.status);
    if (filter.task !== undefined) query = query.where('task', '=', filter.task);
    if (filter.beforeId !== undefined) query = query.where('id', '<', filter.beforeId);
    return await query.orderBy('id', 'desc').limit(limit).execute();
  }

  async since(startedAfter: string, app: string | undefined, limit: number): Promise<DeployRow[]> {
    let query = this.db.selectFrom('deploys').selectAll().where('startedAt', '>=', startedAfter);
    if (app !== undefined) query = query.where('app', '=', app);
    return await query.orderBy('id', 'desc').limit(limit).execute();
  }

  /** Deploys a stopped server left running. */
  async running(): Promise<DeployRow[]> {
    return await this.db.selectFrom('deploys').selectAll().where('status', '=', 'running').execute();
  }

  async lock(app: string, environment: string): Promise<LockRow | undefined> {
    return await this.db
      .selectFrom('deployLocks')
      .selectAll()
      .where('app', '=', app)
      .where('environment', '=', environment)
      .executeTakeFirst();
  }

  async locks(): Promise<LockRow[]> {
    return await this.db
      .selectFrom('deployLocks')
      .selectAll()
      .orderBy('app')
      .orderBy('environment')
      .execute();
  }

  /** True when this call took the lock (an existing one is left alone). */
  async insertLock(row: LockRow): Promise<boolean> {
    const result = await this.db
      .insertInto('deployLocks')
      .values(row)
      .onConflict((oc) => oc.columns(['app', 'environment']).doNothing())
      .executeTakeFirst();
    return Number(result.numInsertedOrUpdatedRows ?? 0) > 0;
  }

  async deleteLock(app: string, environment: string): Promise<LockRow | undefined> {
    return await this.db
      .deleteFrom('deployLocks')
      .where('app', '=', app)
      .where('environment', '=', environment)
      .returningAll()
      .executeTakeFirst();
  }
}
