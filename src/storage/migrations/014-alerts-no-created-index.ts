import type { Kysely } from 'kysely';
import type { DialectName } from '../database.js';

/**
 * Drops the index on `alerts.created_at`. Every new alert wrote an entry to it, which cost SQLite's
 * ingest thread about a tenth of its time per alert, for two readers that ask "created since when"
 * now and then (the noise report, and the known alerts loaded at start). Alert ids grow in the order
 * alerts are stored, so those readers find the first id of the period by a binary search over the
 * primary key (alerts-since.ts) and read `id >= it`.
 */
export async function up(db: Kysely<unknown>, _dialect: DialectName): Promise<void> {
  await db.schema.dropIndex('alerts_created').execute();
}
