import type { CancelTimer, Clock } from '../../core/clock.js';

/**
 * Keeps a live card current without flooding the room: `request()` shows it at most once per interval
 * (a change inside the interval is shown when it ends), `request(true)` shows it now. Updates run one
 * after another, never overlapping, so the card never goes back to an older state.
 */
export class CardThrottle {
  private timer: CancelTimer | undefined;
  private lastAtMs = Number.NEGATIVE_INFINITY;
  private chain: Promise<void> = Promise.resolve();

  constructor(
    private readonly clock: Clock,
    private readonly intervalMs: number,
    private readonly show: () => Promise<void>,
    private readonly onError: (error: unknown) => void,
  ) {}

  request(now = false): void {
    if (!now) {
      if (this.timer) return;
      const wait = this.lastAtMs + this.intervalMs - this.clock.nowMs();
      if (wait > 0) {
        this.timer = this.clock.setTimer(wait, () => {
          this.timer = undefined;
          this.request(true);
        });
        return;
      }
    }
    this.stop();
    this.lastAtMs = this.clock.nowMs();
    this.chain = this.chain.then(() => this.show()).catch(this.onError);
  }

  /** Drops a pending delayed update (the next `request(true)` shows the latest state anyway). */
  stop(): void {
    this.timer?.();
    this.timer = undefined;
  }

  /** Resolves when every update asked for so far is done. */
  settled(): Promise<void> {
    return this.chain;
  }
}
