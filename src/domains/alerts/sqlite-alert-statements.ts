import type SqliteDatabase from 'better-sqlite3';
import {
  INSERTED_ALERT_COLUMNS,
  insertRunSql,
  pushRow,
  ROWS_PER_INSERT,
  sharedColumns,
  sharedValues,
} from './alert-insert-runs.js';
import type { AlertRow, TotalsRow } from './group-queries.js';
import type { EventRow } from './ingest-events.js';
import type { Prepared } from './ingest-prepare.js';
import type { ExistingAlert, GroupRef } from './ingest-sql.js';
import type { AlertGroupsTable } from './table.js';

// The hot statements of alert ingest as cached prepared statements on better-sqlite3. Building the
// same multi-row statements with Kysely for every delivery cost about as much CPU as SQLite running
// them (the profile in docs/benchmarks.md); a prepared single-row statement run once per row costs a
// few microseconds and no SQL text at all. They run on the connection Kysely's SQLite driver uses, so
// called inside a Kysely transaction they are part of it (one connection, synchronous calls).
// PostgreSQL keeps the multi-row Kysely statements in ingest-sql.ts (one round trip per chunk).

export type GroupRow = Omit<AlertGroupsTable, 'id'> & { id: number };

/** A flush's reads of an open (or not yet told resolved) group. */
export interface FlushRead {
  group: GroupRow;
  totals: TotalsRow[];
  shown: AlertRow[];
}

export const GROUP_COLUMNS = [
  'id',
  'groupKey',
  'openKey',
  'routeId',
  'roomId',
  'integrationId',
  'sourceKind',
  'status',
  'severity',
  'alertname',
  'labels',
  'settings',
  'messageId',
  'notifiedStatus',
  'cardHash',
  'ackedBy',
  'ackedAt',
  'mutedUntilResolved',
  'flapping',
  'createdAt',
  'updatedAt',
  'lastNoticeAt',
  'resolvedAt',
] as const;

const snake = (name: string) => name.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
const GROUP_SELECT = GROUP_COLUMNS.map((c) => `${snake(c)} as ${c}`).join(', ');

/** A shown alert's columns, in the order the statements select them. */
export type ShownRow = [
  id: number,
  status: string,
  severity: string,
  labels: string,
  annotations: string,
  startsAt: string,
  generatorUrl: string | null,
  muted: string | null,
  noticed: number,
  fingerprint: string,
  alertname: string,
];

export function alertRow(r: ShownRow): AlertRow {
  return {
    id: r[0],
    status: r[1],
    severity: r[2],
    labels: r[3],
    annotations: r[4],
    startsAt: r[5],
    generatorUrl: r[6],
    muted: r[7],
    noticed: r[8],
    fingerprint: r[9],
    alertname: r[10],
  };
}

export class SqliteAlertStatements {
  readonly #insertAlert: SqliteDatabase.Statement;
  /**
   * The same for ROWS_PER_INSERT rows at once (one statement step instead of one per row), by the
   * columns all the rows share (`sharedColumns`, alert-insert-runs.ts), which are bound once.
   */
  readonly #insertAlertRuns = new Map<number, SqliteDatabase.Statement>();
  readonly #insertMembershipRun: SqliteDatabase.Statement;
  readonly #storedAlert: SqliteDatabase.Statement;
  readonly #updateAlert: SqliteDatabase.Statement;
  readonly #resolveAlert: SqliteDatabase.Statement;
  readonly #insertMembership: SqliteDatabase.Statement;
  readonly #insertEvent: SqliteDatabase.Statement;
  readonly #openGroups: SqliteDatabase.Statement;
  readonly #groupsOfAlerts: SqliteDatabase.Statement;
  readonly #group: SqliteDatabase.Statement;
  readonly #groupTotals: SqliteDatabase.Statement;
  readonly #shownFiring: SqliteDatabase.Statement;
  readonly #shownOthers: SqliteDatabase.Statement;
  readonly #markNoticed: SqliteDatabase.Statement;
  readonly #flushRead: SqliteDatabase.Transaction<(groupId: number, shown: number) => FlushRead | undefined>;
  readonly #insertGroup: SqliteDatabase.Statement;
  /** `update alert_groups set …` by the set of columns a flush changes (a handful of shapes). */
  readonly #groupUpdates = new Map<string, SqliteDatabase.Statement>();

  constructor(private readonly sqlite: SqliteDatabase.Database) {
    // The delivery's integration and time are bound once per statement, not once per row: three of
    // thirteen values, about 8% of an insert (bench: 4.3 → 3.9 µs a row).
    this.#insertAlert = sqlite.prepare(
      `insert into alerts (${INSERTED_ALERT_COLUMNS})
       values (@integration, ?, ?, ?, ?, ?, ?, ?, ?, ?, null, @now, @now, ?, null)`,
    );
    // No unique index on SQLite (migration 013): the in-memory KnownAlerts is the identity check, and
    // this finds a row it may have forgotten, through the append-only (integration_id, starts_at) index.
    this.#storedAlert = sqlite.prepare(
      `select id, fingerprint, starts_at as startsAt, status, annotations, generator_url as generatorUrl
       from alerts where integration_id = ? and starts_at = ? and fingerprint = ?`,
    );
    this.#updateAlert = sqlite.prepare(
      'update alerts set annotations = ?, generator_url = ?, updated_at = ? where id = ?',
    );
    this.#resolveAlert = sqlite.prepare(
      `update alerts set status = 'resolved', ends_at = ?, resolved_at = ?, updated_at = ? where id = ?`,
    );
    const insertMemberships = (rows: number) =>
      sqlite.prepare(
        `insert into alert_group_alerts (group_id, alert_id, noticed)
         values ${Array(rows).fill('(?, ?, 0)').join(', ')}
         on conflict (group_id, alert_id) do nothing`,
      );
    this.#insertMembership = insertMemberships(1);
    this.#insertMembershipRun = insertMemberships(ROWS_PER_INSERT);
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
    // A group's flush: the same queries as group-queries.ts, without building them each time.
    this.#group = sqlite.prepare(`select ${GROUP_SELECT} from alert_groups where id = ?`);
    this.#groupTotals = sqlite.prepare(
      `select a.status, a.muted, m.noticed, count(*) as n, min(a.starts_at) as started
       from alert_group_alerts m join alerts a on a.id = m.alert_id
       where m.group_id = ? group by a.status, a.muted, m.noticed`,
    );
    // Firing first, then the others, each by id: two walks of the membership key (group_id,
    // alert_id) that stop at the limit, instead of sorting the whole group for a card's ten.
    // Rows as arrays, made into objects here: better-sqlite3 builds a row object property by property
    // through V8's API, which for these eleven columns cost more than running the query (~40%).
    const shown = (where: string) =>
      sqlite
        .prepare(
          `select a.id, a.status, a.severity, a.labels, a.annotations, a.starts_at, a.generator_url,
             a.muted, m.noticed, a.fingerprint, a.alertname
           from alert_group_alerts m join alerts a on a.id = m.alert_id
           where m.group_id = ? and ${where}
           order by m.alert_id
           limit ?`,
        )
        .raw(true);
    this.#shownFiring = shown(`a.status = 'firing'`);
    this.#shownOthers = shown(`a.status <> 'firing'`);
    const inserted = GROUP_COLUMNS.filter((c) => c !== 'id');
    this.#insertGroup = sqlite.prepare(
      `insert into alert_groups (${inserted.map(snake).join(', ')})
       values (${inserted.map(() => '?').join(', ')})`,
    );
    this.#flushRead = sqlite.transaction((groupId: number, shown: number) => {
      const group = this.group(groupId);
      if (!group || (group.openKey === null && group.notifiedStatus === 'resolved')) return undefined;
      return { group, totals: this.groupTotals(groupId), shown: this.shownAlerts(groupId, shown) };
    });
    this.#markNoticed = sqlite.prepare(
      'update alert_group_alerts set noticed = 1 where group_id = ? and noticed = 0',
    );
  }

  /** Opens a group; its id. */
  insertGroup(row: Omit<GroupRow, 'id'>): number {
    const values = GROUP_COLUMNS.filter((c) => c !== 'id').map((c) => row[c as keyof typeof row]);
    return Number(this.#insertGroup.run(...values).lastInsertRowid);
  }

  group(id: number): GroupRow | undefined {
    return this.#group.get(id) as GroupRow | undefined;
  }

  groupTotals(groupId: number): TotalsRow[] {
    return this.#groupTotals.all(groupId) as TotalsRow[];
  }

  /** The first `limit` alerts of a group: firing ones first, then the others, each by id. */
  shownAlerts(groupId: number, limit: number): AlertRow[] {
    const firing = (this.#shownFiring.all(groupId, limit) as ShownRow[]).map(alertRow);
    if (firing.length >= limit) return firing;
    return firing.concat((this.#shownOthers.all(groupId, limit - firing.length) as ShownRow[]).map(alertRow));
  }

  /**
   * What a flush reads (the group, its counts, the alerts its card lists) in ONE read transaction.
   * The ingest thread commits on its own connection, and SQLite drops a connection's whole page cache
   * at the first read after another connection's commit: as three reads, each could start cold; as one,
   * the card's alerts are the pages the counts just read.
   */
  flushRead(groupId: number, shown: number): FlushRead | undefined {
    return this.#flushRead.deferred(groupId, shown);
  }

  markNoticed(groupId: number): void {
    this.#markNoticed.run(groupId);
  }

  /** Sets the given columns of a group (camelCase names of alert_groups, as Kysely's). */
  updateGroup(id: number, update: Partial<GroupRow>): void {
    const columns = Object.keys(update).filter(
      (k) => (update as Record<string, unknown>)[k] !== undefined,
    ) as (keyof GroupRow)[];
    if (columns.length === 0) return;
    const shape = columns.join(',');
    let statement = this.#groupUpdates.get(shape);
    if (statement === undefined) {
      for (const c of columns) {
        if (!(GROUP_COLUMNS as readonly string[]).includes(c)) throw new Error(`not a group column: ${c}`);
      }
      statement = this.sqlite.prepare(
        `update alert_groups set ${columns.map((c) => `${snake(c)} = ?`).join(', ')} where id = ?`,
      );
      this.#groupUpdates.set(shape, statement);
    }
    statement.run(...columns.map((c) => update[c] ?? null), id);
  }

  /** The stored alert with this identity, if any (for the ones KnownAlerts may have forgotten). */
  storedAlert(integrationId: string, startsAt: string, fingerprint: string): ExistingAlert | undefined {
    return this.#storedAlert.get(integrationId, startsAt, fingerprint) as ExistingAlert | undefined;
  }

  /** Inserts alerts KnownAlerts found new (it is the identity check here): the id of each of `list`. */
  insertAlerts(integrationId: string, list: readonly Prepared[], now: string): (number | undefined)[] {
    const ids: (number | undefined)[] = new Array(list.length);
    let i = 0;
    for (; i + ROWS_PER_INSERT <= list.length; i += ROWS_PER_INSERT) {
      const end = i + ROWS_PER_INSERT;
      const mask = sharedColumns(list, i, end);
      const named: Record<string, unknown> = { integration: integrationId, now };
      sharedValues(list[i]!, now, mask, named);
      // One parameter array per statement, filled in place: no array per alert on this hot path.
      const params: unknown[] = [];
      for (let j = i; j < end; j++) pushRow(params, list[j]!, now, mask);
      // One statement's rows take consecutive rowids (AUTOINCREMENT, nobody else writing meanwhile):
      // the last one's id and its predecessors.
      const last = Number(this.#insertAlertRun(mask).run(named, params).lastInsertRowid);
      for (let j = 0; j < ROWS_PER_INSERT; j++) ids[i + j] = last - ROWS_PER_INSERT + 1 + j;
    }
    for (; i < list.length; i++) {
      const params: unknown[] = [];
      pushRow(params, list[i]!, now, 0);
      ids[i] = Number(this.#insertAlert.run({ integration: integrationId, now }, params).lastInsertRowid);
    }
    return ids;
  }

  #insertAlertRun(mask: number): SqliteDatabase.Statement {
    let statement = this.#insertAlertRuns.get(mask);
    if (statement === undefined) {
      statement = this.sqlite.prepare(insertRunSql(mask));
      this.#insertAlertRuns.set(mask, statement);
    }
    return statement;
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
    let i = 0;
    for (; i + ROWS_PER_INSERT <= rows.length; i += ROWS_PER_INSERT) {
      const params: number[] = [];
      for (let j = i; j < i + ROWS_PER_INSERT; j++) params.push(rows[j]!.groupId, rows[j]!.alertId);
      this.#insertMembershipRun.run(params);
    }
    for (; i < rows.length; i++) this.#insertMembership.run(rows[i]!.groupId, rows[i]!.alertId);
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
