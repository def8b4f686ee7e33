import type { Clock } from '../../core/clock.js';

/**
 * Counts changes of state (fired, resolved) per key over a sliding window: `changes` of them within
 * `windowMs` and the key is flapping. In memory: a restart forgets recent history, which only delays
 * the next flapping verdict. Keys idle for a window are dropped so the map does not grow forever.
 */
export class FlapDetector {
  /**
   * A key's change times: one number for a key with one change in the window (nearly every alert
   * fires once), an array once it has more. An alert storm records a hundred thousand first changes,
   * and an array for each was work for the garbage collector of the ingest thread.
   */
  readonly #changes = new Map<string, number | number[]>();
  #lastSweepMs = 0;

  constructor(
    private readonly clock: Clock,
    private readonly settings: { changes: number; windowMs: number },
  ) {}

  /** Records a change of state; true when the key is now flapping. */
  record(key: string): boolean {
    const now = this.clock.nowMs();
    this.#sweep(now);
    const entry = this.#changes.get(key);
    if (entry === undefined) {
      this.#changes.set(key, now);
      return this.settings.changes <= 1;
    }
    const since = now - this.settings.windowMs;
    if (typeof entry === 'number') {
      if (entry <= since) {
        this.#changes.set(key, now);
        return this.settings.changes <= 1;
      }
      this.#changes.set(key, [entry, now]);
      return this.settings.changes <= 2;
    }
    // Keeps the times still in the window, in place.
    let kept = 0;
    for (const t of entry) if (t > since) entry[kept++] = t;
    entry.length = kept;
    entry.push(now);
    return entry.length >= this.settings.changes;
  }

  isFlapping(key: string): boolean {
    const since = this.clock.nowMs() - this.settings.windowMs;
    const entry = this.#changes.get(key) ?? [];
    const times = typeof entry === 'number' ? [entry] : entry;
    return times.filter((t) => t > since).length >= this.settings.changes;
  }

  #sweep(now: number): void {
    if (now - this.#lastSweepMs < this.settings.windowMs) return;
    this.#lastSweepMs = now;
    const since = now - this.settings.windowMs;
    for (const [key, entry] of this.#changes) {
      const last = typeof entry === 'number' ? entry : (entry[entry.length - 1] ?? 0);
      if (last <= since) this.#changes.delete(key);
    }
  }
}
