import type { Clock } from '../../core/clock.js';

/**
 * Counts changes of state (fired, resolved) per key over a sliding window: `changes` of them within
 * `windowMs` and the key is flapping. In memory: a restart forgets recent history, which only delays
 * the next flapping verdict. Keys idle for a window are dropped so the map does not grow forever.
 */
export class FlapDetector {
  readonly #changes = new Map<string, number[]>();
  #lastSweepMs = 0;

  constructor(
    private readonly clock: Clock,
    private readonly settings: { changes: number; windowMs: number },
  ) {}

  /** Records a change of state; true when the key is now flapping. */
  record(key: string): boolean {
    const now = this.clock.nowMs();
    this.#sweep(now);
    const list = this.#changes.get(key);
    if (list === undefined) {
      // The common case (a fingerprint's first change in the window): no copy, one small array.
      this.#changes.set(key, [now]);
      return this.settings.changes <= 1;
    }
    // Keeps the times still in the window, in place.
    const since = now - this.settings.windowMs;
    let kept = 0;
    for (const t of list) if (t > since) list[kept++] = t;
    list.length = kept;
    list.push(now);
    return list.length >= this.settings.changes;
  }

  isFlapping(key: string): boolean {
    const since = this.clock.nowMs() - this.settings.windowMs;
    return (this.#changes.get(key) ?? []).filter((t) => t > since).length >= this.settings.changes;
  }

  #sweep(now: number): void {
    if (now - this.#lastSweepMs < this.settings.windowMs) return;
    this.#lastSweepMs = now;
    const since = now - this.settings.windowMs;
    for (const [key, list] of this.#changes) {
      if ((list[list.length - 1] ?? 0) <= since) this.#changes.delete(key);
    }
  }
}
