import { createHash } from 'node:crypto';
import { type Insertable, type Kysely, sql } from 'kysely';
import type { Clock } from '../../core/clock.js';
import type { EventBus } from '../../runtime/event-bus.js';
import type { ScheduledTask, Scheduler } from '../../runtime/scheduler.js';
import type { DB } from '../../storage/tables.js';
import type { Card } from '../chat/schema.js';
import type { JobWhere } from '../jobs/runner.js';
import {
  type CardAlert,
  type CardGroup,
  clip,
  renderGroupCard,
  SHOWN_ALERTS,
  shortDuration,
} from './card.js';
import './events.js';
import { FLUSH_TASK, flushKey } from './ingest.js';
import type { Inhibitor } from './inhibition.js';
import type { GroupSettings } from './routing.js';
import type { Silences } from './silences.js';
import type { AlertEventsTable, AlertGroupsTable, GroupStatus } from './table.js';

export const REPEAT_TASK = 'alerts.repeat';
const repeatKey = (groupId: number) => `alert-repeat:${groupId}`;

/** How cards reach the room: the bot's messages (bot/bot-messages.ts). */
export interface CardPoster {
  post(where: JobWhere, card: Card): Promise<string>;
  update(messageId: string, card: Card): Promise<void>;
  say(where: JobWhere, message: { text?: string; card?: Card }): Promise<void>;
}

/**
 * A token bucket per integration for messages that notify (new cards, thread posts). Over the limit the
 * flush is moved to when a token is due: the work waits in the scheduler, it is never dropped.
 */
export class NotifyRateLimiter {
  readonly #buckets = new Map<string, { tokens: number; atMs: number }>();
  constructor(
    private readonly clock: Clock,
    private readonly settings: { perMinute: number; burst: number },
  ) {}

  /** 0 when a message may go now (and takes the token); otherwise ms until one may. */
  take(key: string): number {
    const { perMinute, burst } = this.settings;
    if (perMinute === 0) return 0;
    const now = this.clock.nowMs();
    const bucket = this.#buckets.get(key) ?? { tokens: burst, atMs: now };
    bucket.tokens = Math.min(burst, bucket.tokens + ((now - bucket.atMs) * perMinute) / 60_000);
    bucket.atMs = now;
    this.#buckets.set(key, bucket);
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      return 0;
    }
    return Math.ceil(((1 - bucket.tokens) * 60_000) / perMinute);
  }
}

type GroupRow = Omit<AlertGroupsTable, 'id'> & { id: number };

interface AlertRow {
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

export interface NotifierDeps {
  db: Kysely<DB>;
  clock: Clock;
  bus: EventBus;
  scheduler: Scheduler;
  poster: CardPoster;
  silences: Silences;
  inhibitor: Inhibitor;
  limiter: NotifyRateLimiter;
}

const STATUS_LINE: Record<GroupStatus, string> = {
  firing: '🔥 Firing',
  acked: '👀 Acked',
  silenced: '🔕 Silenced',
  inhibited: '🔇 Inhibited by another alert',
  resolved: '✅ Resolved',
};

/**
 * The pipeline's notify half: a group's flush (due after group_wait, then at once on every change)
 * reads the group and its alerts, applies silences and inhibition, derives the status, and makes the
 * room match: the one card posted or edited in place, a line in its thread for each change of status,
 * new alerts announced at most once per group_interval, a reminder every repeat_interval while firing
 * and not acked. A group muted from the start (silenced, inhibited) never gets a card; a group that had
 * one always gets its resolve. Runs of one group never overlap (the scheduler's per-key rule).
 */
export class GroupNotifier {
  constructor(private readonly deps: NotifierDeps) {}

  install(): void {
    this.deps.scheduler.handle(FLUSH_TASK, (task) => this.flush(Number(task.payload?.groupId)));
    this.deps.scheduler.handle(REPEAT_TASK, (task) => this.repeat(Number(task.payload?.groupId)));
  }

  /** Asks for a flush now (after an ack, a silence, …). */
  async request(groupIds: readonly number[]): Promise<void> {
    const now = this.deps.clock.nowMs();
    const tasks: ScheduledTask[] = groupIds.map((id) => ({
      key: flushKey(id),
      kind: FLUSH_TASK,
      dueMs: now,
      payload: { groupId: id },
    }));
    await this.deps.scheduler.persist(tasks, { mode: 'earliest' });
    this.deps.scheduler.arm(tasks, 'earliest');
  }

  async flush(groupId: number): Promise<void> {
    const group = await this.deps.db
      .selectFrom('alertGroups')
      .selectAll()
      .where('id', '=', groupId)
      .executeTakeFirst();
    if (!group || (group.openKey === null && group.notifiedStatus === 'resolved')) return;
    const settings = JSON.parse(group.settings) as GroupSettings;
    const now = this.deps.clock.now();
    const nowIso = now.toISOString();
    const events: Insertable<AlertEventsTable>[] = [];
    // Matching every firing alert against silences and inhibit rules only when there are any.
    if (this.deps.silences.hasActive() || !this.deps.inhibitor.empty)
      await this.#evaluateMutes(group, nowIso, events);
    const totals = await this.#totals(groupId);
    const shown = await this.#shown(groupId);
    const status: GroupStatus =
      totals.firing === 0
        ? 'resolved'
        : group.ackedBy
          ? 'acked'
          : totals.active > 0
            ? 'firing'
            : totals.silencedBy !== undefined
              ? 'silenced'
              : 'inhibited';
    const card = renderGroupCard(
      this.#cardGroup(group, status, totals.silencedBy, nowIso),
      shown.map(toCardAlert),
      now.getTime(),
      { firing: totals.firing, resolved: totals.resolved, started: totals.started ?? group.createdAt },
    );
    const hash = createHash('sha256').update(JSON.stringify(card)).digest('base64url');
    const update: Partial<GroupRow> = { status, updatedAt: nowIso };
    const where = { roomId: group.roomId };
    const quiet = settings.muteNotifications || group.mutedUntilResolved === 1 || group.flapping === 1;

    if (group.messageId === null) {
      if (status !== 'firing' && status !== 'acked') {
        // Nobody was told it fired, so nobody is told it ended: recorded, no card.
        await this.#finish(group, update, status, events, nowIso);
        return;
      }
      const wait = this.deps.limiter.take(group.integrationId);
      if (wait > 0) return this.#later(groupId, wait, events);
      update.messageId = await this.deps.poster.post(where, card);
      update.cardHash = hash;
      update.notifiedStatus = status;
      update.lastNoticeAt = nowIso;
      await this.#markNoticed(groupId);
      events.push({
        at: nowIso,
        kind: 'notified',
        groupId,
        alertId: null,
        fingerprint: null,
        alertname: group.alertname,
        actor: null,
        detail: JSON.stringify({ status, messageId: update.messageId }),
      });
    } else {
      if (hash !== group.cardHash) {
        await this.deps.poster.update(group.messageId, card);
        update.cardHash = hash;
      }
      const thread = { roomId: group.roomId, threadId: group.messageId };
      const changed = status !== group.notifiedStatus;
      // Flapping and muted groups keep their card current but post nothing more, except the resolve.
      if (changed && (!quiet || status === 'resolved')) {
        const wait = this.deps.limiter.take(group.integrationId);
        if (wait > 0) return this.#later(groupId, wait, events, update);
        await this.deps.poster.say(thread, { text: this.#statusLine(group, status, nowIso) });
        update.notifiedStatus = status;
        update.lastNoticeAt = nowIso;
      } else if (changed) {
        update.notifiedStatus = status;
      }
      if (!changed && status === 'firing' && totals.fresh > 0 && !quiet) {
        const last = Date.parse(group.lastNoticeAt ?? group.createdAt);
        const due = last + settings.groupIntervalMs;
        if (due > now.getTime()) return this.#later(groupId, due - now.getTime(), events, update);
        const wait = this.deps.limiter.take(group.integrationId);
        if (wait > 0) return this.#later(groupId, wait, events, update);
        const fresh = await this.#fresh(groupId);
        const names = fresh
          .slice(0, 5)
          .map((a) => `\`${shortLabels(a.labels, group.labels)}\``)
          .join(', ');
        await this.deps.poster.say(thread, {
          text: `🔥 ${totals.fresh} more firing: ${names}${totals.fresh > 5 ? ', …' : ''}`,
        });
        update.lastNoticeAt = nowIso;
      }
      await this.#markNoticed(groupId);
    }
    if (status !== group.status) {
      events.push({
        at: nowIso,
        kind: `group.${status}`,
        groupId,
        alertId: null,
        fingerprint: null,
        alertname: group.alertname,
        actor: null,
        detail: JSON.stringify({ previous: group.status }),
      });
    }
    await this.#finish(group, update, status, events, nowIso);
    if (status === 'firing' && !quiet) {
      await this.deps.scheduler.schedule(
        {
          key: repeatKey(groupId),
          kind: REPEAT_TASK,
          dueMs: now.getTime() + settings.repeatIntervalMs,
          payload: { groupId },
        },
        'earliest',
      );
    }
  }

  /** repeat_interval: a reminder in the thread while the group fires and nobody acked it. */
  async repeat(groupId: number): Promise<void> {
    const group = await this.deps.db
      .selectFrom('alertGroups')
      .selectAll()
      .where('id', '=', groupId)
      .executeTakeFirst();
    if (
      group?.status !== 'firing' ||
      group.messageId === null ||
      group.mutedUntilResolved === 1 ||
      group.flapping === 1
    )
      return;
    const settings = JSON.parse(group.settings) as GroupSettings;
    const wait = this.deps.limiter.take(group.integrationId);
    const nowMs = this.deps.clock.nowMs();
    if (wait === 0) {
      const { firing } = await this.#totals(groupId);
      await this.deps.poster.say(
        { roomId: group.roomId, threadId: group.messageId },
        {
          text: `⏰ Still firing: ${firing} alert${firing === 1 ? '' : 's'}, for ${shortDuration(nowMs - Date.parse(group.createdAt))}. Nobody has acked it.`,
        },
      );
      await this.deps.db
        .insertInto('alertEvents')
        .values({
          at: new Date(nowMs).toISOString(),
          kind: 'repeated',
          groupId,
          alertId: null,
          fingerprint: null,
          alertname: group.alertname,
          actor: null,
          detail: '{}',
        })
        .execute();
    }
    await this.deps.scheduler.schedule({
      key: repeatKey(groupId),
      kind: REPEAT_TASK,
      dueMs: nowMs + (wait > 0 ? wait : settings.repeatIntervalMs),
      payload: { groupId },
    });
  }

  #statusLine(group: GroupRow, status: GroupStatus, nowIso: string): string {
    if (status === 'acked') return `👀 Acked by @${group.ackedBy}`;
    if (status === 'resolved')
      return `✅ Resolved after ${shortDuration(Date.parse(nowIso) - Date.parse(group.createdAt))}`;
    if (status === 'firing' && group.notifiedStatus === 'resolved') return '🔥 Firing again';
    return STATUS_LINE[status];
  }

  async #later(
    groupId: number,
    waitMs: number,
    events: Insertable<AlertEventsTable>[],
    update?: Partial<GroupRow>,
  ) {
    if (update?.cardHash !== undefined) {
      await this.deps.db
        .updateTable('alertGroups')
        .set({ cardHash: update.cardHash })
        .where('id', '=', groupId)
        .execute();
    }
    if (events.length > 0) await this.deps.db.insertInto('alertEvents').values(events).execute();
    const task = {
      key: flushKey(groupId),
      kind: FLUSH_TASK,
      dueMs: this.deps.clock.nowMs() + waitMs,
      payload: { groupId },
    };
    await this.deps.scheduler.schedule(task, 'earliest');
  }

  async #finish(
    group: GroupRow,
    update: Partial<GroupRow>,
    status: GroupStatus,
    events: Insertable<AlertEventsTable>[],
    nowIso: string,
  ) {
    if (status === 'resolved') {
      update.openKey = null;
      update.resolvedAt = group.resolvedAt ?? nowIso;
      await this.deps.scheduler.cancel(repeatKey(group.id));
    }
    await this.deps.db.transaction().execute(async (trx) => {
      await trx.updateTable('alertGroups').set(update).where('id', '=', group.id).execute();
      if (events.length > 0) await trx.insertInto('alertEvents').values(events).execute();
    });
    if (status !== group.status) {
      const settings = JSON.parse(group.settings) as GroupSettings;
      this.deps.bus.publish('alert.group.changed', {
        groupId: group.id,
        roomId: group.roomId,
        status,
        previous: group.status,
        alertname: group.alertname,
        severity: group.severity,
        messageId: update.messageId ?? group.messageId,
        escalationPolicy: settings.escalationPolicy ?? null,
      });
    }
  }

  async #markNoticed(groupId: number): Promise<void> {
    await this.deps.db
      .updateTable('alertGroupAlerts')
      .set({ noticed: 1 })
      .where('groupId', '=', groupId)
      .where('noticed', '=', 0)
      .execute();
  }

  /** Re-matches the group's firing alerts against silences and inhibit rules; stores changes. */
  async #evaluateMutes(
    group: GroupRow,
    nowIso: string,
    events: Insertable<AlertEventsTable>[],
  ): Promise<void> {
    const firing = await this.deps.db
      .selectFrom('alertGroupAlerts as m')
      .innerJoin('alerts as a', 'a.id', 'm.alertId')
      .select(['a.id', 'a.labels', 'a.muted', 'a.fingerprint', 'a.alertname'])
      .where('m.groupId', '=', group.id)
      .where('a.status', '=', 'firing')
      .execute();
    for (const a of firing) {
      const labels = JSON.parse(a.labels) as Record<string, string>;
      const silence = this.deps.silences.silencedBy(labels);
      const muted =
        silence !== undefined
          ? `silence:${silence}`
          : this.deps.inhibitor.inhibited(a.id, labels)
            ? 'inhibited'
            : null;
      if (muted === a.muted) continue;
      await this.deps.db.updateTable('alerts').set({ muted }).where('id', '=', a.id).execute();
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

  /** Counts over the whole group in one grouped query, whatever its size. */
  async #totals(groupId: number) {
    const rows = await this.deps.db
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
    const totals = {
      firing: 0,
      resolved: 0,
      active: 0,
      fresh: 0,
      started: undefined as string | undefined,
      silencedBy: undefined as number | undefined,
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
      }
    }
    return totals;
  }

  /** The few alerts a card lists: firing first, then the oldest. */
  #shown(groupId: number): Promise<AlertRow[]> {
    return this.deps.db
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
  #fresh(groupId: number): Promise<{ labels: string }[]> {
    return this.deps.db
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

  #cardGroup(
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
}

function toCardAlert(a: AlertRow): CardAlert {
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

function shortLabels(labelsJson: string, groupLabelsJson: string): string {
  const labels = JSON.parse(labelsJson) as Record<string, string>;
  const group = JSON.parse(groupLabelsJson) as Record<string, string>;
  const text = Object.entries(labels)
    .filter(([k]) => !(k in group))
    .map(([k, v]) => `${k}=${v}`)
    .join(' ');
  return clip(text, 80, true);
}
