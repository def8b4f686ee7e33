import type { Kysely } from 'kysely';
import type { DialectName } from '../database.js';

/**
 * SQLite: the unique identity index (integration_id, starts_at, fingerprint) becomes a plain index on
 * (integration_id, starts_at). Alerts started by one rule evaluation share a start time, and within
 * a start time fingerprints arrive in random order: each new alert then wrote a random page of the
 * unique index (an alert storm of 100 alerts dirtied ~100 index pages per commit, and the commit
 * cost grew with the storm). Rows with equal keys are ordered by rowid, so the plain index only ever
 * appends. On SQLite one process owns the file and its in-memory index of known alerts
 * (known-alerts.ts) is the identity check; the rows it may have forgotten (older start times) are
 * looked up through this index. PostgreSQL, where several nodes write, keeps the unique index.
 */
export async function up(db: Kysely<unknown>, dialect: DialectName): Promise<void> {
  if (dialect !== 'sqlite') return;
  await db.schema.dropIndex('alerts_identity').execute();
  await db.schema.createIndex('alerts_start').on('alerts').columns(['integration_id', 'starts_at']).execute();
}
