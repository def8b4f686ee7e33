import type { Kysely } from 'kysely';
import type { DialectName } from '../database.js';

/**
 * The process groups a job's programs lead while they run (a row per program, removed when it is
 * over), with what identifies the leader beyond its pid: its start time in clock ticks since boot and
 * the boot id. A server that was killed finds them here at its next start and stops those still
 * running as the same processes, never a pid that now belongs to something else.
 */
export async function up(db: Kysely<unknown>, dialect: DialectName): Promise<void> {
  await db.schema
    .createTable('job_processes')
    .addColumn('job_id', 'integer', (c) => c.notNull().references('jobs.id').onDelete('cascade'))
    .addColumn('pid', 'integer', (c) => c.notNull())
    .addColumn('pgid', 'integer', (c) => c.notNull())
    .addColumn('start_ticks', dialect === 'sqlite' ? 'integer' : 'bigint')
    .addColumn('boot_id', 'text')
    .addColumn('started_at', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('job_processes_pk', ['job_id', 'pid'])
    .execute();
}
