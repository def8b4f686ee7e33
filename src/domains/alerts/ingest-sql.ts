import type { Transaction } from 'kysely';
import { sql } from 'kysely';
import type { DB } from '../../storage/tables.js';
import type { Integration } from '../integrations/schema.js';
import type { FlapDetector } from './flap-detector.js';
import type { Prepared } from './ingest-prepare.js';
import type { RoutedGroup } from './routed-delivery.js';
import type { GroupRow, SqliteAlertStatements } from './sqlite-alert-statements.js';

// The statements of one delivery's transaction: ingest.ts decides what to write, these write it in a
// handful of multi-row statements whatever the delivery's size.

export interface ExistingAlert {
  id: number;
  fingerprint: string;
  startsAt: string;
  status: string;
  annotations: string;
  generatorUrl: string | null;
}

export interface GroupRef {
  id: number;
  createdAt: string;
  messageId: string | null;
  settings: string;
}

const CHUNK = 400;

export function chunks<T>(items: readonly T[], size = CHUNK): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/** Inserts the alerts not stored yet: the id of each of `list`, undefined where a row was there already. */
export async function insertAlerts(
  trx: Transaction<DB>,
  integrationId: string,
  list: Prepared[],
  now: string,
  fast?: SqliteAlertStatements,
): Promise<(number | undefined)[]> {
  if (fast) return fast.insertAlerts(integrationId, list, now);
  const ids = new Map<string, number>();
  for (const batch of chunks(list)) {
    const rows = await trx
      .insertInto('alerts')
      .values(
        batch.map((p) => ({
          integrationId,
          fingerprint: p.fingerprint,
          startsAt: p.startsAt!,
          alertname: p.alertname,
          severity: p.severity,
          labels: p.labelsJson,
          annotations: p.annotationsJson,
          status: p.status,
          endsAt: p.endsAt,
          generatorUrl: p.generatorUrl,
          muted: null,
          createdAt: now,
          updatedAt: now,
          resolvedAt: p.status === 'resolved' ? now : null,
          resolvedBy: null,
        })),
      )
      // Another node stored it first: the stored row wins, this delivery adds nothing for it.
      .onConflict((oc) => oc.columns(['integrationId', 'fingerprint', 'startsAt']).doNothing())
      .returning(['id', 'fingerprint', 'startsAt'])
      .execute();
    for (const r of rows) ids.set(`${r.fingerprint}|${r.startsAt}`, r.id);
  }
  return list.map((p) => ids.get(`${p.fingerprint}|${p.startsAt}`));
}
/** Finds or opens the group of every new alert (one per matching route) and records membership. */
export async function assignGroups(
  trx: Transaction<DB>,
  flap: FlapDetector,
  integration: Integration,
  list: readonly Prepared[],
  routes: readonly (readonly RoutedGroup[])[],
  inserted: readonly (number | undefined)[],
  rooms: Map<string, string>,
  now: string,
  fast?: SqliteAlertStatements,
) {
  const touched = new Map<number, GroupRef>();
  const created: number[] = [];
  const groupOf = new Map<number, number>();
  /** SQLite: the groups opened here whose flush is due at once (group_wait 0), with their alerts (first-reads.ts). */
  const opened = new Map<number, { row: GroupRow; members: { id: number; p: Prepared }[] }>();
  const wanted = new Map<string, { group: RoutedGroup; roomId: string; first: Prepared; firing: boolean }>();
  const memberships: { key: string; alertId: number; p: Prepared }[] = [];
  // The key of the last group and room seen: a delivery's alerts mostly share both.
  let lastGroup: RoutedGroup | undefined;
  let lastRoom: string | undefined;
  let lastKey = '';
  for (let i = 0; i < list.length; i++) {
    const alertId = inserted[i];
    if (alertId === undefined) continue;
    const p = list[i]!;
    for (const group of routes[i]!) {
      const room = group.settings.room;
      const roomId = room === undefined ? integration.roomId : rooms.get(room);
      if (!roomId) continue;
      if (group !== lastGroup || roomId !== lastRoom) {
        lastGroup = group;
        lastRoom = roomId;
        lastKey = `${group.keyPrefix}@${roomId}`;
      }
      const key = lastKey;
      const entry = wanted.get(key);
      if (!entry) wanted.set(key, { group, roomId, first: p, firing: p.status === 'firing' });
      else if (p.status === 'firing') entry.firing = true;
      memberships.push({ key, alertId, p });
    }
  }
  if (wanted.size === 0) return { touched, created, groupOf, opened };
  const byKey = new Map<string, GroupRef>();
  if (fast) for (const r of fast.openGroups([...wanted.keys()])) byKey.set(r.openKey, r);
  else
    for (const batch of chunks([...wanted.keys()])) {
      const rows = await trx
        .selectFrom('alertGroups')
        .select(['id', 'openKey', 'createdAt', 'messageId', 'settings'])
        .where('openKey', 'in', batch)
        .execute();
      for (const r of rows) byKey.set(r.openKey!, r);
    }
  // An alert that arrives already resolved joins its open group, but never opens one.
  const missing = [...wanted.entries()].filter(([key, w]) => w.firing && !byKey.has(key));
  for (const [key, w] of missing) {
    const reopened = flap.isFlapping(w.first.fingerprint) ? await reopenGroup(trx, key, now) : undefined;
    if (reopened) {
      byKey.set(key, reopened);
      continue;
    }
    const values: Omit<GroupRow, 'id'> = {
      groupKey: key,
      openKey: key,
      routeId: w.group.settings.routeId,
      roomId: w.roomId,
      integrationId: integration.id,
      sourceKind: integration.kind,
      status: 'firing',
      severity: w.group.settings.severity ?? w.first.severity,
      alertname: w.group.alertname ?? w.first.alertname,
      labels: w.group.labelsJson,
      settings: JSON.stringify(w.group.settings),
      messageId: null,
      notifiedStatus: null,
      cardHash: null,
      ackedBy: null,
      ackedAt: null,
      mutedUntilResolved: 0,
      flapping: 0,
      createdAt: now,
      updatedAt: now,
      lastNoticeAt: null,
      resolvedAt: null,
    };
    const row = fast
      ? { id: fast.insertGroup(values), createdAt: now, messageId: null, settings: values.settings }
      : await trx
          .insertInto('alertGroups')
          .values(values)
          .returning(['id', 'createdAt', 'messageId', 'settings'])
          .executeTakeFirstOrThrow();
    byKey.set(key, row);
    created.push(row.id);
    if (fast && w.group.settings.groupWaitMs <= 0)
      opened.set(row.id, { row: { ...values, id: row.id }, members: [] });
  }
  const rows: { groupId: number; alertId: number; noticed: number }[] = [];
  for (const m of memberships) {
    const g = byKey.get(m.key);
    if (!g) continue;
    touched.set(g.id, g);
    if (!groupOf.has(m.alertId)) groupOf.set(m.alertId, g.id);
    opened.get(g.id)?.members.push({ id: m.alertId, p: m.p });
    rows.push({ groupId: g.id, alertId: m.alertId, noticed: 0 });
  }
  if (fast) {
    fast.insertMemberships(rows);
    return { touched, created, groupOf, opened };
  }
  for (const batch of chunks(rows)) {
    await trx
      .insertInto('alertGroupAlerts')
      .values(batch)
      .onConflict((oc) => oc.columns(['groupId', 'alertId']).doNothing())
      .execute();
  }
  return { touched, created, groupOf, opened };
}
/** A flapping alert fires again: its last group (and card) comes back instead of a new card. */
export async function reopenGroup(
  trx: Transaction<DB>,
  key: string,
  now: string,
): Promise<GroupRef | undefined> {
  const last = await trx
    .selectFrom('alertGroups')
    .select(['id', 'createdAt', 'messageId', 'settings'])
    .where('groupKey', '=', key)
    .orderBy('id', 'desc')
    .limit(1)
    .executeTakeFirst();
  if (!last || last.messageId === null) return undefined;
  await trx
    .updateTable('alertGroups')
    .set({ openKey: key, status: 'firing', flapping: 1, resolvedAt: null, updatedAt: now })
    .where('id', '=', last.id)
    .execute();
  await trx
    .insertInto('alertEvents')
    .values({
      at: now,
      kind: 'group.reopened',
      groupId: last.id,
      alertId: null,
      fingerprint: null,
      alertname: null,
      actor: null,
      detail: '{"flapping":true}',
    })
    .execute();
  return last;
}
export async function applyChanges(
  trx: Transaction<DB>,
  toResolve: { id: number; p: Prepared }[],
  toUpdate: { id: number; p: Prepared }[],
  now: string,
  fast?: SqliteAlertStatements,
) {
  if (fast) return fast.applyChanges(toResolve, toUpdate, now);
  for (const batch of chunks(toResolve)) {
    const endsAt = sql<string>`case id ${sql.join(
      batch.map((x) => sql`when ${x.id} then ${x.p.endsAt}`),
      sql` `,
    )} end`;
    await trx
      .updateTable('alerts')
      .set({ status: 'resolved', endsAt, resolvedAt: now, updatedAt: now })
      .where(
        'id',
        'in',
        batch.map((x) => x.id),
      )
      .execute();
  }
  // One statement per chunk, not one per alert: a re-sent group with a changed annotation touches
  // every alert in it.
  for (const batch of chunks(toUpdate, 200)) {
    const caseOf = (value: (p: Prepared) => string | null) =>
      sql<string>`case id ${sql.join(
        batch.map((x) => sql`when ${x.id} then ${value(x.p)}`),
        sql` `,
      )} end`;
    await trx
      .updateTable('alerts')
      .set({
        annotations: caseOf((p) => p.annotationsJson),
        generatorUrl: caseOf((p) => p.generatorUrl),
        updatedAt: now,
      })
      .where(
        'id',
        'in',
        batch.map((x) => x.id),
      )
      .execute();
  }
}
