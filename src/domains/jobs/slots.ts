/**
 * Decides when a queued job may start: at most `concurrency` run at once, and a job waits until every
 * named lock it needs (`deploy:api:prod`) is free. Waiting jobs start in arrival order, but a job
 * blocked on a lock does not hold back later jobs that need other locks.
 */
export class JobSlots {
  private running = 0;
  private readonly held = new Set<string>();
  private readonly waiting: { id: number; locks: readonly string[]; start: () => void }[] = [];

  constructor(private readonly concurrency: number) {}

  /** Starts `start` now or when its turn comes. */
  enqueue(id: number, locks: readonly string[], start: () => void): void {
    this.waiting.push({ id, locks, start });
    this.pump();
  }

  /** Removes a job that has not started; true when it was waiting. */
  withdraw(id: number): boolean {
    const index = this.waiting.findIndex((w) => w.id === id);
    if (index < 0) return false;
    this.waiting.splice(index, 1);
    return true;
  }

  /** A started job ended: frees its slot and locks and starts whoever can go next. */
  release(locks: readonly string[]): void {
    this.running--;
    for (const lock of locks) this.held.delete(lock);
    this.pump();
  }

  /** Which lock holds a waiting job back, if any (for its card). */
  blockedBy(id: number): string | undefined {
    const entry = this.waiting.find((w) => w.id === id);
    return entry?.locks.find((lock) => this.held.has(lock));
  }

  get active(): number {
    return this.running;
  }

  private pump(): void {
    for (let i = 0; i < this.waiting.length && this.running < this.concurrency; ) {
      const entry = this.waiting[i]!;
      if (entry.locks.some((lock) => this.held.has(lock))) {
        i++;
        continue;
      }
      this.waiting.splice(i, 1);
      this.running++;
      for (const lock of entry.locks) this.held.add(lock);
      entry.start();
    }
  }
}
