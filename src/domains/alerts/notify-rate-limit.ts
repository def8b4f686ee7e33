import type { Clock } from '../../core/clock.js';

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
