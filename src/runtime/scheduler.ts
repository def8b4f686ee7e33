/**
 * The Scheduler port: named, persisted timers ("flush alert group 12 at 10:05", "heartbeat X is due at
 * 11:00") that survive a restart. Work that needs a timer persists the task in the same transaction
 * as the work (`persist(tasks, {executor: trx})`) and arms it after the commit (`arm(tasks)`), so a
 * crash never leaves work without its timer, nor a timer for work that was rolled back.
 * The in-process implementation is `PersistentScheduler` (a table polled at start, armed with the
 * injected Clock); a Redis/BullMQ one joins it for scale-out.
 */
export interface ScheduledTask {
  /** One task per key: scheduling a key again moves it (see ScheduleMode). */
  key: string;
  /** Selects the handler. */
  kind: string;
  dueMs: number;
  payload?: Record<string, unknown>;
}

/** `replace`: the new time wins; `earliest`: the earlier of the stored and the new time wins. */
export type ScheduleMode = 'replace' | 'earliest';

/** What a handler may do with the run of its task. */
export interface TaskRun {
  /**
   * Deletes the task's stored row through `executor`, the handler's own transaction, unless it was
   * moved meanwhile (a new due time stored: that row stays); the scheduler then deletes nothing after
   * the handler. The work and the end of its task commit together: a crash before that commit runs
   * the task again, after it never. Without a call the scheduler deletes the row once the handler
   * returns (a commit of its own). If that transaction rolls back, the handler must throw (the task
   * is retried), or the row stays and the task runs again at the next start. False when this run's
   * row was no longer there: moved, cancelled, or (nodes sharing a database) run by another node.
   */
  complete(executor: unknown): Promise<boolean>;
}

export type TaskHandler = (task: ScheduledTask, run: TaskRun) => Promise<void>;

export interface Scheduler {
  /** The handler for a kind; tasks of a kind without a handler wait (they are not dropped). */
  handle(kind: string, handler: TaskHandler): void;
  /**
   * Stores the tasks. `executor` is a transaction (or the database) to write through; the tasks only
   * run once `arm` is called for them (after the commit).
   */
  persist(
    tasks: readonly ScheduledTask[],
    options: { mode: ScheduleMode; executor?: unknown },
  ): Promise<void>;
  /** Arms stored tasks in this process. */
  arm(tasks: readonly ScheduledTask[], mode: ScheduleMode): void;
  /** persist + arm, outside any transaction. */
  schedule(task: ScheduledTask, mode?: ScheduleMode): Promise<void>;
  /**
   * Disarms the key and deletes its stored task; through `executor` (a transaction) when given, so the
   * delete commits with the caller's work.
   */
  cancel(key: string, options?: { executor?: unknown }): Promise<void>;
  /** Loads every stored task and arms it (overdue ones run at once). */
  start(): Promise<void>;
  /** Disarms; running handlers finish. */
  stop(): Promise<void>;
  /** Resolves when no task is due now and no handler is running (tests, shutdown). */
  idle(): Promise<void>;
}
