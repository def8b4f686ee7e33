import type { Insertable, Kysely, Transaction } from 'kysely';
import type { Clock } from '../../core/clock.js';
import type { EventBus } from '../../runtime/event-bus.js';
import type { ScheduledTask, Scheduler, TaskRun } from '../../runtime/scheduler.js';
import type { Transactor } from '../../storage/group-commit.js';
import type { DB } from '../../storage/tables.js';
import { commitWith, type StagedMessage } from '../chat/staged-message.js';
import './events.js';
import { FLUSH_TASK, flushKey } from './ingest.js';
import type { GroupSettings } from './routing.js';
import type { GroupRow, SqliteAlertStatements } from './sqlite-alert-statements.js';
import type { AlertEventsTable, GroupStatus } from './table.js';

/** What ends a flush besides the group's update; all of it commits with the group. */
export interface FlushDone {
  /** The card posted or edited, lines in its thread: built already, written in the same commit. */
  staged?: readonly StagedMessage[];
  /** The scheduler's run of the flush task: its row is deleted in the same commit. */
  run?: TaskRun | undefined;
}

/**
 * Another node's flush of the same group committed after this one read the group (PostgreSQL, where
 * nodes share the database and each runs the flushes of the deliveries it took). Nothing of this
 * flush was stored, its card neither: it runs again on what is there now (GroupNotifier.flush).
 */
export class FlushConflict extends Error {
  constructor(groupId: number) {
    super(`group ${groupId} was flushed by another node meanwhile`);
    this.name = 'FlushConflict';
  }
}

/**
 * The write half of a flush (GroupNotifier decides, this stores): everything a flush did and learnt
 * in ONE commit, the room and the bus told after it. A crash or a failure before the commit leaves
 * nothing of it, and the flush task to run again: never a card the group does not know about.
 */
export class FlushWrites {
  constructor(
    private readonly deps: {
      db: Kysely<DB>;
      clock: Clock;
      bus: EventBus;
      scheduler: Scheduler;
      statements?: SqliteAlertStatements | undefined;
      commits: Transactor;
      /**
       * Other nodes flush the same groups (PostgreSQL): the group is updated only if it is still as the
       * flush read it, else FlushConflict. Not on SQLite, where one process owns the file and runs of
       * a group never overlap (the ingest thread changing the group meanwhile asks a flush of its own).
       */
      sharedDatabase?: boolean | undefined;
    },
  ) {}

  /**
   * The flush waits (group_interval, the rate limit): what it did so far (a card edited, its hash)
   * and its events are stored with the next flush. The task ends first, so the later time is stored
   * unless a new one came meanwhile (then the earlier of the two).
   */
  async later(
    groupId: number,
    waitMs: number,
    events: Insertable<AlertEventsTable>[],
    done: FlushDone & { cardHash?: string | undefined },
  ): Promise<void> {
    const task = {
      key: flushKey(groupId),
      kind: FLUSH_TASK,
      dueMs: this.deps.clock.nowMs() + waitMs,
      payload: { groupId },
    };
    await commitWith(this.deps.commits, done.staged ?? [], async (trx) => {
      if (done.cardHash !== undefined) {
        await trx
          .updateTable('alertGroups')
          .set({ cardHash: done.cardHash })
          .where('id', '=', groupId)
          .execute();
      }
      if (events.length > 0) await trx.insertInto('alertEvents').values(events).execute();
      await done.run?.complete(trx);
      await this.deps.scheduler.persist([task], { mode: 'earliest', executor: trx });
    });
    this.deps.scheduler.arm([task], 'earliest');
  }

  /**
   * The flush is done: its messages, the group's update, membership noticed, its events, the next
   * reminder and the end of the flush task in one commit; then `alert.group.changed`.
   */
  async finish(
    group: GroupRow,
    update: Partial<GroupRow>,
    status: GroupStatus,
    events: Insertable<AlertEventsTable>[],
    done: FlushDone & {
      noticed?: boolean;
      repeat?: ScheduledTask | undefined;
      /** A task that ends with the group (its reminder, once resolved). */
      cancel?: string | undefined;
    },
  ): Promise<void> {
    const fast = this.deps.statements;
    await commitWith(this.deps.commits, done.staged ?? [], async (trx) => {
      if (fast) {
        // Inside the Kysely transaction: the same connection, so the same commit.
        if (done.noticed) fast.markNoticed(group.id);
        fast.updateGroup(group.id, update);
        fast.insertEvents(events);
      } else {
        if (done.noticed) await markNoticed(trx, group.id);
        await this.#updateGroup(trx, group, update);
        if (events.length > 0) await trx.insertInto('alertEvents').values(events).execute();
      }
      if (done.repeat) await this.deps.scheduler.persist([done.repeat], { mode: 'earliest', executor: trx });
      if (done.cancel !== undefined) await this.deps.scheduler.cancel(done.cancel, { executor: trx });
      await done.run?.complete(trx);
    });
    if (done.repeat) this.deps.scheduler.arm([done.repeat], 'earliest');
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

  /**
   * Sets what the flush learnt. With other nodes: only while the group is as the flush read it (its
   * card, the status and the notice last told, its last update: every message a flush posts changes
   * one of them); the row lock makes a second node's flush wait for the first one's commit, then find
   * the row changed.
   */
  async #updateGroup(trx: Transaction<DB>, group: GroupRow, update: Partial<GroupRow>): Promise<void> {
    let query = trx.updateTable('alertGroups').set(update).where('id', '=', group.id);
    if (this.deps.sharedDatabase) {
      query = query
        .where('updatedAt', '=', group.updatedAt)
        .where('notifiedStatus', group.notifiedStatus === null ? 'is' : '=', group.notifiedStatus)
        .where('messageId', group.messageId === null ? 'is' : '=', group.messageId)
        .where('lastNoticeAt', group.lastNoticeAt === null ? 'is' : '=', group.lastNoticeAt);
    }
    const result = await query.executeTakeFirst();
    if (this.deps.sharedDatabase && result.numUpdatedRows === 0n) throw new FlushConflict(group.id);
  }
}

async function markNoticed(trx: Transaction<DB>, groupId: number): Promise<void> {
  await trx
    .updateTable('alertGroupAlerts')
    .set({ noticed: 1 })
    .where('groupId', '=', groupId)
    .where('noticed', '=', 0)
    .execute();
}
