import { createHash } from 'node:crypto';
import type { Insertable, Kysely } from 'kysely';
import type { Clock } from '../../core/clock.js';
import type { EventBus } from '../../runtime/event-bus.js';
import type { ScheduledTask, Scheduler, TaskRun } from '../../runtime/scheduler.js';
import type { Transactor } from '../../storage/group-commit.js';
import type { DB } from '../../storage/tables.js';
import type { Card } from '../chat/schema.js';
import { commitWith, type StagedMessage } from '../chat/staged-message.js';
import type { JobWhere } from '../jobs/runner.js';
import { leftOut, renderGroupCard, SHOWN_ALERTS, shortDuration } from './card.js';
import './events.js';
import type { FirstReads } from './first-reads.js';
import { FlushConflict, type FlushDone, FlushWrites } from './flush-writes.js';
import {
  type AlertRow,
  cardGroupOf,
  evaluateMutes,
  freshAlerts,
  type GroupTotals,
  groupTotals,
  shortLabels,
  shownAlerts,
  toCardAlert,
  totalsOf,
} from './group-queries.js';
import { FLUSH_TASK, flushKey } from './ingest.js';
import type { Inhibitor } from './inhibition.js';
import type { NotifyRateLimiter } from './notify-rate-limit.js';
import type { GroupSettings } from './routing.js';
import type { Silences } from './silences.js';
import type { SqliteAlertStatements } from './sqlite-alert-statements.js';
import type { AlertEventsTable, AlertGroupsTable, GroupStatus } from './table.js';

export const REPEAT_TASK = 'alerts.repeat';
const repeatKey = (groupId: number) => `alert-repeat:${groupId}`;

/** How cards reach the room: the bot's messages (bot/bot-messages.ts). */
export interface CardPoster {
  post(where: JobWhere, card: Card): Promise<string>;
  update(messageId: string, card: Card): Promise<void>;
  say(where: JobWhere, message: { text?: string; card?: Card }): Promise<void>;
  /** The same, built now and written in the flush's own transaction (see StagedMessage). */
  stage: {
    post(where: JobWhere, card: Card): Promise<StagedMessage>;
    update(messageId: string, card: Card): Promise<StagedMessage>;
    say(where: JobWhere, message: { text?: string; card?: Card }): Promise<StagedMessage>;
  };
}

type GroupRow = Omit<AlertGroupsTable, 'id'> & { id: number };

export interface NotifierDeps {
  db: Kysely<DB>;
  clock: Clock;
  bus: EventBus;
  scheduler: Scheduler;
  poster: CardPoster;
  silences: Silences;
  inhibitor: Inhibitor;
  limiter: NotifyRateLimiter;
  /** SQLite: a flush's reads and writes as cached prepared statements (PostgreSQL: Kysely). */
  statements?: SqliteAlertStatements | undefined;
  /** What the first flush of a group just opened reads, from the ingest (first-reads.ts; SQLite). */
  firstReads?: FirstReads | undefined;
  /** How a flush commits: a GroupCommit, so the flushes of a burst of new groups share one commit. */
  commits: Transactor;
  /** Other nodes flush the same groups (PostgreSQL): see FlushWrites' `sharedDatabase`. */
  sharedDatabase?: boolean | undefined;
}

/** Flushes of one group that other nodes' flushes overtook, one after the other, before giving up. */
const FLUSH_ATTEMPTS = 5;

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
  readonly #writes: FlushWrites;

  constructor(private readonly deps: NotifierDeps) {
    this.#writes = new FlushWrites(deps);
  }

  install(): void {
    const groupOf = (task: ScheduledTask) => Number(task.payload?.groupId);
    this.deps.scheduler.handle(FLUSH_TASK, (task, run) => this.flush(groupOf(task), run));
    this.deps.scheduler.handle(REPEAT_TASK, (task, run) => this.repeat(groupOf(task), run));
  }

  /** Asks for a flush now (after an ack, a silence, …). */
  async request(groupIds: readonly number[]): Promise<void> {
    this.deps.firstReads?.drop(groupIds);
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

  /**
   * What a flush reads: the group, its counts and the alerts its card lists. On SQLite, a group just
   * opened takes what the ingest wrote (first-reads.ts); otherwise one read transaction of prepared
   * statements holding the connection (what the ingest thread commits after it gets a flush of its own).
   */
  async #read(
    groupId: number,
    nowIso: string,
    events: Insertable<AlertEventsTable>[],
  ): Promise<{ group: GroupRow; totals: GroupTotals; shown: AlertRow[] } | undefined> {
    const fast = this.deps.statements;
    // Matching every firing alert against silences and inhibit rules only when there are any.
    const mutes = this.deps.silences.hasActive() || !this.deps.inhibitor.empty;
    // With silences or inhibit rules the alerts are matched against them below: the first read is not enough.
    if (mutes) this.deps.firstReads?.drop([groupId]);
    const first = mutes ? undefined : this.deps.firstReads?.take(groupId);
    if (first) return { ...first, totals: totalsOf(first.totals) };
    if (fast && !mutes) {
      return this.deps.db.connection().execute(async () => {
        const read = fast.flushRead(groupId, SHOWN_ALERTS + 1);
        return read && { ...read, totals: totalsOf(read.totals) };
      });
    }
    const group = await this.deps.db
      .selectFrom('alertGroups')
      .selectAll()
      .where('id', '=', groupId)
      .executeTakeFirst();
    if (!group || (group.openKey === null && group.notifiedStatus === 'resolved')) return undefined;
    if (mutes) await evaluateMutes(this.deps.db, this.deps, group, nowIso, events);
    const totals = await groupTotals(this.deps.db, groupId);
    return { group, totals, shown: await shownAlerts(this.deps.db, groupId) };
  }

  /**
   * `run`: the scheduler's task, ended in the flush's transaction. The messages are staged first (their
   * reads outside the transaction), then ONE commit stores them with what the flush learnt (the group,
   * membership noticed, events, the reminder) and the end of the task; the room hears of them after
   * it. A crash before that commit leaves no card and the task to run again: never a second card.
   * Nor with several nodes: a flush another node's overtook stores nothing and runs again at once.
   */
  async flush(groupId: number, run?: TaskRun): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.#flushOnce(groupId, run);
      } catch (error) {
        if (!(error instanceof FlushConflict) || attempt === FLUSH_ATTEMPTS) throw error;
      }
    }
  }

  async #flushOnce(groupId: number, run?: TaskRun): Promise<void> {
    const now = this.deps.clock.now();
    const nowIso = now.toISOString();
    const events: Insertable<AlertEventsTable>[] = [];
    const read = await this.#read(groupId, nowIso, events);
    if (read === undefined) return;
    const { group, totals, shown } = read;
    const settings = JSON.parse(group.settings) as GroupSettings;
    const status: GroupStatus =
      totals.firing === 0
        ? 'resolved'
        : group.ackedBy
          ? 'acked'
          : totals.active > 0
            ? 'firing'
            : totals.silencedBy !== undefined || totals.silencedAtSender
              ? 'silenced'
              : 'inhibited';
    const card = renderGroupCard(
      cardGroupOf(group, status, totals.silencedBy, nowIso),
      shown.map(toCardAlert),
      now.getTime(),
      { firing: totals.firing, resolved: totals.resolved, started: totals.started ?? group.createdAt },
    );
    const hash = createHash('sha256').update(JSON.stringify(card)).digest('base64url');
    const update: Partial<GroupRow> = { status, updatedAt: nowIso };
    const where = { roomId: group.roomId };
    const quiet = settings.muteNotifications || group.mutedUntilResolved === 1 || group.flapping === 1;
    // Set once the room has seen the group's alerts; written with the group's update (one commit).
    let noticed = false;
    const staged: StagedMessage[] = [];

    if (group.messageId === null) {
      if (status !== 'firing' && status !== 'acked') {
        // Nobody was told it fired, so nobody is told it ended: recorded, no card.
        await this.#finish(group, update, status, events, nowIso, { run });
        return;
      }
      const wait = this.deps.limiter.take(group.integrationId);
      if (wait > 0) return this.#writes.later(groupId, wait, events, { run });
      const posted = await this.deps.poster.stage.post(where, card);
      staged.push(posted);
      update.messageId = posted.message.id;
      update.cardHash = hash;
      update.notifiedStatus = status;
      update.lastNoticeAt = nowIso;
      noticed = true;
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
        staged.push(await this.deps.poster.stage.update(group.messageId, card));
        update.cardHash = hash;
      }
      const later = (waitMs: number) =>
        this.#writes.later(groupId, waitMs, events, { run, staged, cardHash: update.cardHash ?? undefined });
      const thread = { roomId: group.roomId, threadId: group.messageId };
      const changed = status !== group.notifiedStatus;
      // Flapping and muted groups keep their card current but post nothing more, except the resolve.
      if (changed && (!quiet || status === 'resolved')) {
        const wait = this.deps.limiter.take(group.integrationId);
        if (wait > 0) return later(wait);
        staged.push(
          await this.deps.poster.stage.say(thread, { text: this.#statusLine(group, status, nowIso) }),
        );
        update.notifiedStatus = status;
        update.lastNoticeAt = nowIso;
      } else if (changed) {
        update.notifiedStatus = status;
      }
      if (!changed && status === 'firing' && totals.fresh > 0 && !quiet) {
        const last = Date.parse(group.lastNoticeAt ?? group.createdAt);
        const due = last + settings.groupIntervalMs;
        if (due > now.getTime()) return later(due - now.getTime());
        const wait = this.deps.limiter.take(group.integrationId);
        if (wait > 0) return later(wait);
        const fresh = await freshAlerts(this.deps.db, groupId);
        const names = fresh
          .slice(0, 5)
          .map((a) => `\`${shortLabels(a.labels, group.labels)}\``)
          .join(', ');
        const text = `🔥 ${totals.fresh} more firing: ${names}${totals.fresh > 5 ? ', …' : ''}`;
        staged.push(await this.deps.poster.stage.say(thread, { text }));
        update.lastNoticeAt = nowIso;
      }
      noticed = true;
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
    const repeat =
      status === 'firing' && !quiet
        ? {
            key: repeatKey(groupId),
            kind: REPEAT_TASK,
            dueMs: now.getTime() + settings.repeatIntervalMs,
            payload: { groupId },
          }
        : undefined;
    await this.#finish(group, update, status, events, nowIso, { noticed, repeat, staged, run });
  }

  /** repeat_interval: a reminder in the thread while the group fires and nobody acked it. */
  async repeat(groupId: number, run?: TaskRun): Promise<void> {
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
    const staged: StagedMessage[] = [];
    if (wait === 0) {
      const totals = await groupTotals(this.deps.db, groupId);
      // As the card counts: with the alerts the sender left out of its body (max_alerts).
      const shown = await shownAlerts(this.deps.db, groupId);
      const firing =
        totals.firing + leftOut(shown.filter((a) => a.status === 'firing').map((a) => toCardAlert(a)));
      staged.push(
        await this.deps.poster.stage.say(
          { roomId: group.roomId, threadId: group.messageId },
          {
            text: `⏰ Still firing: ${firing} alert${firing === 1 ? '' : 's'}, for ${shortDuration(nowMs - Date.parse(group.createdAt))}. Nobody has acked it.`,
          },
        ),
      );
    }
    const next = {
      key: repeatKey(groupId),
      kind: REPEAT_TASK,
      dueMs: nowMs + (wait > 0 ? wait : settings.repeatIntervalMs),
      payload: { groupId },
    };
    // The reminder, its event and the next one in one commit. With other nodes each may have armed
    // the reminder: the run that still finds the task's row reminds; the others store nothing.
    const taken = new Error('reminder sent by another node');
    try {
      await commitWith(this.deps.commits, staged, async (trx) => {
        if ((await run?.complete(trx)) === false && this.deps.sharedDatabase) throw taken;
        if (wait === 0)
          await trx
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
        await this.deps.scheduler.persist([next], { mode: 'replace', executor: trx });
      });
    } catch (error) {
      if (error === taken) return;
      throw error;
    }
    this.deps.scheduler.arm([next], 'replace');
  }

  #statusLine(group: GroupRow, status: GroupStatus, nowIso: string): string {
    if (status === 'acked') return `👀 Acked by @${group.ackedBy}`;
    if (status === 'resolved')
      return `✅ Resolved after ${shortDuration(Date.parse(nowIso) - Date.parse(group.createdAt))}`;
    if (status === 'firing' && group.notifiedStatus === 'resolved') return '🔥 Firing again';
    return STATUS_LINE[status];
  }

  /** Records what the flush did and learnt, in one commit (FlushWrites.finish). */
  async #finish(
    group: GroupRow,
    update: Partial<GroupRow>,
    status: GroupStatus,
    events: Insertable<AlertEventsTable>[],
    nowIso: string,
    done: FlushDone & { noticed?: boolean; repeat?: ScheduledTask | undefined },
  ) {
    if (status === 'resolved') {
      update.openKey = null;
      update.resolvedAt = group.resolvedAt ?? nowIso;
    }
    const cancel = status === 'resolved' ? repeatKey(group.id) : undefined;
    await this.#writes.finish(group, update, status, events, { ...done, cancel });
  }
}
