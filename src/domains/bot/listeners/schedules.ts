/**
 * Cron schedules. croner only computes the next run time; the injected Clock arms the timer, so
 * tests drive schedules with FakeClock. Each run claims `schedule:<id>:<iso time>`: with several
 * nodes (or a timer that fires twice) exactly one runs it. Runs missed while no node was up are
 * skipped, not caught up: a 9 a.m. report at 3 p.m. helps nobody.
 */
import { Cron } from 'croner';
import type { CancelTimer, Clock } from '../../../core/clock.js';
import { ConflictError, ValidationError } from '../../../core/errors.js';
import type { Claim } from './claims.js';
import type { InFlight } from './in-flight.js';

export interface ScheduleContext {
  /** The schedule's id. */
  readonly id: string;
  /** The moment this run was due (the claim's key), not when the timer happened to fire. */
  readonly scheduledAt: Date;
}

export type ScheduleHandler = (context: ScheduleContext) => void | Promise<void>;

export interface ScheduleOptions {
  /** Stable id for the exactly-once claim; default `cron:<n>`. Must be unique. */
  id?: string;
  /** IANA time zone the pattern is read in, e.g. `Europe/Oslo`; default UTC. */
  timezone?: string;
}

interface Entry {
  id: string;
  pattern: string;
  cron: Cron;
  handler: ScheduleHandler;
  cancel: CancelTimer | undefined;
  next: Date | undefined;
}

export class Schedules {
  private readonly entries = new Map<string, Entry>();
  private counter = 0;
  private stopped = false;

  constructor(
    private readonly deps: {
      clock: Clock;
      claim: Claim;
      inFlight: InFlight;
      onError: (error: unknown, context: Record<string, unknown>) => void;
    },
  ) {}

  /**
   * Adds a schedule and arms it; returns the function that removes it. A bad pattern or time zone
   * is a ValidationError that names it.
   */
  add(pattern: string, handler: ScheduleHandler, options: ScheduleOptions = {}): () => void {
    const id = options.id ?? `cron:${++this.counter}`;
    if (this.entries.has(id)) throw new ConflictError(`schedule '${id}' already exists`);
    let cron: Cron;
    try {
      cron = new Cron(pattern, { timezone: options.timezone ?? 'Etc/UTC' });
      cron.nextRun(this.deps.clock.now());
    } catch (error) {
      throw new ValidationError(
        `schedule '${id}': bad cron pattern '${pattern}': ${(error as Error).message}`,
      );
    }
    const entry: Entry = { id, pattern, cron, handler, cancel: undefined, next: undefined };
    this.entries.set(id, entry);
    this.arm(entry, this.deps.clock.now());
    return () => {
      entry.cancel?.();
      this.entries.delete(id);
    };
  }

  /** When a schedule runs next (undefined when it never will, or it is not known). */
  nextRun(id: string): Date | undefined {
    return this.entries.get(id)?.next;
  }

  /** Cancels every timer; nothing fires or re-arms afterwards. */
  stop(): void {
    this.stopped = true;
    for (const entry of this.entries.values()) entry.cancel?.();
    this.entries.clear();
  }

  get size(): number {
    return this.entries.size;
  }

  private arm(entry: Entry, from: Date): void {
    if (this.stopped || this.entries.get(entry.id) !== entry) return;
    const next = entry.cron.nextRun(from) ?? undefined;
    entry.next = next;
    entry.cancel = undefined;
    if (next === undefined) return;
    entry.cancel = this.deps.clock.setTimer(next.getTime() - this.deps.clock.nowMs(), () =>
      this.fire(entry, next),
    );
  }

  private fire(entry: Entry, scheduledAt: Date): void {
    if (this.stopped || this.entries.get(entry.id) !== entry) return;
    // Re-arm from the later of "now" and the due time: a timer that fires a little early must not
    // pick the same minute again, and one that fires late must not replay the minutes it missed.
    const now = this.deps.clock.nowMs();
    this.arm(entry, new Date(Math.max(now, scheduledAt.getTime())));
    this.deps.inFlight.track(this.run(entry, scheduledAt), (error) =>
      this.deps.onError(error, { schedule: entry.id, scheduledAt: scheduledAt.toISOString() }),
    );
  }

  private async run(entry: Entry, scheduledAt: Date): Promise<void> {
    if (!(await this.deps.claim(`schedule:${entry.id}:${scheduledAt.toISOString()}`))) return;
    await entry.handler({ id: entry.id, scheduledAt });
  }
}
