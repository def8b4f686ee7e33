import type { Insertable } from 'kysely';
import type { Prepared } from './ingest-prepare.js';
import type { AlertEventsTable } from './table.js';

export type EventRow = Insertable<AlertEventsTable>;

/** One `alert_events` row; what a kind does not concern is null. */
export function alertEvent(
  at: string,
  kind: string,
  groupId: number | null,
  alertId: number | null,
  fingerprint: string | null,
  alertname: string | null,
  detail = '{}',
): EventRow {
  return { at, kind, groupId, alertId, fingerprint, alertname, actor: null, detail };
}

/** What one delivery stored, as the event rows that record it. */
export interface DeliveryChanges {
  /** New firing alerts, with their ids and groups (null: no group, e.g. silenced from the start). */
  fired: readonly { id: number; p: Prepared; groupId: number | null }[];
  /** New alerts that arrived already resolved. */
  arrivedResolved: readonly { id: number; p: Prepared }[];
  /** Known alerts that resolved with this delivery. */
  resolved: readonly { id: number; p: Prepared }[];
  updated: readonly { id: number; p: Prepared }[];
  createdGroups: readonly number[];
}

/**
 * The timeline rows of one delivery. New firing alerts are one `fired` event per group and alert name,
 * listing the alert ids: the timeline loses nothing (each alert row keeps its own times) and a delivery
 * of a hundred new alerts writes one event row instead of a hundred. Changed annotations (a value in a
 * template) are frequent and minor: one `updated` row per delivery.
 */
export function deliveryEvents(now: string, changes: DeliveryChanges): EventRow[] {
  const events: EventRow[] = [];
  const resolvedEvent = ({ id, p }: { id: number; p: Prepared }) =>
    alertEvent(now, 'resolved', null, id, p.fingerprint, p.alertname);
  for (const x of changes.arrivedResolved) events.push(resolvedEvent(x));
  const firedBatches = new Map<
    string,
    { groupId: number | null; alertname: string; ids: number[]; fp: string }
  >();
  // A delivery's alerts mostly come one group after another: the last batch is tried before the map.
  let last: { groupId: number | null; alertname: string; ids: number[]; fp: string } | undefined;
  for (const { id, p, groupId } of changes.fired) {
    if (last !== undefined && last.groupId === groupId && last.alertname === p.alertname) {
      last.ids.push(id);
      continue;
    }
    const key = `${groupId}|${p.alertname}`;
    last = firedBatches.get(key);
    if (last) last.ids.push(id);
    else {
      last = { groupId, alertname: p.alertname, ids: [id], fp: p.fingerprint };
      firedBatches.set(key, last);
    }
  }
  for (const b of firedBatches.values()) {
    const single = b.ids.length === 1;
    const detail = JSON.stringify({ alertIds: b.ids });
    events.push(
      alertEvent(
        now,
        'fired',
        b.groupId,
        single ? b.ids[0]! : null,
        single ? b.fp : null,
        b.alertname,
        detail,
      ),
    );
  }
  for (const x of changes.resolved) events.push(resolvedEvent(x));
  const updated = changes.updated;
  const only = updated.length === 1 ? updated[0]! : undefined;
  if (only) events.push(alertEvent(now, 'updated', null, only.id, only.p.fingerprint, only.p.alertname));
  else if (updated.length > 1) {
    const detail = JSON.stringify({ alertIds: updated.map((x) => x.id) });
    events.push(alertEvent(now, 'updated', null, null, null, null, detail));
  }
  for (const g of changes.createdGroups) events.push(alertEvent(now, 'group.created', g, null, null, null));
  return events;
}
