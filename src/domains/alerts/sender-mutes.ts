import type { Kysely } from 'kysely';
import type { DB } from '../../storage/tables.js';
import type { SenderAnswer } from './alertmanager-api.js';
import { isSenderMute, SENDER_INHIBITED, SENDER_SILENCED } from './card.js';

/**
 * What the answering Alertmanagers say of each alert they hold: muted (`alertmanager:silenced` or
 * `alertmanager:inhibited`) when every one that holds it suppresses it, else null (active there).
 * Alerts none of them holds are left out (endedAtSender decides those).
 */
export function mutedAtSender(
  fingerprints: Iterable<string>,
  answers: readonly SenderAnswer[],
): Map<string, string | null> {
  const out = new Map<string, string | null>();
  for (const fingerprint of fingerprints) {
    let held = false;
    let active = false;
    let silenced = false;
    for (const answer of answers) {
      const alert = answer.ok ? answer.alerts.get(fingerprint) : undefined;
      if (alert === undefined) continue;
      held = true;
      if (alert.state !== 'suppressed') active = true;
      else if (alert.silenced) silenced = true;
    }
    if (held) out.set(fingerprint, active ? null : silenced ? SENDER_SILENCED : SENDER_INHIBITED);
  }
  return out;
}

/**
 * Sets each firing alert's sender mark as `mutes` says (never over Opsroom's own silence or
 * inhibition, which the flush keeps), with an event per change; the groups to flush, and whether any
 * alert of these rows stays marked.
 */
export async function applySenderMutes(
  db: Kysely<DB>,
  rows: readonly {
    id: number;
    fingerprint: string;
    muted: string | null;
    groupId: number;
    alertname: string;
  }[],
  ended: ReadonlySet<string>,
  mutes: ReadonlyMap<string, string | null>,
  change: { nowIso: string; by: string },
): Promise<{ groupIds: number[]; stillMuted: boolean }> {
  const { nowIso, by } = change;
  const changes = new Map<number, { muted: string | null; row: (typeof rows)[number] }>();
  const groupIds = new Set<number>();
  let stillMuted = false;
  for (const row of rows) {
    if (ended.has(row.fingerprint) || (row.muted !== null && !isSenderMute(row.muted))) continue;
    const want = mutes.get(row.fingerprint);
    if (want === undefined) {
      if (isSenderMute(row.muted)) stillMuted = true;
      continue;
    }
    if (want !== null) stillMuted = true;
    if (want === row.muted) continue;
    if (!changes.has(row.id)) changes.set(row.id, { muted: want, row });
  }
  // Every group of a changed alert (a route with `continue` puts it in several).
  for (const row of rows) if (changes.has(row.id)) groupIds.add(row.groupId);
  if (changes.size === 0) return { groupIds: [], stillMuted };
  await db.transaction().execute(async (trx) => {
    for (const [id, { muted, row }] of changes) {
      await trx
        .updateTable('alerts')
        .set({ muted })
        .where('id', '=', id)
        .where('status', '=', 'firing')
        .execute();
      await trx
        .insertInto('alertEvents')
        .values({
          at: nowIso,
          kind: muted === null ? 'unmuted' : muted === SENDER_SILENCED ? 'silenced' : 'inhibited',
          groupId: row.groupId,
          alertId: id,
          fingerprint: row.fingerprint,
          alertname: row.alertname,
          actor: by,
          detail: JSON.stringify({ muted }),
        })
        .execute();
    }
  });
  return { groupIds: [...groupIds], stillMuted };
}
