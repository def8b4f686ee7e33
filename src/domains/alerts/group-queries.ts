import type { Insertable, Kysely } from 'kysely';
import { sql } from 'kysely';
import type { DB } from '../../storage/tables.js';
import { type CardAlert, type CardGroup, clip, isSenderMute, SENDER_SILENCED, SHOWN_ALERTS } from './card.js';
import type { Inhibitor } from './inhibition.js';
import type { Silences } from './silences.js';
import type { GroupRow } from './sqlite-alert-statements.js';
import type { AlertEventsTable, GroupStatus } from './table.js';

// What a group's flush reads: bounded queries, so a group of thousands of alerts costs what a small
// one does (counts in one grouped query, the ten alerts a card lists, the few new ones to announce).

export interface AlertRow {
  id: number;
  status: string;
  severity: string;
  labels: string;
  annotations: string;
  startsAt: string;
  generatorUrl: string | null;
  muted: string | null;
  noticed: number;
  fingerprint: string;
  alertname: string;
}

/** Re-matches the group's firing alerts against silences and inhibit rules; stores changes. */
export async function evaluateMutes(
  db: Kysely<DB>,
  check: { silences: Silences; inhibitor: Inhibitor },
  group: { id: number },
  nowIso: string,
  events: Insertable<AlertEventsTable>[],
): Promise<void> {
  // The status is checked here, not in SQL: a group is read through its memberships and each alert's
  // primary key, as groupTotals reads it. `a.status = 'firing'` in the query offered PostgreSQL, without
  // statistics, a scan of every firing alert (the partial index alerts_firing_fingerprint) hash-joined
  // to the group.
  const members = await db
    .selectFrom('alertGroupAlerts as m')
    .innerJoin('alerts as a', 'a.id', 'm.alertId')
    .select(['a.id', 'a.status', 'a.labels', 'a.muted', 'a.fingerprint', 'a.alertname'])
    .where('m.groupId', '=', group.id)
    .execute();
  for (const a of members) {
    if (a.status !== 'firing') continue;
    const labels = JSON.parse(a.labels) as Record<string, string>;
    const silence = check.silences.silencedBy(labels);
    // Opsroom's own silences and rules first; else what the sending Alertmanager said (reconcile.ts).
    const muted =
      silence !== undefined
        ? `silence:${silence}`
        : check.inhibitor.inhibited(a.id, labels)
          ? 'inhibited'
          : isSenderMute(a.muted)
            ? a.muted
            : null;
    if (muted === a.muted) continue;
    await db.updateTable('alerts').set({ muted }).where('id', '=', a.id).execute();
    events.push({
      at: nowIso,
      kind: muted === null ? 'unmuted' : muted === 'inhibited' ? 'inhibited' : 'silenced',
      groupId: group.id,
      alertId: a.id,
      fingerprint: a.fingerprint,
      alertname: a.alertname,
      actor: null,
      detail: JSON.stringify({ muted }),
    });
  }
}
/** One row of a group's counts: alerts by status, mute and whether the room was told. */
export interface TotalsRow {
  status: string;
  muted: string | null;
  noticed: number;
  n: number | string | bigint;
  started: string;
}

/** Counts over the whole group in one grouped query, whatever its size. */
export async function groupTotals(db: Kysely<DB>, groupId: number) {
  const rows = await db
    .selectFrom('alertGroupAlerts as m')
    .innerJoin('alerts as a', 'a.id', 'm.alertId')
    .select((eb) => [
      'a.status',
      'a.muted',
      'm.noticed',
      eb.fn.countAll<number>().as('n'),
      eb.fn.min('a.startsAt').as('started'),
    ])
    .where('m.groupId', '=', groupId)
    .groupBy(['a.status', 'a.muted', 'm.noticed'])
    .execute();
  return totalsOf(rows);
}

export type GroupTotals = ReturnType<typeof totalsOf>;

export function totalsOf(rows: readonly TotalsRow[]) {
  const totals = {
    firing: 0,
    resolved: 0,
    active: 0,
    fresh: 0,
    started: undefined as string | undefined,
    silencedBy: undefined as number | undefined,
    /** Some firing alert is silenced in the Alertmanager that sent it. */
    silencedAtSender: false,
  };
  for (const r of rows) {
    const n = Number(r.n);
    if (totals.started === undefined || r.started < totals.started) totals.started = r.started;
    if (r.status !== 'firing') {
      totals.resolved += n;
      continue;
    }
    totals.firing += n;
    if (r.muted === null) {
      totals.active += n;
      if (r.noticed === 0) totals.fresh += n;
    } else if (r.muted.startsWith('silence:')) {
      totals.silencedBy ??= Number(r.muted.slice('silence:'.length));
    } else if (r.muted === SENDER_SILENCED) {
      totals.silencedAtSender = true;
    }
  }
  return totals;
}
/** The few alerts a card lists: firing first, then the oldest. */
export function shownAlerts(db: Kysely<DB>, groupId: number): Promise<AlertRow[]> {
  return db
    .selectFrom('alertGroupAlerts as m')
    .innerJoin('alerts as a', 'a.id', 'm.alertId')
    .select([
      'a.id',
      'a.status',
      'a.severity',
      'a.labels',
      'a.annotations',
      'a.startsAt',
      'a.generatorUrl',
      'a.muted',
      'm.noticed',
      'a.fingerprint',
      'a.alertname',
    ])
    .where('m.groupId', '=', groupId)
    .orderBy(sql`case when a.status = 'firing' then 0 else 1 end`)
    .orderBy('a.id')
    .limit(SHOWN_ALERTS + 1)
    .execute();
}
/** Firing alerts the room has not been told about yet (for the "more firing" line). */
export function freshAlerts(db: Kysely<DB>, groupId: number): Promise<{ labels: string }[]> {
  return db
    .selectFrom('alertGroupAlerts as m')
    .innerJoin('alerts as a', 'a.id', 'm.alertId')
    .select(['a.labels'])
    .where('m.groupId', '=', groupId)
    .where('m.noticed', '=', 0)
    .where('a.status', '=', 'firing')
    .where('a.muted', 'is', null)
    .orderBy('a.id')
    .limit(5)
    .execute();
}
/** A group as its card shows it, in `status` (a resolved group's end: when it was, else `nowIso`). */
export function cardGroupOf(
  group: GroupRow,
  status: GroupStatus,
  silencedBy: number | undefined,
  nowIso: string,
): CardGroup {
  return {
    id: group.id,
    status,
    severity: group.severity,
    alertname: group.alertname,
    labels: JSON.parse(group.labels) as Record<string, string>,
    sourceKind: group.sourceKind,
    groupKey: group.groupKey,
    createdAt: group.createdAt,
    resolvedAt: status === 'resolved' ? (group.resolvedAt ?? nowIso) : null,
    ackedBy: group.ackedBy,
    mutedUntilResolved: group.mutedUntilResolved === 1,
    flapping: group.flapping === 1,
    silencedBy,
  };
}
export function toCardAlert(a: AlertRow): CardAlert {
  return {
    id: a.id,
    status: a.status === 'resolved' ? 'resolved' : 'firing',
    severity: a.severity,
    labels: JSON.parse(a.labels) as Record<string, string>,
    annotations: JSON.parse(a.annotations) as Record<string, string>,
    startsAt: a.startsAt,
    generatorUrl: a.generatorUrl,
    muted: a.muted,
  };
}

export function shortLabels(labelsJson: string, groupLabelsJson: string): string {
  const labels = JSON.parse(labelsJson) as Record<string, string>;
  const group = JSON.parse(groupLabelsJson) as Record<string, string>;
  const text = Object.entries(labels)
    .filter(([k]) => !(k in group))
    .map(([k, v]) => `${k}=${v}`)
    .join(' ');
  return clip(text, 80, true);
}
