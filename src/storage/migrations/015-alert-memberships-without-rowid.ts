import { type Kysely, sql } from 'kysely';
import type { DialectName } from '../database.js';

/**
 * SQLite: alert_group_alerts (group, alert, noticed) becomes a WITHOUT ROWID table keyed by
 * (group_id, alert_id). As a rowid table every membership was written three times (the table, the
 * primary key's own index and the index on alert_id); keyed by its primary key it is written twice,
 * and a group's members are read from the key itself. Every new alert has one membership, so this is
 * one b-tree insert less per alert on the ingest path. PostgreSQL tables have no rowid: unchanged.
 */
export async function up(db: Kysely<unknown>, dialect: DialectName): Promise<void> {
  if (dialect !== 'sqlite') return;
  await sql`create table alert_group_alerts_keyed (
      group_id integer not null,
      alert_id integer not null,
      noticed integer not null default 0,
      constraint alert_group_alerts_pk primary key (group_id, alert_id)
    ) without rowid`.execute(db);
  await sql`insert into alert_group_alerts_keyed (group_id, alert_id, noticed)
    select group_id, alert_id, noticed from alert_group_alerts`.execute(db);
  await sql`drop table alert_group_alerts`.execute(db);
  await sql`alter table alert_group_alerts_keyed rename to alert_group_alerts`.execute(db);
  await sql`create index alert_group_alerts_alert on alert_group_alerts (alert_id)`.execute(db);
}
