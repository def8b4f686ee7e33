import type { Kysely } from 'kysely';
import type { DB } from '../../storage/tables.js';

/**
 * The first alert id created at or after `sinceIso`: alerts created since a moment are `id >= it`.
 * There is no index on `alerts.created_at` (migration 014: on SQLite it cost the ingest thread about a
 * tenth of its time per new alert). Alert ids grow in the order alerts are stored, as their creation
 * times do, so a binary search over ids finds the boundary in about log2(rows) primary-key probes.
 * Callers that split the table in two (known-alerts.ts) use the same id on both sides, so a clock that
 * stepped back can move a row to the other side but never loses it. Undefined when no alert is that
 * recent.
 */
export async function firstAlertIdSince(db: Kysely<DB>, sinceIso: string): Promise<number | undefined> {
  const bounds = await db
    .selectFrom('alerts')
    .select((eb) => [eb.fn.min('id').as('low'), eb.fn.max('id').as('high')])
    .executeTakeFirst();
  if (bounds?.low == null || bounds.high == null) return undefined;
  // The first row at or after an id (ids have gaps), with its creation time.
  const at = (id: number) =>
    db
      .selectFrom('alerts')
      .select(['id', 'createdAt'])
      .where('id', '>=', id)
      .orderBy('id')
      .limit(1)
      .executeTakeFirst();
  // The smallest x whose row at or after it is recent enough; that row is the boundary. Rows at or
  // after x only get newer as x grows, so a binary search over [min id, max id] finds it.
  let low = Number(bounds.low);
  let high = Number(bounds.high);
  const last = await at(high);
  if (last === undefined || last.createdAt < sinceIso) return undefined;
  let boundary = Number(last.id);
  while (low < high) {
    const mid = low + Math.floor((high - low) / 2);
    const row = await at(mid);
    if (row === undefined || row.createdAt >= sinceIso) {
      high = mid;
      if (row !== undefined) boundary = Number(row.id);
    } else low = Number(row.id) + 1;
  }
  return boundary;
}
