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

export type TaskHandler = (task: ScheduledTask) => Promise<void>;

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
  cancel(key: string): Promise<void>;
  /** Loads every stored task and arms it (overdue ones run at once). */
  start(): Promise<void>;
  /** Disarms; running handlers finish. */
  stop(): Promise<void>;
  /** Resolves when no task is due now and no handler is running (tests, shutdown). */
  idle(): Promise<void>;
}
