import type { Transaction } from 'kysely';
import type { ScheduledTask } from '../../runtime/scheduler.js';
import type { DB } from '../../storage/tables.js';
import type { Integration } from '../integrations/schema.js';
import { firstRead } from './first-reads.js';
import type { IngestDeps } from './ingest.js';
import {
  cardSeesChange,
  type IngestResult,
  storedOf,
  verdictOf,
  type WriteOutcome,
} from './ingest-classify.js';
import { deliveryEvents } from './ingest-events.js';
import { findExisting, groupsOf } from './ingest-lookups.js';
import { type Prepared, withStart } from './ingest-prepare.js';
import {
  applyChanges,
  assignGroups,
  chunks,
  type ExistingAlert,
  type GroupRef,
  insertAlerts,
} from './ingest-sql.js';
import { type AlertLookup, type KnownAlertsOverlay, knownAlert } from './known-alerts.js';
import type { RoutedGroup } from './routed-delivery.js';
import type { GroupSettings } from './routing.js';

export const FLUSH_TASK = 'alerts.flush';
export const flushKey = (groupId: number) => `alert-group:${groupId}`;

/** What one delivery's write uses of the pipeline (AlertIngestion's dependencies). */
export type WriteDeps = Pick<IngestDeps, 'db' | 'clock' | 'scheduler' | 'flap' | 'known' | 'statements'>;

/** A delivery ready to write: routed, with the rooms its routes name found. */
export interface DeliveryToWrite {
  integration: Integration;
  prepared: Prepared[];
  routes: RoutedGroup[][];
  rooms: Map<string, string>;
}

/**
 * One delivery's writes inside its transaction: each alert looked up (the known-alerts index on
 * SQLite, a SELECT on PostgreSQL) and classified, new ones inserted into their groups (opened where
 * needed), resolves and changes applied, alert events stored, a flush task persisted for every group
 * whose card changes. What it changed comes back for the announce after the commit.
 */
export async function writeDelivery(
  deps: WriteDeps,
  trx: Transaction<DB>,
  delivery: DeliveryToWrite,
  overlay: KnownAlertsOverlay,
): Promise<WriteOutcome> {
  const { integration, prepared, routes, rooms } = delivery;
  const nowMs = deps.clock.nowMs();
  const now = new Date(nowMs).toISOString();
  const result: IngestResult = {
    received: prepared.length,
    created: 0,
    resolved: 0,
    updated: 0,
    unchanged: 0,
    groups: [],
  };
  const fast = deps.statements;
  if (deps.known && fast)
    deps.known.recall(integration.id, prepared, overlay, (i, at, fp) => fast.storedAlert(i, at, fp));
  const lookup: AlertLookup = deps.known
    ? deps.known.view(integration.id, overlay)
    : await findExisting(trx, integration.id, prepared);

  // New alerts and their routes side by side; `inserted[i]` is the id of `toInsert[i]` once stored.
  const toInsert: Prepared[] = [];
  const insertRoutes: RoutedGroup[][] = [];
  const toResolve: { id: number; p: Prepared; found: ExistingAlert }[] = [];
  const toUpdate: { id: number; p: Prepared; found: ExistingAlert }[] = [];
  for (let i = 0; i < prepared.length; i++) {
    const p = prepared[i]!;
    const found = storedOf(p, lookup);
    const verdict = verdictOf(p, found);
    if (verdict === 'unchanged') result.unchanged++;
    else if (verdict === 'insert') {
      if (p.status === 'firing') deps.flap.record(p.fingerprint);
      // A copy when the start is ours: a retried delivery must not inherit this attempt's time.
      toInsert.push(p.startsAt === undefined ? withStart(p, now) : p);
      insertRoutes.push(routes[i]!);
    } else if (verdict === 'resolve') {
      deps.flap.record(p.fingerprint);
      toResolve.push({ id: found!.id, p, found: found! });
    } else toUpdate.push({ id: found!.id, p, found: found! });
  }

  const inserted = await insertAlerts(trx, integration.id, toInsert, now, fast);
  const groups = await assignGroups(
    trx,
    deps.flap,
    integration,
    toInsert,
    insertRoutes,
    inserted,
    rooms,
    now,
    fast,
  );
  const touched = new Map<number, GroupRef>(groups.touched);
  if (toResolve.length > 0 || toUpdate.length > 0) {
    await applyChanges(trx, toResolve, toUpdate, now, fast);
    result.resolved = toResolve.length;
    result.updated = toUpdate.length;
    // A flush only where the card can change: not for annotations it does not show.
    const shown = [...toResolve, ...toUpdate.filter((x) => cardSeesChange(x.found, x.p))];
    if (shown.length > 0) {
      for (const g of await groupsOf(
        trx,
        shown.map((x) => x.id),
        fast,
      ))
        touched.set(g.id, g);
    }
  }

  const fired: { id: number; p: Prepared; groupId: number | null }[] = [];
  const arrivedResolved: { id: number; p: Prepared }[] = [];
  const known = deps.known;
  for (let i = 0; i < toInsert.length; i++) {
    const p = toInsert[i]!;
    if (p.status === 'firing') result.created++;
    const id = inserted[i];
    if (id === undefined) continue;
    if (known) {
      overlay.set(
        integration.id,
        knownAlert(id, p.fingerprint, p.startsAt!, p.status, p.annotationsJson, p.generatorUrl),
      );
    }
    if (p.status === 'resolved') arrivedResolved.push({ id, p });
    else fired.push({ id, p, groupId: groups.groupOf.get(id) ?? null });
  }
  if (known) {
    for (const { found: f } of toResolve) {
      overlay.set(
        integration.id,
        knownAlert(f.id, f.fingerprint, f.startsAt, 'resolved', f.annotations, f.generatorUrl),
      );
    }
    for (const { found: f, p } of toUpdate) {
      overlay.set(
        integration.id,
        knownAlert(f.id, f.fingerprint, f.startsAt, f.status, p.annotationsJson, p.generatorUrl),
      );
    }
  }
  const events = deliveryEvents(now, {
    fired,
    arrivedResolved,
    resolved: toResolve,
    updated: toUpdate,
    createdGroups: groups.created,
  });
  if (fast) fast.insertEvents(events);
  else for (const batch of chunks(events)) await trx.insertInto('alertEvents').values(batch).execute();

  const tasks: ScheduledTask[] = [];
  for (const g of touched.values()) {
    const settings = JSON.parse(g.settings) as GroupSettings;
    const waitUntil = Date.parse(g.createdAt) + settings.groupWaitMs;
    const dueMs = g.messageId === null ? Math.max(nowMs, waitUntil) : nowMs;
    tasks.push({ key: flushKey(g.id), kind: FLUSH_TASK, dueMs, payload: { groupId: g.id } });
    result.groups.push(g.id);
  }
  await deps.scheduler.persist(tasks, { mode: 'earliest', executor: trx });
  const firstReads = [...groups.opened.values()].map((g) => firstRead(g.row, g.members));
  return { result, tasks, fired, resolvedAlerts: toResolve, firstReads };
}
