import type SqliteDatabase from 'better-sqlite3';
import { type Kysely, sql, type Transaction } from 'kysely';
import type { DB } from './tables.js';

/** Runs `work` in a transaction of its own or a shared one; resolves after the commit. */
export interface Transactor {
  execute<T>(work: (trx: Transaction<DB>) => Promise<T>): Promise<T>;
}

/** A transaction of its own for each `work` (no batching). */
export function ownTransactions(db: Kysely<DB>): Transactor {
  return { execute: (work) => db.transaction().execute(work) };
}

interface Queued {
  work: (trx: Transaction<DB>) => Promise<unknown>;
  resolve: (value: unknown) => void;
  reject: (error: unknown) => void;
}

/** At most this many pieces of work share a commit (a bound on how long one transaction holds the lock). */
const MAX_BATCH = 64;

/**
 * Group commit for work that arrives in bursts (alert card flushes: one per new group, a burst of
 * them after each ingest commit). Work queued during one turn of the event loop shares ONE
 * transaction, each piece inside a savepoint of its own: a piece that throws is rolled back to its
 * savepoint and rejected alone, the others commit. Each caller is answered only after the shared
 * commit (a commit that fails rejects them all), in the order they queued, so what they publish after
 * their commit goes out in the order it was written.
 *
 * Why: on SQLite each commit of a small transaction writes its pages to the WAL and a segment per
 * full-text index, and holds the write lock the ingest thread needs; twenty flushes in one commit cost
 * little more than one. On PostgreSQL it saves a WAL flush per piece.
 *
 * The work must write through `trx` only (never the root database: on SQLite its single connection is
 * the one the shared transaction holds).
 */
export class GroupCommit implements Transactor {
  readonly #queue: Queued[] = [];
  #draining = false;
  #commits = 0;
  readonly #savepoint: { begin(): void; release(): void; rollback(): void } | undefined;

  constructor(
    private readonly db: Kysely<DB>,
    /** The raw SQLite handle Kysely's driver uses: savepoints as cached statements (absent on PostgreSQL). */
    sqlite?: SqliteDatabase.Database,
    private readonly maxBatch = MAX_BATCH,
  ) {
    if (sqlite) {
      const begin = sqlite.prepare('savepoint group_commit_item');
      const release = sqlite.prepare('release savepoint group_commit_item');
      const rollback = sqlite.prepare('rollback to savepoint group_commit_item');
      this.#savepoint = {
        begin: () => begin.run(),
        release: () => release.run(),
        rollback: () => rollback.run(),
      };
    }
  }

  /** Transactions this committer has run (however many pieces each held). */
  get commits(): number {
    return this.#commits;
  }

  execute<T>(work: (trx: Transaction<DB>) => Promise<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.#queue.push({ work, resolve: resolve as (value: unknown) => void, reject });
      if (this.#draining) return;
      this.#draining = true;
      // One turn first: the work queued by the same burst (every flush due at once) joins this commit.
      setImmediate(() => void this.#drain());
    });
  }

  async #drain(): Promise<void> {
    try {
      while (this.#queue.length > 0) {
        const batch = this.#queue.splice(0, this.maxBatch);
        this.#commits++;
        if (batch.length === 1) {
          const only = batch[0]!;
          await this.db.transaction().execute(only.work).then(only.resolve, only.reject);
          continue;
        }
        const outcomes: ({ ok: true; value: unknown } | { ok: false; error: unknown })[] = [];
        try {
          await this.db.transaction().execute(async (trx) => {
            for (const piece of batch) {
              await this.#begin(trx);
              try {
                outcomes.push({ ok: true, value: await piece.work(trx) });
                await this.#release(trx);
              } catch (error) {
                outcomes.push({ ok: false, error });
                await this.#rollback(trx);
              }
            }
          });
        } catch (error) {
          for (const piece of batch) piece.reject(error);
          continue;
        }
        for (const [i, piece] of batch.entries()) {
          const outcome = outcomes[i]!;
          if (outcome.ok) piece.resolve(outcome.value);
          else piece.reject(outcome.error);
        }
      }
    } finally {
      this.#draining = false;
    }
  }

  async #begin(trx: Transaction<DB>): Promise<void> {
    if (this.#savepoint) this.#savepoint.begin();
    else await sql`savepoint group_commit_item`.execute(trx);
  }

  async #release(trx: Transaction<DB>): Promise<void> {
    if (this.#savepoint) this.#savepoint.release();
    else await sql`release savepoint group_commit_item`.execute(trx);
  }

  /** Undoes the piece's writes; the savepoint is released too, so the next piece starts clean. */
  async #rollback(trx: Transaction<DB>): Promise<void> {
    if (this.#savepoint) {
      this.#savepoint.rollback();
      this.#savepoint.release();
      return;
    }
    await sql`rollback to savepoint group_commit_item`.execute(trx);
    await sql`release savepoint group_commit_item`.execute(trx);
  }
}
