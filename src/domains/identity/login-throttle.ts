import type { Clock } from '../../core/clock.js';
import { RateLimitedError } from '../../core/errors.js';

/**
 * Fixed-window attempt counter per key (username and client address separately), so neither
 * guessing one account's password nor spraying many accounts from one address gets far.
 */
export class LoginThrottle {
  private readonly windows = new Map<string, { startedMs: number; count: number }>();

  constructor(
    private readonly clock: Clock,
    private readonly maxPerMinute: number,
  ) {}

  /** Counts an attempt for every key; throws RateLimitedError when any of them is over the limit. */
  hit(keys: string[]): void {
    const now = this.clock.nowMs();
    let retryAfterMs = 0;
    for (const key of keys) {
      let window = this.windows.get(key);
      if (!window || now - window.startedMs >= 60_000) {
        window = { startedMs: now, count: 0 };
        this.windows.set(key, window);
      }
      window.count++;
      if (window.count > this.maxPerMinute)
        retryAfterMs = Math.max(retryAfterMs, 60_000 - (now - window.startedMs));
    }
    if (this.windows.size > 10_000) this.sweep(now);
    if (retryAfterMs > 0) throw new RateLimitedError(Math.ceil(retryAfterMs / 1000));
  }

  private sweep(now: number): void {
    for (const [key, window] of this.windows) if (now - window.startedMs >= 60_000) this.windows.delete(key);
  }
}
