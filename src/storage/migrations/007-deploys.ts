import type { Kysely } from 'kysely';
import type { DialectName } from '../database.js';

/** Deploy history (per app and environment) and environment locks. */
export async function up(db: Kysely<unknown>, dialect: DialectName): Promise<void> {
  await db.schema
    .createTable('deploys')
    .addColumn('id', 'integer', (c) =>
      dialect === 'postgres' ? c.generatedByDefaultAsIdentity().primaryKey() : c.primaryKey().autoIncrement(),
    )
    .addColumn('app', 'text', (c) => c.notNull())
    .addColumn('environment', 'text', (c) => c.notNull())
    .addColumn('task', 'text', (c) => c.notNull())
    .addColumn('ref', 'text', (c) => c.notNull())
    .addColumn('sha', 'text')
    .addColumn('hosts', 'text')
    .addColumn('provider', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('job_id', 'integer')
    .addColumn('requester', 'text', (c) => c.notNull())
    .addColumn('requester_id', 'text', (c) => c.notNull())
    .addColumn('approved_by', 'text')
    .addColumn('forced', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('rollback_of', 'integer')
    .addColumn('external_id', 'text')
    .addColumn('url', 'text')
    .addColumn('commits', 'text')
    .addColumn('summary', 'text')
    .addColumn('started_at', 'text', (c) => c.notNull())
    .addColumn('finished_at', 'text')
    .execute();
  await db.schema
    .createIndex('deploys_app_env')
    .on('deploys')
    .columns(['app', 'environment', 'id'])
    .execute();
  await db.schema.createIndex('deploys_started').on('deploys').columns(['started_at']).execute();
  await db.schema.createIndex('deploys_external').on('deploys').columns(['external_id']).execute();

  await db.schema
    .createTable('deploy_locks')
    .addColumn('app', 'text', (c) => c.notNull())
    .addColumn('environment', 'text', (c) => c.notNull())
    .addColumn('reason', 'text', (c) => c.notNull())
    .addColumn('locked_by', 'text', (c) => c.notNull())
    .addColumn('locked_by_id', 'text', (c) => c.notNull())
    .addColumn('locked_at', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('deploy_locks_pk', ['app', 'environment'])
    .execute();
}
