import type SqliteDatabase from 'better-sqlite3';
import type { Insertable } from 'kysely';
import type { Prepared } from './ingest-prepare.js';
import type { GroupRef } from './ingest-sql.js';
import type { AlertEventsTable } from './table.js';

// The hot statements of alert ingest as cached prepared statements on better-sqlite3. Building the
// same multi-row statements with Kysely for every delivery cost about as much CPU as SQLite running
// them (the profile in docs/benchmarks.md); a prepared single-row statement run once per row costs a
// few microseconds and no SQL text at all. They run on the connection Kysely's SQLite driver uses, so
// called inside a Kysely transaction they are part of it (one connection, synchronous calls).
// PostgreSQL keeps the multi-row Kysely statements in ingest-sql.ts (one round trip per chunk).

type EventRow = Insertable<AlertEventsTable>;

export class SqliteAlertStatements {
  readonly #insertAlert: SqliteDatabase.Statement;
  readonly #updateAlert: SqliteDatabase.Statement;
  readonly #resolveAlert: SqliteDatabase.Statement;
  readonly #insertMembership: SqliteDatabase.Statement;
  readonly #insertEvent: SqliteDatabase.Statement;
  readonly #openGroups: SqliteDatabase.Statement;
  readonly #groupsOfAlerts: SqliteDatabase.Statement;

  constructor(sqlite: SqliteDatabase.Database) {
    this.#insertAlert = sqlite.prepare(
      `insert into alerts (integration_id, fingerprint, starts_at, alertname, severity, labels,
         annotations, status, ends_at, generator_url, muted, created_at, updated_at, resolved_at, resolved_by)
       values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, null, ?, ?, ?, null)
       on conflict (integration_id, fingerprint, starts_at) do nothing`,
    );
    this.#updateAlert = sqlite.prepare(
      'update alerts set annotations = ?, generator_url = ?, updated_at = ? where id = ?',
    );
    this.#resolveAlert = sqlite.prepare(
      `update alerts set status = 'resolved', ends_at = ?, resolved_at = ?, updated_at = ? where id = ?`,
    );
    this.#insertMembership = sqlite.prepare(
      `insert into alert_group_alerts (group_id, alert_id, noticed) values (?, ?, 0)
       on conflict (group_id, alert_id) do nothing`,
    );
    this.#insertEvent = sqlite.prepare(
      `insert into alert_events (at, kind, group_id, alert_id, fingerprint, alertname, actor, detail)
       values (?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    // One statement whatever the number of keys: the list travels as one JSON parameter.
    this.#openGroups = sqlite.prepare(
      `select id, open_key as openKey, created_at as createdAt, message_id as messageId, settings
       from alert_groups where open_key in (select value from json_each(?))`,
    );
    this.#groupsOfAlerts = sqlite.prepare(
      `select distinct g.id, g.created_at as createdAt, g.message_id as messageId, g.settings
       from alert_group_alerts m join alert_groups g on g.id = m.group_id
       where m.alert_id in (select value from json_each(?)) and g.open_key is not null`,
    );
  }

  /** Inserts the alerts not stored yet; the ids of those inserted by `fingerprint|startsAt`. */
  insertAlerts(integrationId: string, list: readonly Prepared[], now: string): Map<string, number> {
    const ids = new Map<string, number>();
    for (const p of list) {
      const info = this.#insertAlert.run(
        integrationId,
        p.fingerprint,
        p.startsAt,
        p.alertname,
        p.severity,
        p.labelsJson,
        p.annotationsJson,
        p.status,
        p.endsAt,
        p.generatorUrl,
        now,
        now,
        p.status === 'resolved' ? now : null,
      );
      // Another node stored it first: the stored row wins, this delivery adds nothing for it.
      if (info.changes === 1) ids.set(`${p.fingerprint}|${p.startsAt}`, Number(info.lastInsertRowid));
    }
    return ids;
  }

  applyChanges(
    toResolve: readonly { id: number; p: Prepared }[],
    toUpdate: readonly { id: number; p: Prepared }[],
    now: string,
  ): void {
    for (const x of toResolve) this.#resolveAlert.run(x.p.endsAt, now, now, x.id);
    for (const x of toUpdate) this.#updateAlert.run(x.p.annotationsJson, x.p.generatorUrl, now, x.id);
  }

  insertMemberships(rows: readonly { groupId: number; alertId: number }[]): void {
    for (const r of rows) this.#insertMembership.run(r.groupId, r.alertId);
  }

  insertEvents(rows: readonly EventRow[]): void {
    for (const e of rows) {
      this.#insertEvent.run(
        e.at,
        e.kind,
        e.groupId ?? null,
        e.alertId ?? null,
        e.fingerprint ?? null,
        e.alertname ?? null,
        e.actor ?? null,
        e.detail ?? '{}',
      );
    }
  }

  openGroups(keys: readonly string[]): (GroupRef & { openKey: string })[] {
    return this.#openGroups.all(JSON.stringify(keys)) as (GroupRef & { openKey: string })[];
  }

  groupsOf(alertIds: readonly number[]): GroupRef[] {
    return this.#groupsOfAlerts.all(JSON.stringify(alertIds)) as GroupRef[];
  }
}
