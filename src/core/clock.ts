/** Cancels a timer made with `Clock.setTimer`; calling it twice is harmless. */
export type CancelTimer = () => void;

/**
 * The only source of time, and of timers. Production uses SystemClock; tests use FakeClock and advance
 * it, which fires the timers that fall due, in order, without waiting.
 */
export interface Clock {
  now(): Date;
  nowMs(): number;
  /** Runs `fn` once after `ms` milliseconds of this clock's time. */
  setTimer(ms: number, fn: () => void): CancelTimer;
}

export class SystemClock implements Clock {
  now(): Date {
    return new Date();
  }
  nowMs(): number {
    return Date.now();
  }
  setTimer(ms: number, fn: () => void): CancelTimer {
    // Node caps timers at 2^31-1 ms (about 24.8 days); longer waits re-arm in steps.
    const MAX = 2_147_483_647;
    let handle: NodeJS.Timeout;
    const arm = (left: number) => {
      handle = setTimeout(() => (left > MAX ? arm(left - MAX) : fn()), Math.min(Math.max(left, 0), MAX));
      handle.unref?.();
    };
    arm(ms);
    return () => clearTimeout(handle);
  }
}

interface FakeTimer {
  dueMs: number;
  order: number;
  fn: () => void;
}

export class FakeClock implements Clock {
  private ms: number;
  private timers: FakeTimer[] = [];
  private order = 0;

  constructor(start: Date | string | number = '2026-01-01T00:00:00.000Z') {
    this.ms = new Date(start).getTime();
  }
  now(): Date {
    return new Date(this.ms);
  }
  nowMs(): number {
    return this.ms;
  }
  setTimer(ms: number, fn: () => void): CancelTimer {
    const timer: FakeTimer = { dueMs: this.ms + Math.max(ms, 0), order: this.order++, fn };
    this.timers.push(timer);
    return () => {
      this.timers = this.timers.filter((t) => t !== timer);
    };
  }
  /** Timers not yet fired (tests check that work was scheduled, or cleaned up). */
  pendingTimers(): number {
    return this.timers.length;
  }
  /** Moves time forward, firing every timer that falls due on the way, earliest first. */
  advance(ms: number): void {
    this.runUntil(this.ms + ms);
  }
  /** Jumps to a moment; timers due by then fire (time never moves backwards for timers). */
  set(to: Date | string | number): void {
    const target = new Date(to).getTime();
    if (target <= this.ms) {
      this.ms = target;
      return;
    }
    this.runUntil(target);
  }
  /** Advances, then lets promise callbacks that the fired timers started run (async handlers). */
  async advanceAsync(ms: number): Promise<void> {
    const target = this.ms + ms;
    for (;;) {
      const next = this.nextDue(target);
      if (next === undefined) break;
      this.fire(next);
      await flushMicrotasks();
    }
    this.ms = target;
    await flushMicrotasks();
  }

  private runUntil(target: number): void {
    for (;;) {
      const next = this.nextDue(target);
      if (next === undefined) break;
      this.fire(next);
    }
    this.ms = target;
  }

  private nextDue(target: number): FakeTimer | undefined {
    let next: FakeTimer | undefined;
    for (const t of this.timers) {
      if (t.dueMs > target) continue;
      if (!next || t.dueMs < next.dueMs || (t.dueMs === next.dueMs && t.order < next.order)) next = t;
    }
    return next;
  }

  private fire(timer: FakeTimer): void {
    this.timers = this.timers.filter((t) => t !== timer);
    this.ms = Math.max(this.ms, timer.dueMs);
    timer.fn();
  }
}

/** Lets queued promise callbacks (and one round of I/O callbacks) run. */
export async function flushMicrotasks(): Promise<void> {
  await new Promise<void>((resolve) => setImmediate(resolve));
}
