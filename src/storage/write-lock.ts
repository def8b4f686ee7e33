/**
 * A fair write lock shared by the threads that write one SQLite file, each on its own connection (the
 * main thread, the alert ingest worker). SQLite keeps their writes correct by itself, but a connection
 * that finds the write lock taken waits in SQLite's busy handler, which sleeps 1, 2, 5, 10… ms between
 * tries and serves nobody in order: beside a thread committing back to back, the other one sleeps in
 * ms steps or starves. Every writer takes this lock BEFORE it begins a write transaction, so writers
 * queue here, in ticket order, and wake as soon as the previous one is done; none ever waits inside
 * SQLite.
 *
 * A FIFO ticket lock over a SharedArrayBuffer: [next ticket, ticket served, steals by any thread]. Each thread makes its own
 * instance over the same buffer (`new WriteLock(buffer)`, the buffer sent in `workerData`), and only
 * one per buffer: the instance counts its holds, so a thread that already holds it takes it again
 * without waiting (a better-sqlite3 transaction run as a savepoint inside a Kysely one; on the main
 * thread, another async task that writes while a transaction is open on the same connection). A thread
 * never waits for itself.
 *
 * Waiting blocks the thread (`Atomics.wait`, allowed on Node's main thread): hold the lock only around
 * work on the connection, never while awaiting the other thread. The safety valve: when the ticket
 * served has not moved for `stealAfterMs` (its holder is stuck or its thread died holding it), a
 * waiter moves it on and counts it in `stolen`. The lock only spares the busy handler; SQLite still
 * keeps the writes correct if two ever meet, so a dead holder must not hang the server.
 */

const NEXT = 0;
const SERVING = 1;
const STEALS = 2;
const CELLS = 3;

export interface WriteLockOptions {
  /** How long the ticket served may stand still before a waiter moves it on. */
  stealAfterMs?: number;
}

export class WriteLock {
  /** Shared with every thread that writes the same file: send it in `workerData`. */
  readonly buffer: SharedArrayBuffer;
  readonly #cells: Int32Array;
  readonly #stealAfterMs: number;
  /** Holds of this thread: acquires not yet released. */
  #depth = 0;
  #ticket = 0;
  #stolen = 0;
  /** Tickets this instance drew. */
  #drawn = 0;

  constructor(buffer?: SharedArrayBuffer, options: WriteLockOptions = {}) {
    this.buffer = buffer ?? new SharedArrayBuffer(CELLS * Int32Array.BYTES_PER_ELEMENT);
    this.#cells = new Int32Array(this.buffer, 0, CELLS);
    this.#stealAfterMs = options.stealAfterMs ?? 10_000;
  }

  /** Times this thread moved the lock on from a holder that kept it `stealAfterMs`. */
  get stolen(): number {
    return this.#stolen;
  }

  /** Times any thread sharing this lock moved it on (the metric `opsroom_sqlite_write_lock_steals`). */
  get stolenByAny(): number {
    return Atomics.load(this.#cells, STEALS);
  }

  /**
   * Tickets drawn by the other threads sharing the lock (the alert ingest thread's transactions): it
   * moves when one of them may have written, which tells their commits from another process's.
   */
  get drawnByOthers(): number {
    return (Atomics.load(this.#cells, NEXT) - this.#drawn) | 0;
  }

  /** The ticket of this thread's hold (tests: grants follow tickets). */
  get ticket(): number {
    return this.#ticket;
  }

  /** Whether this thread holds the lock. */
  get held(): boolean {
    return this.#depth > 0;
  }

  /**
   * Waits for this thread's turn (at once if it already holds the lock). True when the turn came only
   * because this thread moved the lock on from a holder that kept it too long.
   */
  acquire(): boolean {
    if (this.#depth > 0) {
      this.#depth++;
      return false;
    }
    const cells = this.#cells;
    let ticket = Atomics.add(cells, NEXT, 1);
    this.#drawn++;
    let stole = false;
    let seen = Atomics.load(cells, SERVING);
    let since = performance.now();
    while (seen !== ticket) {
      if (((seen - ticket) | 0) > 0) {
        // Our turn came and went while this thread was slow to wake (another waiter moved it on): queue
        // again rather than wait for a ticket that will never be served again.
        ticket = Atomics.add(cells, NEXT, 1);
        this.#drawn++;
        continue;
      }
      const left = since + this.#stealAfterMs - performance.now();
      if (left <= 0) {
        // Nobody released for stealAfterMs: skip the ticket served. Only one waiter wins this; the
        // others see the new value and start their wait over.
        if (Atomics.compareExchange(cells, SERVING, seen, (seen + 1) | 0) === seen) {
          this.#stolen++;
          Atomics.add(cells, STEALS, 1);
          stole = true;
        }
      } else {
        Atomics.wait(cells, SERVING, seen, left);
      }
      const now = Atomics.load(cells, SERVING);
      if (now !== seen) {
        seen = now;
        since = performance.now();
      }
    }
    this.#ticket = ticket;
    this.#depth = 1;
    return stole;
  }

  /** Ends one hold; the last one lets the next ticket in. */
  release(): void {
    if (this.#depth === 0) throw new Error('WriteLock.release without a matching acquire');
    if (--this.#depth > 0) return;
    // Only if the turn is still ours: a waiter may have moved it on (stolen) while we held it.
    Atomics.compareExchange(this.#cells, SERVING, this.#ticket, (this.#ticket + 1) | 0);
    Atomics.notify(this.#cells, SERVING);
  }

  /**
   * Resolves once nobody holds or waits for the lock (at once if this thread holds it), without
   * blocking the thread. A writer whose work can wait a moment (a transaction about to begin) awaits
   * this first, so its event loop keeps serving while the other thread writes; `acquire` then rarely
   * waits, and only for a transaction begun in between. Gives up after `maxMs` (acquire waits then).
   */
  async whenFree(maxMs = 1000): Promise<void> {
    if (this.#depth > 0) return;
    const cells = this.#cells;
    const deadline = performance.now() + maxMs;
    for (;;) {
      const serving = Atomics.load(cells, SERVING);
      if (serving === Atomics.load(cells, NEXT)) return;
      const left = deadline - performance.now();
      if (left <= 0) return;
      const wait = Atomics.waitAsync(cells, SERVING, serving, left);
      if (!wait.async) continue;
      // An async wait alone does not keep the event loop alive: a process with nothing else to do
      // would end mid-wait.
      const alive = setTimeout(() => {}, left);
      await wait.value;
      clearTimeout(alive);
    }
  }

  run<T>(fn: () => T): T {
    this.acquire();
    try {
      return fn();
    } finally {
      this.release();
    }
  }
}
