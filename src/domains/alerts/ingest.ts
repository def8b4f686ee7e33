import type { Insertable, Kysely, Transaction } from 'kysely';
import { sql } from 'kysely';
import type { Clock } from '../../core/clock.js';
import { ValidationError } from '../../core/errors.js';
import type { EventBus } from '../../runtime/event-bus.js';
import type { ScheduledTask, Scheduler } from '../../runtime/scheduler.js';
import type { DB } from '../../storage/tables.js';
import type { Integration } from '../integrations/schema.js';
import './events.js';
import { fingerprint } from './fingerprint.js';
import type { FlapDetector } from './flap-detector.js';
import type { Inhibitor } from './inhibition.js';
import { type AlertRouter, type GroupSettings, groupKeyOf, groupLabelsOf } from './routing.js';
import type { IncomingAlert } from './schema.js';
import type { AlertEventsTable } from './table.js';

type EventRow = Insertable<AlertEventsTable>;

export const FLUSH_TASK = 'alerts.flush';
export const flushKey = (groupId: number) => `alert-group:${groupId}`;

export interface IngestLimits {
  maxAlerts: number;
  maxLabels: number;
}

export interface IngestResult {
  received: number;
  created: number;
  resolved: number;
  updated: number;
  unchanged: number;
  /** Groups whose card this delivery changes (new ones wait for group_wait). */
  groups: number[];
}

export interface IngestDeps {
  db: Kysely<DB>;
  clock: Clock;
  bus: EventBus;
  scheduler: Scheduler;
  router: () => AlertRouter;
  inhibitor: Inhibitor;
  flap: FlapDetector;
  /** A room name to its id, making the room when it does not exist. */
  roomId: (name: string) => Promise<string>;
  limits: IngestLimits;
  /** After a commit that resolved alerts: groups muted by an inhibitor that may have ended get a flush. */
  afterResolved?: () => Promise<void>;
}

interface Prepared {
  labels: Record<string, string>;
  labelsJson: string;
  annotationsJson: string;
  fingerprint: string;
  alertname: string;
  severity: string;
  status: 'firing' | 'resolved';
  startsAt: string | undefined;
  endsAt: string | null;
  generatorUrl: string | null;
}

interface ExistingAlert {
  id: number;
  fingerprint: string;
  startsAt: string;
  status: string;
  annotations: string;
  generatorUrl: string | null;
}

interface GroupRef {
  id: number;
  createdAt: string;
  messageId: string | null;
  settings: string;
}

interface WriteOutcome {
  result: IngestResult;
  tasks: ScheduledTask[];
  fired: {
    id: number;
    labels: Record<string, string>;
    fingerprint: string;
    alertname: string;
    severity: string;
  }[];
  resolvedAlerts: { id: number; labels: Record<string, string>; fingerprint: string; alertname: string }[];
}

interface PendingWrite {
  integration: Integration;
  prepared: Prepared[];
  routes: GroupSettings[][];
  rooms: Map<string, string>;
  resolve: (outcome: WriteOutcome) => void;
  reject: (error: unknown) => void;
}

/** At most this many alerts share one transaction. */
const GROUP_COMMIT_ALERTS = 5000;

const LABEL_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const MAX_VALUE = 10_000;
const CHUNK = 400;

/** PostgreSQL text holds neither NUL nor lone surrogates (JSON columns escape both; plain columns cannot). */
function storable(value: string): boolean {
  return !value.includes('\u0000') && value.isWellFormed();
}

function sortedJson(map: Record<string, string> | undefined): string {
  if (!map) return '{}';
  const keys = Object.keys(map).sort();
  const out: Record<string, string> = {};
  for (const k of keys) out[k] = map[k]!;
  return JSON.stringify(out);
}

function isoOrFail(value: string, path: string): string {
  const ms = Date.parse(value);
  if (Number.isNaN(ms))
    throw new ValidationError(`${path}: '${value.slice(0, 40)}' is not an RFC 3339 time`, [
      { path, message: 'not a time' },
    ]);
  return new Date(ms).toISOString();
}

function chunks<T>(items: readonly T[], size = CHUNK): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/**
 * The pipeline's write half, for one delivery: normalise → fingerprint → idempotent upsert keyed by
 * (integration, fingerprint, startsAt) → groups (routing tree, group_by) → alert events → flush timers,
 * all in ONE transaction, with a handful of statements per delivery whatever its size (selects with IN
 * lists, multi-row inserts). A delivery that repeats what is stored (Alertmanager's repeat_interval, the
 * other half of an HA pair, a retry) writes nothing. Cards are the notifier's business: it runs when
 * the timers armed after the commit fall due. Deliveries are applied in arrival order per process,
 * several to a transaction when they queue up (see #drain).
 */
export class AlertIngestion {
  readonly #pending: PendingWrite[] = [];
  #draining = false;

  constructor(private readonly deps: IngestDeps) {}

  /** Validates, stores and arms; resolves after the commit. ValidationError: nothing was stored. */
  async ingest(integration: Integration, alerts: readonly IncomingAlert[]): Promise<IngestResult> {
    const prepared = this.#prepare(alerts);
    const router = this.deps.router();
    const routes = prepared.map((p) => router.route(p.labels));
    const rooms = new Map<string, string>();
    for (const list of routes) {
      for (const r of list) {
        const name = r.room;
        if (name !== undefined && !rooms.has(name)) rooms.set(name, await this.deps.roomId(name));
      }
    }
    const outcome = await new Promise<WriteOutcome>((resolve, reject) => {
      this.#pending.push({ integration, prepared, routes, rooms, resolve, reject });
      if (!this.#draining) void this.#drain();
    });
    this.deps.scheduler.arm(outcome.tasks, 'earliest');
    for (const a of outcome.fired) {
      this.deps.inhibitor.track(a.id, a.labels, true);
      this.deps.bus.publish('alert.fired', {
        alertId: a.id,
        integrationId: integration.id,
        fingerprint: a.fingerprint,
        alertname: a.alertname,
        severity: a.severity,
        labels: a.labels,
      });
    }
    for (const a of outcome.resolvedAlerts) {
      this.deps.inhibitor.track(a.id, a.labels, false);
      this.deps.bus.publish('alert.resolved', {
        alertId: a.id,
        integrationId: integration.id,
        fingerprint: a.fingerprint,
        alertname: a.alertname,
      });
    }
    if (outcome.resolvedAlerts.length > 0 && !this.deps.inhibitor.empty) await this.deps.afterResolved?.();
    return outcome.result;
  }

  /**
   * Group commit: deliveries that arrive while a transaction runs are written together in the next
   * one (each still answered only after that commit), so concurrent senders share the commit and the
   * index pages instead of queueing for one transaction each. If a shared transaction fails, each of
   * its deliveries is retried alone, so one bad delivery never fails the others.
   */
  async #drain(): Promise<void> {
    this.#draining = true;
    try {
      while (this.#pending.length > 0) {
        const batch: PendingWrite[] = [];
        let size = 0;
        while (
          this.#pending.length > 0 &&
          (batch.length === 0 || size + this.#pending[0]!.prepared.length <= GROUP_COMMIT_ALERTS)
        ) {
          const next = this.#pending.shift()!;
          size += next.prepared.length;
          batch.push(next);
        }
        try {
          const outcomes = await this.deps.db.transaction().execute(async (trx) => {
            const out: WriteOutcome[] = [];
            for (const w of batch)
              out.push(await this.#write(trx, w.integration, w.prepared, w.routes, w.rooms));
            return out;
          });
          batch.forEach((w, i) => w.resolve(outcomes[i]!));
        } catch (error) {
          if (batch.length === 1) {
            batch[0]!.reject(error);
            continue;
          }
          for (const w of batch) {
            try {
              w.resolve(
                await this.deps.db
                  .transaction()
                  .execute((trx) => this.#write(trx, w.integration, w.prepared, w.routes, w.rooms)),
              );
            } catch (alone) {
              w.reject(alone);
            }
          }
        }
      }
    } finally {
      this.#draining = false;
    }
  }

  #prepare(alerts: readonly IncomingAlert[]): Prepared[] {
    const { maxAlerts, maxLabels } = this.deps.limits;
    if (alerts.length > maxAlerts) {
      throw new ValidationError(`too many alerts in one delivery: ${alerts.length} (at most ${maxAlerts})`);
    }
    const now = this.deps.clock.nowMs();
    // One row per (fingerprint, startsAt) even when a sender repeats an alert inside a delivery.
    const byKey = new Map<string, Prepared>();
    for (let i = 0; i < alerts.length; i++) {
      const alert = alerts[i]!;
      const path = `alerts.${i}`;
      let count = 0;
      for (const name in alert.labels) {
        count++;
        if (count > maxLabels) {
          throw new ValidationError(`${path}.labels: more than ${maxLabels} labels`, [
            { path: `${path}.labels`, message: 'too many labels' },
          ]);
        }
        if (!LABEL_NAME.test(name)) {
          throw new ValidationError(`${path}.labels: '${name.slice(0, 40)}' is not a label name`, [
            { path: `${path}.labels`, message: 'bad label name' },
          ]);
        }
        if (!storable(alert.labels[name]!)) {
          throw new ValidationError(`${path}.labels.${name}: contains a NUL character or broken Unicode`);
        }
        if (alert.labels[name]!.length > MAX_VALUE) {
          throw new ValidationError(`${path}.labels.${name}: longer than ${MAX_VALUE} characters`);
        }
      }
      if (count === 0 && alert.dedupKey === undefined) {
        throw new ValidationError(`${path}.labels: an alert needs at least one label`, [
          { path: `${path}.labels`, message: 'empty' },
        ]);
      }
      if (
        alert.generatorUrl !== undefined &&
        (!storable(alert.generatorUrl) || alert.generatorUrl.length > MAX_VALUE)
      ) {
        throw new ValidationError(`${path}.generatorURL: not a usable link`);
      }
      const endsAt = alert.endsAt ? isoOrFail(alert.endsAt, `${path}.endsAt`) : null;
      const resolved = alert.status === 'resolved' || (endsAt !== null && Date.parse(endsAt) <= now);
      const fp =
        alert.dedupKey === undefined
          ? fingerprint(alert.labels)
          : fingerprint({ __dedup_key__: alert.dedupKey });
      const startsAt = alert.startsAt ? isoOrFail(alert.startsAt, `${path}.startsAt`) : undefined;
      const severity = alert.labels.severity ?? 'warning';
      byKey.set(`${fp}|${startsAt ?? ''}`, {
        labels: alert.labels,
        labelsJson: sortedJson(alert.labels),
        annotationsJson: sortedJson(alert.annotations),
        fingerprint: fp,
        alertname: alert.labels.alertname ?? alert.dedupKey ?? 'alert',
        severity,
        status: resolved ? 'resolved' : 'firing',
        startsAt,
        endsAt: resolved ? (endsAt ?? new Date(now).toISOString()) : null,
        generatorUrl: alert.generatorUrl ?? null,
      });
    }
    return [...byKey.values()];
  }

  async #write(
    trx: Transaction<DB>,
    integration: Integration,
    prepared: Prepared[],
    routes: GroupSettings[][],
    rooms: Map<string, string>,
  ): Promise<WriteOutcome> {
    const nowMs = this.deps.clock.nowMs();
    const now = new Date(nowMs).toISOString();
    const result: IngestResult = {
      received: prepared.length,
      created: 0,
      resolved: 0,
      updated: 0,
      unchanged: 0,
      groups: [],
    };
    const existing = await this.#existing(trx, integration.id, prepared);

    const toInsert: { p: Prepared; routes: GroupSettings[] }[] = [];
    const toResolve: { id: number; p: Prepared }[] = [];
    const toUpdate: { id: number; p: Prepared }[] = [];
    for (let i = 0; i < prepared.length; i++) {
      const p = prepared[i]!;
      const found =
        p.startsAt === undefined
          ? existing.open.get(p.fingerprint)
          : existing.exact.get(`${p.fingerprint}|${p.startsAt}`);
      if (!found && p.status === 'resolved' && p.startsAt === undefined) {
        // "Resolve X" with nothing open for X (a heartbeat that beats on time): nothing to record.
        result.unchanged++;
      } else if (!found) {
        if (p.status === 'firing') this.deps.flap.record(p.fingerprint);
        // A copy: a retried delivery must not inherit this attempt's start time.
        toInsert.push({ p: { ...p, startsAt: p.startsAt ?? now }, routes: routes[i]! });
      } else if (found.status === 'resolved') {
        // Resolved is final for (fingerprint, startsAt): a late "firing" from the other half of an HA pair
        // must not reopen it; a new firing comes with a new startsAt.
        result.unchanged++;
      } else if (p.status === 'resolved') {
        this.deps.flap.record(p.fingerprint);
        toResolve.push({ id: found.id, p });
      } else if (found.annotations !== p.annotationsJson || found.generatorUrl !== p.generatorUrl) {
        toUpdate.push({ id: found.id, p });
      } else {
        result.unchanged++;
      }
    }

    const inserted = await this.#insertAlerts(
      trx,
      integration.id,
      toInsert.map((x) => x.p),
      now,
    );
    result.created = toInsert.filter((x) => x.p.status === 'firing').length;
    const groups = await this.#assignGroups(trx, integration, toInsert, inserted, rooms, now);
    const touched = new Map<number, GroupRef>(groups.touched);
    if (toResolve.length > 0 || toUpdate.length > 0) {
      await this.#applyChanges(trx, toResolve, toUpdate, now);
      result.resolved = toResolve.length;
      result.updated = toUpdate.length;
      for (const g of await this.#groupsOf(
        trx,
        [...toResolve, ...toUpdate].map((x) => x.id),
      ))
        touched.set(g.id, g);
    }

    const events: EventRow[] = [];
    const fired: {
      id: number;
      labels: Record<string, string>;
      fingerprint: string;
      alertname: string;
      severity: string;
    }[] = [];
    const resolvedAlerts: {
      id: number;
      labels: Record<string, string>;
      fingerprint: string;
      alertname: string;
    }[] = [];
    // New firing alerts are recorded as one `fired` event per group and alert name, listing the alert
    // ids: the timeline loses nothing (each alert row keeps its own times) and a delivery of a hundred
    // new alerts writes one event row instead of a hundred.
    const firedBatches = new Map<
      string,
      { groupId: number | null; alertname: string; ids: number[]; fp: string }
    >();
    for (const x of toInsert) {
      const id = inserted.get(`${x.p.fingerprint}|${x.p.startsAt}`);
      if (id === undefined) continue;
      if (x.p.status === 'resolved') events.push(this.#event(now, 'resolved', id, x.p));
      if (x.p.status === 'firing') {
        const groupId = groups.groupOf.get(id) ?? null;
        const key = `${groupId}|${x.p.alertname}`;
        const batch = firedBatches.get(key);
        if (batch) batch.ids.push(id);
        else firedBatches.set(key, { groupId, alertname: x.p.alertname, ids: [id], fp: x.p.fingerprint });
        fired.push({
          id,
          labels: x.p.labels,
          fingerprint: x.p.fingerprint,
          alertname: x.p.alertname,
          severity: x.p.severity,
        });
      }
    }
    for (const b of firedBatches.values()) {
      const single = b.ids.length === 1;
      events.push({
        at: now,
        kind: 'fired',
        groupId: b.groupId,
        alertId: single ? b.ids[0]! : null,
        fingerprint: single ? b.fp : null,
        alertname: b.alertname,
        actor: null,
        detail: JSON.stringify({ alertIds: b.ids }),
      });
    }
    for (const x of toResolve) {
      events.push(this.#event(now, 'resolved', x.id, x.p));
      resolvedAlerts.push({
        id: x.id,
        labels: x.p.labels,
        fingerprint: x.p.fingerprint,
        alertname: x.p.alertname,
      });
    }
    for (const x of toUpdate) events.push(this.#event(now, 'updated', x.id, x.p));
    for (const g of groups.created) {
      events.push({
        at: now,
        kind: 'group.created',
        groupId: g,
        alertId: null,
        fingerprint: null,
        alertname: null,
        actor: null,
        detail: '{}',
      });
    }
    for (const batch of chunks(events)) await trx.insertInto('alertEvents').values(batch).execute();

    const tasks: ScheduledTask[] = [];
    for (const g of touched.values()) {
      const settings = JSON.parse(g.settings) as GroupSettings;
      const waitUntil = Date.parse(g.createdAt) + settings.groupWaitMs;
      const dueMs = g.messageId === null ? Math.max(nowMs, waitUntil) : nowMs;
      tasks.push({ key: flushKey(g.id), kind: FLUSH_TASK, dueMs, payload: { groupId: g.id } });
      result.groups.push(g.id);
    }
    await this.deps.scheduler.persist(tasks, { mode: 'earliest', executor: trx });
    return { result, tasks, fired, resolvedAlerts };
  }

  #event(at: string, kind: string, alertId: number, p: Prepared): EventRow {
    return {
      at,
      kind,
      groupId: null,
      alertId,
      fingerprint: p.fingerprint,
      alertname: p.alertname,
      actor: null,
      detail: '{}',
    };
  }

  /**
   * The stored alerts a delivery speaks of: exact (startsAt, fingerprint) pairs, each an index seek
   * (an IN list per column would multiply: 100 start times × 100 fingerprints), plus, for alerts sent
   * without a start, the open alerts with those fingerprints.
   */
  async #existing(trx: Transaction<DB>, integrationId: string, prepared: Prepared[]) {
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
    const columns = ['id', 'fingerprint', 'startsAt', 'status', 'annotations', 'generatorUrl'] as const;
    for (const batch of chunks([...pairs.values()], 200)) {
      const rows = await trx
        .selectFrom('alerts')
        .select(columns)
        .where((eb) =>
          eb.or(
            batch.map((x) =>
              eb.and([
                eb('integrationId', '=', integrationId),
                eb('startsAt', '=', x.startsAt),
                eb('fingerprint', '=', x.fingerprint),
              ]),
            ),
          ),
        )
        .execute();
      keep(rows);
    }
    for (const batch of chunks([...openFps])) {
      const rows = await trx
        .selectFrom('alerts')
        .select(columns)
        .where('integrationId', '=', integrationId)
        .where('status', '=', 'firing')
        .where('fingerprint', 'in', batch)
        .execute();
      keep(rows);
    }
    return { exact, open };
  }

  async #insertAlerts(trx: Transaction<DB>, integrationId: string, list: Prepared[], now: string) {
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
    return ids;
  }

  /** Finds or opens the group of every new alert (one per matching route) and records membership. */
  async #assignGroups(
    trx: Transaction<DB>,
    integration: Integration,
    list: { p: Prepared; routes: GroupSettings[] }[],
    inserted: Map<string, number>,
    rooms: Map<string, string>,
    now: string,
  ) {
    const touched = new Map<number, GroupRef>();
    const created: number[] = [];
    const groupOf = new Map<number, number>();
    const wanted = new Map<
      string,
      {
        settings: GroupSettings;
        labels: Record<string, string>;
        roomId: string;
        first: Prepared;
        firing: boolean;
      }
    >();
    const memberships: { key: string; alertId: number }[] = [];
    for (const x of list) {
      const alertId = inserted.get(`${x.p.fingerprint}|${x.p.startsAt}`);
      if (alertId === undefined) continue;
      for (const settings of x.routes) {
        const roomId = settings.room === undefined ? integration.roomId : rooms.get(settings.room);
        if (!roomId) continue;
        const labels = groupLabelsOf(settings, x.p.labels);
        const key = groupKeyOf(settings, labels, roomId);
        const entry = wanted.get(key);
        if (!entry)
          wanted.set(key, { settings, labels, roomId, first: x.p, firing: x.p.status === 'firing' });
        else if (x.p.status === 'firing') entry.firing = true;
        memberships.push({ key, alertId });
      }
    }
    if (wanted.size === 0) return { touched, created, groupOf };
    const byKey = new Map<string, GroupRef>();
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
      const reopened = this.deps.flap.isFlapping(w.first.fingerprint)
        ? await this.#reopen(trx, key, now)
        : undefined;
      if (reopened) {
        byKey.set(key, reopened);
        continue;
      }
      const row = await trx
        .insertInto('alertGroups')
        .values({
          groupKey: key,
          openKey: key,
          routeId: w.settings.routeId,
          roomId: w.roomId,
          integrationId: integration.id,
          sourceKind: integration.kind,
          status: 'firing',
          severity: w.settings.severity ?? w.first.severity,
          alertname: w.labels.alertname ?? w.first.alertname,
          labels: sortedJson(w.labels),
          settings: JSON.stringify(w.settings),
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
        })
        .returning(['id', 'createdAt', 'messageId', 'settings'])
        .executeTakeFirstOrThrow();
      byKey.set(key, row);
      created.push(row.id);
    }
    const rows = memberships.flatMap((m) => {
      const g = byKey.get(m.key);
      if (!g) return [];
      touched.set(g.id, g);
      if (!groupOf.has(m.alertId)) groupOf.set(m.alertId, g.id);
      return [{ groupId: g.id, alertId: m.alertId, noticed: 0 }];
    });
    for (const batch of chunks(rows)) {
      await trx
        .insertInto('alertGroupAlerts')
        .values(batch)
        .onConflict((oc) => oc.columns(['groupId', 'alertId']).doNothing())
        .execute();
    }
    return { touched, created, groupOf };
  }

  /** A flapping alert fires again: its last group (and card) comes back instead of a new card. */
  async #reopen(trx: Transaction<DB>, key: string, now: string): Promise<GroupRef | undefined> {
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

  async #applyChanges(
    trx: Transaction<DB>,
    toResolve: { id: number; p: Prepared }[],
    toUpdate: { id: number; p: Prepared }[],
    now: string,
  ) {
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

  async #groupsOf(trx: Transaction<DB>, alertIds: number[]): Promise<GroupRef[]> {
    const out: GroupRef[] = [];
    for (const batch of chunks(alertIds)) {
      const rows = await trx
        .selectFrom('alertGroupAlerts as m')
        .innerJoin('alertGroups as g', 'g.id', 'm.groupId')
        .select(['g.id', 'g.createdAt', 'g.messageId', 'g.settings'])
        .where('m.alertId', 'in', batch)
        .where('g.openKey', 'is not', null)
        .distinct()
        .execute();
      out.push(...rows);
    }
    return out;
  }
}
