import { type Kysely, sql } from 'kysely';
import type { DialectName } from '../database.js';

/**
 * PostgreSQL only: the open alerts of an integration by fingerprint, for alerts sent without a start
 * (ingest's open-alert lookup). Without it that lookup read every firing alert of the integration
 * through `alerts_open`. Partial, so resolved history never weighs on it. SQLite answers the same
 * lookup from its in-memory index of known alerts, and a fingerprint-ordered index there would cost a
 * random page write per new alert, so it gets nothing.
 */
export async function up(db: Kysely<unknown>, dialect: DialectName): Promise<void> {
  if (dialect !== 'postgres') return;
  await db.schema
    .createIndex('alerts_firing_fingerprint')
    .on('alerts')
    .columns(['integration_id', 'fingerprint'])
    .where(sql.ref('status'), '=', sql.lit('firing'))
    .execute();
}
