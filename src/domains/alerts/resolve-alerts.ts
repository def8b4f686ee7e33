import type { Insertable, Kysely } from 'kysely';
import type { DB } from '../../storage/tables.js';
import type { AlertEventsTable } from './table.js';

/** A stored firing alert, as the index of known alerts names it (integration, fingerprint, start). */
export interface FiringAlertRef {
  id: number;
  integrationId: string;
  fingerprint: string;
  startsAt: string;
}

/**
 * Ends stored alerts that no sender will resolve: by hand (the Resolve button) or because their
 * Alertmanager no longer holds them (reconcile.ts). One transaction with the events it records; an
 * alert resolved meanwhile stays as it is. The caller then tells the index of known alerts
 * (`markResolved`) and asks the notifier to flush the groups, which updates their cards.
 */
export async function resolveStoredAlerts(
  db: Kysely<DB>,
  alerts: readonly FiringAlertRef[],
  change: { nowIso: string; by: string; events: Insertable<AlertEventsTable>[] },
): Promise<void> {
  const { nowIso, by, events } = change;
  const ids = alerts.map((a) => a.id);
  await db.transaction().execute(async (trx) => {
    // Chunks keep the statement under SQLite's parameter limit for a large group.
    for (let i = 0; i < ids.length; i += 500) {
      await trx
        .updateTable('alerts')
        .set({ status: 'resolved', endsAt: nowIso, resolvedAt: nowIso, resolvedBy: by, updatedAt: nowIso })
        .where('id', 'in', ids.slice(i, i + 500))
        .where('status', '=', 'firing')
        .execute();
    }
    if (events.length > 0) await trx.insertInto('alertEvents').values(events).execute();
  });
}
