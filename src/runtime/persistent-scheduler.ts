import type SqliteDatabase from 'better-sqlite3';
import { type Kysely, sql } from 'kysely';
import type { CancelTimer, Clock } from '../core/clock.js';
import type { DB } from '../storage/tables.js';
import type { ScheduledTask, ScheduleMode, Scheduler, TaskHandler, TaskRun } from './scheduler.js';
import { TaskHeap } from './scheduler-heap.js';

export interface ScheduledTasksTable {
  key: string;
  kind: string;
  dueAt: string;
  payload: string;
  updatedAt: string;
}

declare module '../storage/tables.js' {
  interface DB {
    scheduledTasks: ScheduledTasksTable;
  }
}

/** A failed handler is tried again after this long (the task stays stored meanwhile). */
const RETRY_MS = 30_000;

/**
 * Scheduler on the `scheduled_tasks` table and the injected Clock. Tasks due now run on the next turn
 * of the event loop (not through the clock, so a FakeClock test needs no advance for them); later ones
 * arm one clock timer for the earliest. A task runs, then its row is deleted unless it was moved
 * meanwhile (by the handler inside its own transaction, `TaskRun.complete`, or after it): at-least-once
 * on one node. Runs of one key never overlap. Scale-out note: with several nodes on one PostgreSQL
 * database, each runs the tasks it armed, so two may run the same task. A handler whose work must
 * happen once guards its commit: an alert group's flush stores nothing if another node's flush changed
 * the group meanwhile (FlushWrites), and a reminder only if `complete` still found its run's row. A
 * general claim (or BullMQ) comes with the Redis runtime.
 */
export class PersistentScheduler implements Scheduler {
  readonly #handlers = new Map<string, TaskHandler>();
  /** Every armed task by key; a task in the heap, parked or blocked is current only while it is here. */
  readonly #armed = new Map<string, ScheduledTask>();
  /** Armed tasks by due time: the top is the next to run (stale entries are skipped). */
  readonly #heap = new TaskHeap();
  /** Armed tasks of a kind with no handler yet: back into the heap when one is registered. */
  readonly #parked: ScheduledTask[] = [];
  /** Due tasks whose key is still running: back into the heap when that run ends. */
  readonly #blocked = new Map<string, ScheduledTask>();
  readonly #running = new Map<string, Promise<void>>();
  #timer: { cancel: CancelTimer; dueMs: number } | undefined;
  #immediate = false;
  #stopped = false;
  #idleWaiters: (() => void)[] = [];

  constructor(
    private readonly deps: {
      db: Kysely<DB>;
      clock: Clock;
      onError: (error: unknown, task: ScheduledTask) => void;
      /**
       * The raw SQLite handle Kysely's driver uses (absent on PostgreSQL): `persist` runs cached
       * prepared statements on it, inside the caller's transaction since the connection is the same.
       */
      sqlite?: SqliteDatabase.Database | undefined;
    },
  ) {
    const sqlite = deps.sqlite;
    if (sqlite) {
      const upsert = (dueAt: string) =>
        sqlite.prepare(
          `insert into scheduled_tasks (key, kind, due_at, payload, updated_at) values (?, ?, ?, ?, ?)
           on conflict (key) do update set kind = excluded.kind, payload = excluded.payload,
           updated_at = excluded.updated_at, due_at = ${dueAt}`,
        );
      this.#upsert = {
        replace: upsert('excluded.due_at'),
        earliest: upsert(
          'case when excluded.due_at < scheduled_tasks.due_at then excluded.due_at else scheduled_tasks.due_at end',
        ),
      };
      this.#deleteRun = sqlite.prepare('delete from scheduled_tasks where key = ? and due_at = ?');
    }
  }

  readonly #upsert: Record<ScheduleMode, SqliteDatabase.Statement> | undefined;
  readonly #deleteRun: SqliteDatabase.Statement | undefined;

  handle(kind: string, handler: TaskHandler): void {
    this.#handlers.set(kind, handler);
    for (let i = this.#parked.length - 1; i >= 0; i--) {
      const task = this.#parked[i]!;
      if (task.kind !== kind) continue;
      this.#parked.splice(i, 1);
      if (this.#armed.get(task.key) === task) this.#heap.push(task);
    }
    this.#wake();
  }

  async persist(
    tasks: readonly ScheduledTask[],
    options: { mode: ScheduleMode; executor?: unknown },
  ): Promise<void> {
    if (tasks.length === 0) return;
    const db = (options.executor as Kysely<DB> | undefined) ?? this.deps.db;
    const now = this.deps.clock.now().toISOString();
    // Only inside the caller's transaction: outside one, a raw statement could slip into a transaction
    // another caller holds open on the shared connection, and roll back with it.
    if (this.#upsert && options.executor !== undefined) {
      const statement = this.#upsert[options.mode];
      for (const t of tasks) {
        statement.run(t.key, t.kind, new Date(t.dueMs).toISOString(), JSON.stringify(t.payload ?? {}), now);
      }
      return;
    }
    const rows = tasks.map((t) => ({
      key: t.key,
      kind: t.kind,
      dueAt: new Date(t.dueMs).toISOString(),
      payload: JSON.stringify(t.payload ?? {}),
      updatedAt: now,
    }));
    await db
      .insertInto('scheduledTasks')
      .values(rows)
      .onConflict((oc) =>
        oc.column('key').doUpdateSet({
          kind: (eb) => eb.ref('excluded.kind'),
          payload: (eb) => eb.ref('excluded.payload'),
          updatedAt: (eb) => eb.ref('excluded.updatedAt'),
          dueAt:
            options.mode === 'replace'
              ? (eb) => eb.ref('excluded.dueAt')
              : sql`case when excluded.due_at < scheduled_tasks.due_at then excluded.due_at else scheduled_tasks.due_at end`,
        }),
      )
      .execute();
  }

  arm(tasks: readonly ScheduledTask[], mode: ScheduleMode): void {
    for (const task of tasks) {
      const current = this.#armed.get(task.key);
      if (mode === 'earliest' && current && current.dueMs <= task.dueMs) continue;
      this.#armed.set(task.key, task);
      this.#heap.push(task);
    }
    this.#wake();
  }

  async schedule(task: ScheduledTask, mode: ScheduleMode = 'replace'): Promise<void> {
    await this.persist([task], { mode });
    this.arm([task], mode);
  }

  async cancel(key: string, options: { executor?: unknown } = {}): Promise<void> {
    this.#armed.delete(key);
    const db = (options.executor as Kysely<DB> | undefined) ?? this.deps.db;
    await db.deleteFrom('scheduledTasks').where('key', '=', key).execute();
  }

  async start(): Promise<void> {
    this.#stopped = false;
    const rows = await this.deps.db.selectFrom('scheduledTasks').selectAll().execute();
    this.arm(
      rows.map((r) => ({
        key: r.key,
        kind: r.kind,
        dueMs: Date.parse(r.dueAt),
        payload: JSON.parse(r.payload) as Record<string, unknown>,
      })),
      'replace',
    );
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    this.#timer?.cancel();
    this.#timer = undefined;
    await Promise.allSettled([...this.#running.values()]);
  }

  idle(): Promise<void> {
    if (this.#isIdle()) return Promise.resolve();
    return new Promise((resolve) => this.#idleWaiters.push(resolve));
  }

  #isIdle(): boolean {
    if (this.#running.size > 0 || this.#immediate) return false;
    const next = this.#next();
    return next === undefined || next.dueMs > this.deps.clock.nowMs();
  }

  #notifyIdle(): void {
    if (this.#idleWaiters.length === 0 || !this.#isIdle()) return;
    const waiters = this.#idleWaiters;
    this.#idleWaiters = [];
    for (const resolve of waiters) resolve();
  }

  /** Runs what is due and arms the clock for the next one. */
  #wake(): void {
    if (this.#stopped) return;
    const now = this.deps.clock.nowMs();
    const top = this.#next();
    const due = top !== undefined && top.dueMs <= now;
    const next = top === undefined || due ? Number.POSITIVE_INFINITY : top.dueMs;
    if (due && !this.#immediate) {
      this.#immediate = true;
      setImmediate(() => {
        this.#immediate = false;
        this.#runDue();
      });
    }
    if (next !== Number.POSITIVE_INFINITY && this.#timer?.dueMs !== next) {
      this.#timer?.cancel();
      this.#timer = {
        dueMs: next,
        cancel: this.deps.clock.setTimer(next - now, () => {
          this.#timer = undefined;
          this.#runDue();
        }),
      };
    }
    this.#notifyIdle();
  }

  #runDue(): void {
    if (this.#stopped) return;
    const now = this.deps.clock.nowMs();
    for (let task = this.#next(); task !== undefined && task.dueMs <= now; task = this.#next()) {
      this.#heap.pop();
      this.#armed.delete(task.key);
      const run = this.#run(task, this.#handlers.get(task.kind)!).finally(() => {
        this.#running.delete(task.key);
        const waiting = this.#blocked.get(task.key);
        this.#blocked.delete(task.key);
        if (waiting !== undefined && this.#armed.get(task.key) === waiting) this.#heap.push(waiting);
        this.#wake();
      });
      this.#running.set(task.key, run);
    }
    this.#wake();
  }

  /**
   * The earliest task that can run: drops replaced and cancelled entries from the top of the heap,
   * parks tasks with no handler and sets aside due tasks whose key is still running.
   */
  #next(): ScheduledTask | undefined {
    for (let task = this.#heap.peek(); task !== undefined; task = this.#heap.peek()) {
      if (this.#armed.get(task.key) !== task) this.#heap.pop();
      else if (!this.#handlers.has(task.kind)) this.#parked.push(this.#heap.pop()!);
      else if (this.#running.has(task.key)) this.#blocked.set(task.key, this.#heap.pop()!);
      else return task;
    }
    return undefined;
  }

  /**
   * Deletes the row of a task that ran, unless it was moved meanwhile (a new due time was stored: the
   * new row stays); whether there was a row to delete. With `executor`, inside the handler's transaction (SQLite: a cached statement on
   * the connection that transaction holds, as `persist` does).
   */
  async #delete(task: ScheduledTask, executor?: unknown): Promise<boolean> {
    const dueAt = new Date(task.dueMs).toISOString();
    if (this.#deleteRun && executor !== undefined) return this.#deleteRun.run(task.key, dueAt).changes > 0;
    const result = await ((executor as Kysely<DB> | undefined) ?? this.deps.db)
      .deleteFrom('scheduledTasks')
      .where('key', '=', task.key)
      .where('dueAt', '=', dueAt)
      .executeTakeFirst();
    return result.numDeletedRows > 0n;
  }

  async #run(task: ScheduledTask, handler: TaskHandler): Promise<void> {
    try {
      let completed = false;
      const run: TaskRun = {
        complete: async (executor) => {
          const deleted = await this.#delete(task, executor);
          completed = true;
          return deleted;
        },
      };
      await handler(task, run);
      if (!completed) await this.#delete(task);
    } catch (error) {
      this.deps.onError(error, task);
      if (this.#stopped) return;
      const retry = { ...task, dueMs: this.deps.clock.nowMs() + RETRY_MS };
      // The stored row moves to the retry's time (the earlier wins if it was moved meanwhile), so the
      // retry's run deletes it; kept at the old time it would outlive the retry and run again at start.
      await this.deps.db
        .transaction()
        .execute(async (trx) => {
          await this.#delete(task, trx);
          await this.persist([retry], { mode: 'earliest', executor: trx });
        })
        .catch((e) => this.deps.onError(e, task));
      this.arm([retry], 'earliest');
    }
  }
}
