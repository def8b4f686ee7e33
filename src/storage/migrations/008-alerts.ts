import type { ColumnDefinitionBuilder, Kysely } from 'kysely';
import type { DialectName } from '../database.js';

/**
 * Integrations (ways in for alerts: tokens stored hashed, GitHub secrets as named secrets), alerts,
 * their groups (one card each), every alert event, silences, GitHub delivery ids (replays) and the
 * persisted timers of the Scheduler port. Alert and group ids are small integers because people type
 * them: `ack 12`.
 */
export async function up(db: Kysely<unknown>, dialect: DialectName): Promise<void> {
  const identity = (c: ColumnDefinitionBuilder) =>
    dialect === 'postgres' ? c.generatedByDefaultAsIdentity().primaryKey() : c.primaryKey().autoIncrement();

  await db.schema
    .createTable('integrations')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('room_id', 'text')
    .addColumn('token_hash', 'text', (c) => c.unique())
    .addColumn('secret_name', 'text')
    .addColumn('settings', 'text', (c) => c.notNull().defaultTo('{}'))
    .addColumn('created_by', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('revoked_at', 'text')
    .addColumn('last_used_at', 'text')
    .execute();
  await db.schema
    .createIndex('integrations_kind_name')
    .on('integrations')
    .columns(['kind', 'name'])
    .execute();

  await db.schema
    .createTable('alerts')
    .addColumn('id', 'integer', identity)
    .addColumn('integration_id', 'text', (c) => c.notNull())
    .addColumn('fingerprint', 'text', (c) => c.notNull())
    .addColumn('starts_at', 'text', (c) => c.notNull())
    .addColumn('alertname', 'text', (c) => c.notNull())
    .addColumn('severity', 'text', (c) => c.notNull())
    .addColumn('labels', 'text', (c) => c.notNull())
    .addColumn('annotations', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('ends_at', 'text')
    .addColumn('generator_url', 'text')
    .addColumn('muted', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .addColumn('resolved_at', 'text')
    .addColumn('resolved_by', 'text')
    .execute();
  // The identity key starts with starts_at: senders' start times grow with the clock, so new keys land
  // at the end of the index instead of on a random page each. Every other index on this hot table is
  // append-only too (status segments by id, created_at), because a random-order index costs a page
  // write per new alert.
  await db.schema
    .createIndex('alerts_identity')
    .on('alerts')
    .columns(['integration_id', 'starts_at', 'fingerprint'])
    .unique()
    .execute();
  await db.schema
    .createIndex('alerts_open')
    .on('alerts')
    .columns(['integration_id', 'status', 'id'])
    .execute();
  await db.schema.createIndex('alerts_created').on('alerts').columns(['created_at']).execute();

  await db.schema
    .createTable('alert_groups')
    .addColumn('id', 'integer', identity)
    .addColumn('group_key', 'text', (c) => c.notNull())
    // The group key while the group is open, NULL once resolved: a unique index on it keeps one open
    // group per key even when two deliveries race (NULLs never collide on either database).
    .addColumn('open_key', 'text', (c) => c.unique())
    .addColumn('route_id', 'text', (c) => c.notNull())
    .addColumn('room_id', 'text', (c) => c.notNull())
    .addColumn('integration_id', 'text', (c) => c.notNull())
    .addColumn('source_kind', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('severity', 'text', (c) => c.notNull())
    .addColumn('alertname', 'text', (c) => c.notNull())
    .addColumn('labels', 'text', (c) => c.notNull())
    .addColumn('settings', 'text', (c) => c.notNull())
    .addColumn('message_id', 'text')
    .addColumn('notified_status', 'text')
    .addColumn('card_hash', 'text')
    .addColumn('acked_by', 'text')
    .addColumn('acked_at', 'text')
    .addColumn('muted_until_resolved', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('flapping', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .addColumn('last_notice_at', 'text')
    .addColumn('resolved_at', 'text')
    .execute();
  await db.schema.createIndex('alert_groups_key').on('alert_groups').columns(['group_key', 'id']).execute();
  await db.schema.createIndex('alert_groups_status').on('alert_groups').columns(['status', 'id']).execute();
  await db.schema.createIndex('alert_groups_message').on('alert_groups').columns(['message_id']).execute();

  await db.schema
    .createTable('alert_group_alerts')
    .addColumn('group_id', 'integer', (c) => c.notNull())
    .addColumn('alert_id', 'integer', (c) => c.notNull())
    .addColumn('noticed', 'integer', (c) => c.notNull().defaultTo(0))
    .addPrimaryKeyConstraint('alert_group_alerts_pk', ['group_id', 'alert_id'])
    .execute();
  await db.schema
    .createIndex('alert_group_alerts_alert')
    .on('alert_group_alerts')
    .columns(['alert_id'])
    .execute();

  await db.schema
    .createTable('alert_events')
    .addColumn('id', 'integer', identity)
    .addColumn('at', 'text', (c) => c.notNull())
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('group_id', 'integer')
    .addColumn('alert_id', 'integer')
    .addColumn('fingerprint', 'text')
    .addColumn('alertname', 'text')
    .addColumn('actor', 'text')
    .addColumn('detail', 'text', (c) => c.notNull().defaultTo('{}'))
    .execute();
  await db.schema.createIndex('alert_events_group').on('alert_events').columns(['group_id', 'id']).execute();

  await db.schema
    .createTable('alert_silences')
    .addColumn('id', 'integer', identity)
    .addColumn('matchers', 'text', (c) => c.notNull())
    .addColumn('starts_at', 'text', (c) => c.notNull())
    .addColumn('ends_at', 'text', (c) => c.notNull())
    .addColumn('reason', 'text', (c) => c.notNull())
    .addColumn('created_by', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('removed_by', 'text')
    .addColumn('removed_at', 'text')
    .execute();
  await db.schema.createIndex('alert_silences_ends').on('alert_silences').columns(['ends_at']).execute();

  await db.schema
    .createTable('github_deliveries')
    .addColumn('delivery_id', 'text', (c) => c.primaryKey())
    .addColumn('integration_id', 'text', (c) => c.notNull())
    .addColumn('received_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex('github_deliveries_received')
    .on('github_deliveries')
    .columns(['received_at'])
    .execute();

  await db.schema
    .createTable('scheduled_tasks')
    .addColumn('key', 'text', (c) => c.primaryKey())
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('due_at', 'text', (c) => c.notNull())
    .addColumn('payload', 'text', (c) => c.notNull().defaultTo('{}'))
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('scheduled_tasks_due').on('scheduled_tasks').columns(['due_at']).execute();
}
