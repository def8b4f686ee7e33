import type { Kysely } from 'kysely';
import type { DialectName } from '../database.js';

/**
 * Jobs (every run of a non-instant command) and proposals (risky runs waiting for a confirmation or an
 * approval). Job ids are small integers because people type them: `job 12`, `cancel 12`.
 */
export async function up(db: Kysely<unknown>, dialect: DialectName): Promise<void> {
  await db.schema
    .createTable('jobs')
    .addColumn('id', 'integer', (c) =>
      dialect === 'postgres' ? c.generatedByDefaultAsIdentity().primaryKey() : c.primaryKey().autoIncrement(),
    )
    .addColumn('command', 'text', (c) => c.notNull())
    .addColumn('line', 'text', (c) => c.notNull())
    .addColumn('args', 'text', (c) => c.notNull())
    .addColumn('requester_id', 'text', (c) => c.notNull())
    .addColumn('requester', 'text', (c) => c.notNull())
    .addColumn('channel', 'text', (c) => c.notNull())
    .addColumn('room_id', 'text')
    .addColumn('thread_id', 'text')
    .addColumn('message_id', 'text')
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('exit_code', 'integer')
    .addColumn('summary', 'text')
    .addColumn('output', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('output_bytes', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('locks', 'text', (c) => c.notNull())
    .addColumn('approved_by', 'text')
    .addColumn('cancelled_by', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('started_at', 'text')
    .addColumn('finished_at', 'text')
    .execute();
  await db.schema.createIndex('jobs_status').on('jobs').columns(['status', 'id']).execute();
  await db.schema.createIndex('jobs_requester').on('jobs').columns(['requester_id', 'id']).execute();

  await db.schema
    .createTable('bot_proposals')
    .addColumn('nonce', 'text', (c) => c.primaryKey())
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('command', 'text', (c) => c.notNull())
    .addColumn('line', 'text', (c) => c.notNull())
    .addColumn('permission', 'text', (c) => c.notNull())
    .addColumn('args', 'text', (c) => c.notNull())
    .addColumn('requester_id', 'text', (c) => c.notNull())
    .addColumn('requester', 'text', (c) => c.notNull())
    .addColumn('channel', 'text', (c) => c.notNull())
    .addColumn('room_id', 'text')
    .addColumn('room_name', 'text')
    .addColumn('thread_id', 'text')
    .addColumn('message_id', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('expires_at', 'text', (c) => c.notNull())
    .addColumn('decided_by', 'text')
    .addColumn('decided_at', 'text')
    .addColumn('reason', 'text')
    .addColumn('job_id', 'integer')
    .execute();
  await db.schema
    .createIndex('bot_proposals_status')
    .on('bot_proposals')
    .columns(['status', 'expires_at'])
    .execute();
}
