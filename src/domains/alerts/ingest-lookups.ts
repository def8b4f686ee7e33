import type { Kysely, Transaction } from 'kysely';
import { sql } from 'kysely';
import type { DB } from '../../storage/tables.js';
import type { Prepared } from './ingest-prepare.js';
import { chunks, type ExistingAlert, type GroupRef } from './ingest-sql.js';
import type { SqliteAlertStatements } from './sqlite-alert-statements.js';

// How a delivery finds what is stored (PostgreSQL; on SQLite the in-memory KnownAlerts and the
// prepared statements answer): the alerts it speaks of and the open groups of changed alerts.

/** Keys per lookup statement: each is one index probe, and the statement's text is the same for any count. */
const LOOKUP_CHUNK = 1000;

type Db = Kysely<DB> | Transaction<DB>;
const EXISTING = [
  'a.id',
  'a.fingerprint',
  'a.startsAt',
  'a.status',
  'a.annotations',
  'a.generatorUrl',
] as const;

// Both lookups below (PostgreSQL) take their keys as arrays, unnested, and probe the index once per key
// in a LATERAL subquery: it runs per key by construction, so the plan never depends on statistics.
// The previous shapes were left to the planner and went wrong without statistics (autovacuum off, a
// table filled faster than it is analysed): an OR of per-pair conditions became one scan of
// `integration_id, starts_at` filtering every stored alert with that start (one rule evaluation gives
// all its alerts the same start), a plain join with the keys a hash join over all the integration's
// alerts, and `fingerprint = any(...)` a scan of all the integration's firing alerts.

/** The stored alerts with these exact (startsAt, fingerprint) keys: one `alerts_identity` probe each. */
export function exactLookupQuery(
  db: Db,
  integrationId: string,
  pairs: readonly { startsAt: string; fingerprint: string }[],
) {
  const keys = sql<{ startsAt: string; fingerprint: string }>`unnest(${sql.val(
    pairs.map((x) => x.startsAt),
  )}::text[], ${sql.val(pairs.map((x) => x.fingerprint))}::text[])`.as<'k'>(sql`k(starts_at, fingerprint)`);
  return db
    .selectFrom(keys)
    .innerJoinLateral(
      (eb) =>
        eb
          .selectFrom('alerts as a')
          .select(EXISTING)
          .where('a.integrationId', '=', integrationId)
          .whereRef('a.startsAt', '=', 'k.startsAt')
          .whereRef('a.fingerprint', '=', 'k.fingerprint')
          // The key is unique; the limit also keeps the subquery from being flattened into a join.
          .limit(1)
          .as('a'),
      (join) => join.onTrue(),
    )
    .selectAll('a');
}

/**
 * The firing alerts with these fingerprints (alerts sent without a start): one probe each of the
 * partial index `alerts_firing_fingerprint` (migration 012). The status is a literal so the planner
 * always matches the index's predicate.
 */
export function openLookupQuery(db: Db, integrationId: string, fingerprints: readonly string[]) {
  const keys = sql<{ fingerprint: string }>`unnest(${sql.val(fingerprints)}::text[])`.as<'k'>(
    sql`k(fingerprint)`,
  );
  return db
    .selectFrom(keys)
    .innerJoinLateral(
      (eb) =>
        eb
          .selectFrom('alerts as a')
          .select(EXISTING)
          .where('a.integrationId', '=', integrationId)
          .where('a.status', '=', sql.lit('firing'))
          .whereRef('a.fingerprint', '=', 'k.fingerprint')
          // Keeps the subquery from being flattened into a join the planner may run as a scan.
          .offset(0)
          .as('a'),
      (join) => join.onTrue(),
    )
    .selectAll('a');
}

/**
 * The stored alerts a delivery speaks of (PostgreSQL; SQLite answers from KnownAlerts): exact
 * (startsAt, fingerprint) pairs, plus, for alerts sent without a start or whose start is not stored,
 * the open alerts with those fingerprints. Each key is an index probe, so a lookup costs the delivery's size, not the table's.
 */
export async function findExisting(trx: Transaction<DB>, integrationId: string, prepared: Prepared[]) {
  const exact = new Map<string, ExistingAlert>();
  const open = new Map<string, ExistingAlert>();
  const pairs = new Map<string, { startsAt: string; fingerprint: string }>();
  const openFps = new Set<string>();
  for (const p of prepared) {
    if (p.startsAt === undefined) openFps.add(p.fingerprint);
    else pairs.set(`${p.fingerprint}|${p.startsAt}`, { startsAt: p.startsAt, fingerprint: p.fingerprint });
  }
  const keep = (rows: ExistingAlert[]) => {
    for (const r of rows) {
      exact.set(`${r.fingerprint}|${r.startsAt}`, r);
      if (r.status === 'firing') open.set(r.fingerprint, r);
    }
  };
  for (const batch of chunks([...pairs.values()], LOOKUP_CHUNK))
    keep(await exactLookupQuery(trx, integrationId, batch).execute());
  // A start not stored may be the other start of an open alert (storedOf): its fingerprint's open one.
  for (const [key, pair] of pairs) {
    if (!exact.has(key) && !open.has(pair.fingerprint)) openFps.add(pair.fingerprint);
  }
  for (const batch of chunks([...openFps], LOOKUP_CHUNK))
    keep(await openLookupQuery(trx, integrationId, batch).execute());
  return {
    exact: (fingerprint: string, startsAt: string) => exact.get(`${fingerprint}|${startsAt}`),
    open: (fingerprint: string) => open.get(fingerprint),
  };
}

/**
 * The open groups of these alerts (PostgreSQL): each alert's memberships by `alert_group_alerts_alert`,
 * then each distinct group by its primary key, both as per-key LATERAL probes. A join left to the
 * planner read every membership row without statistics (a sequential scan of the table for 100 ids).
 */
export function groupsOfQuery(db: Db, alertIds: readonly number[]) {
  const keys = sql<{ alertId: number }>`unnest(${sql.val(alertIds)}::integer[])`.as<'k'>(sql`k(alert_id)`);
  const groupIds = db
    .selectFrom(keys)
    .innerJoinLateral(
      (eb) =>
        eb
          .selectFrom('alertGroupAlerts as m')
          .select('m.groupId')
          .whereRef('m.alertId', '=', 'k.alertId')
          .offset(0)
          .as('m'),
      (join) => join.onTrue(),
    )
    .select('m.groupId')
    .distinct()
    .as('ids');
  return db
    .selectFrom(groupIds)
    .innerJoinLateral(
      (eb) =>
        eb
          .selectFrom('alertGroups as g')
          .select(['g.id', 'g.createdAt', 'g.messageId', 'g.settings'])
          .whereRef('g.id', '=', 'ids.groupId')
          .where('g.openKey', 'is not', null)
          .offset(0)
          .as('g'),
      (join) => join.onTrue(),
    )
    .selectAll('g');
}

export async function groupsOf(
  trx: Transaction<DB>,
  alertIds: number[],
  fast?: SqliteAlertStatements,
): Promise<GroupRef[]> {
  if (fast) return fast.groupsOf(alertIds);
  const out = new Map<number, GroupRef>();
  for (const batch of chunks(alertIds, LOOKUP_CHUNK))
    for (const g of await groupsOfQuery(trx, batch).execute()) out.set(g.id, g);
  return [...out.values()];
}
