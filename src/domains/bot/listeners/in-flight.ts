/** Handlers run in the background of a bus event or a timer; this keeps them so `drain()` can wait. */
export class InFlight {
  private readonly running = new Set<Promise<unknown>>();

  /** Runs `work` in the background; a failure goes to `onError`, never to the caller. */
  track(work: Promise<unknown>, onError: (error: unknown) => void): void {
    const guarded = work.catch(onError);
    this.running.add(guarded);
    void guarded.finally(() => this.running.delete(guarded));
  }

  /** Resolves once everything started so far (and anything it started) has finished. */
  async drain(): Promise<void> {
    while (this.running.size > 0) await Promise.allSettled([...this.running]);
  }

  get size(): number {
    return this.running.size;
  }
}
