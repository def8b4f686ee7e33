import type { Kysely } from 'kysely';
import type { DB } from '../../storage/tables.js';
import { firstAlertIdSince } from './alerts-since.js';
import type { NoiseRow } from './schema.js';

const AUTO_RESOLVE_MS = 5 * 60_000;
const MAX_ROWS = 50_000;

interface GroupFacts {
  ackMs: number | null;
  followUps: number;
  flapping: boolean;
  manual: boolean;
}

function median(values: number[]): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/**
 * The noise report per alert name since a moment: how often it fired, the median time to ack, the
 * share that resolved by itself within 5 minutes, groups acked with no follow-up (nobody wrote in the
 * card's thread), flapping groups, and the share of groups someone acted on (acked, resolved by hand or
 * discussed). Most noisy first. An alert nobody acts on should be fixed, moved to a quieter room, or
 * deleted.
 */
export async function noiseReport(
  db: Kysely<DB>,
  options: { since: string; botUserId: string },
): Promise<NoiseRow[]> {
  const since = await firstAlertIdSince(db, options.since);
  if (since === undefined) return [];
  const rows = await db
    .selectFrom('alerts as a')
    .leftJoin('alertGroupAlerts as m', 'm.alertId', 'a.id')
    .leftJoin('alertGroups as g', 'g.id', 'm.groupId')
    .select([
      'a.id',
      'a.alertname',
      'a.startsAt',
      'a.endsAt',
      'a.resolvedBy',
      'g.id as groupId',
      'g.createdAt as groupCreatedAt',
      'g.ackedAt',
      'g.flapping',
      'g.messageId',
    ])
    .where('a.id', '>=', since)
    .limit(MAX_ROWS)
    .execute();
  const threads = [...new Set(rows.flatMap((r) => (r.messageId ? [r.messageId] : [])))];
  const followUps = new Map<string, number>();
  for (let i = 0; i < threads.length; i += 500) {
    const counts = await db
      .selectFrom('messages')
      .select(['threadId', db.fn.countAll<number>().as('n')])
      .where('threadId', 'in', threads.slice(i, i + 500))
      .where('userId', '!=', options.botUserId)
      .groupBy('threadId')
      .execute();
    for (const c of counts) if (c.threadId) followUps.set(c.threadId, Number(c.n));
  }
  const byName = new Map<string, { alerts: Set<number>; auto: number; groups: Map<number, GroupFacts> }>();
  for (const r of rows) {
    let entry = byName.get(r.alertname);
    if (!entry) {
      entry = { alerts: new Set(), auto: 0, groups: new Map() };
      byName.set(r.alertname, entry);
    }
    if (!entry.alerts.has(r.id)) {
      entry.alerts.add(r.id);
      const lasted = r.endsAt ? Date.parse(r.endsAt) - Date.parse(r.startsAt) : Number.POSITIVE_INFINITY;
      if (lasted <= AUTO_RESOLVE_MS && r.resolvedBy === null && r.ackedAt == null) entry.auto++;
    }
    if (r.groupId != null && !entry.groups.has(r.groupId)) {
      entry.groups.set(r.groupId, {
        ackMs: r.ackedAt && r.groupCreatedAt ? Date.parse(r.ackedAt) - Date.parse(r.groupCreatedAt) : null,
        followUps: r.messageId ? (followUps.get(r.messageId) ?? 0) : 0,
        flapping: r.flapping === 1,
        manual: false,
      });
    }
    if (r.groupId != null && r.resolvedBy !== null) entry.groups.get(r.groupId)!.manual = true;
  }
  const report: NoiseRow[] = [];
  for (const [alertname, e] of byName) {
    const groups = [...e.groups.values()];
    const acked = groups.filter((g) => g.ackMs !== null);
    const actionable = groups.filter((g) => g.ackMs !== null || g.followUps > 0 || g.manual).length;
    report.push({
      alertname,
      fired: e.alerts.size,
      medianAckMs: median(acked.map((g) => g.ackMs!)),
      autoResolvedShare: e.alerts.size === 0 ? 0 : e.auto / e.alerts.size,
      ackedNoFollowUp: acked.filter((g) => g.followUps === 0 && !g.manual).length,
      flapping: groups.filter((g) => g.flapping).length,
      actionableShare: groups.length === 0 ? 0 : actionable / groups.length,
    });
  }
  return report.sort((a, b) => b.fired - a.fired || a.alertname.localeCompare(b.alertname));
}
