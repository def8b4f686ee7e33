import type { Clock } from '../../core/clock.js';

/**
 * A token bucket per user: `burst` commands at once, refilled at `perMinute`. Buckets of users who went
 * quiet are dropped, so memory stays bounded by the number of active users.
 */
export class CommandRateLimiter {
  private readonly buckets = new Map<string, { tokens: number; atMs: number }>();
  private readonly perMs: number;

  constructor(
    private readonly clock: Clock,
    private readonly perMinute: number,
    private readonly burst: number,
  ) {
    this.perMs = perMinute / 60_000;
  }

  /** Takes one token; returns 0 when allowed, else the milliseconds until one is available. */
  take(userId: string): number {
    if (this.perMinute === 0) return 0;
    const now = this.clock.nowMs();
    const bucket = this.buckets.get(userId);
    if (bucket === undefined) {
      if (this.buckets.size > 10_000) this.prune(now);
      this.buckets.set(userId, { tokens: this.burst - 1, atMs: now });
      return 0;
    }
    bucket.tokens = Math.min(this.burst, bucket.tokens + (now - bucket.atMs) * this.perMs);
    bucket.atMs = now;
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      return 0;
    }
    return Math.ceil((1 - bucket.tokens) / this.perMs);
  }

  private prune(now: number): void {
    const full = this.burst / this.perMs;
    for (const [id, b] of this.buckets) if (now - b.atMs > full) this.buckets.delete(id);
  }
}
