import type { Kysely } from 'kysely';
import type { CancelTimer, Clock } from '../../core/clock.js';
import type { DB } from '../../storage/tables.js';

/** How long a claim is kept: far longer than any catch-up or retry could hand a message over again. */
export const CLAIM_RETENTION_MS = 7 * 24 * 60 * 60 * 1000;
/** How often old claims are pruned. */
export const CLAIM_PRUNE_INTERVAL_MS = 60 * 60 * 1000;
/** Rows per delete statement, so a large backlog never holds the database for long in one go. */
const PRUNE_BATCH = 5_000;

/**
 * Deletes claims older than the retention, a batch at a time, and returns how many went. Every
 * handled message and every fired listener leaves a claim row; without this `bot_claims` grows with
 * the whole history of the chat.
 */
export async function pruneClaims(db: Kysely<DB>, clock: Clock, retentionMs = CLAIM_RETENTION_MS) {
  const cutoff = new Date(clock.nowMs() - retentionMs).toISOString();
  let removed = 0;
  for (;;) {
    const batch = db
      .selectFrom('botClaims')
      .select('messageId')
      .where('claimedAt', '<', cutoff)
      .limit(PRUNE_BATCH);
    const result = await db.deleteFrom('botClaims').where('messageId', 'in', batch).executeTakeFirst();
    const count = Number(result.numDeletedRows ?? 0);
    removed += count;
    if (count < PRUNE_BATCH) return removed;
  }
}

/** Prunes now and then every `intervalMs` of the clock; `stop` cancels it and waits for a prune under way. */
export function startClaimPruner(deps: {
  db: Kysely<DB>;
  clock: Clock;
  onError: (error: unknown) => void;
  intervalMs?: number;
}): { stop(): Promise<void> } {
  let cancel: CancelTimer | undefined;
  let stopped = false;
  let running: Promise<void> = Promise.resolve();
  const run = () => {
    running = pruneClaims(deps.db, deps.clock).then(
      () => undefined,
      (error: unknown) => deps.onError(error),
    );
    void running.then(() => {
      if (!stopped) cancel = deps.clock.setTimer(deps.intervalMs ?? CLAIM_PRUNE_INTERVAL_MS, run);
    });
  };
  run();
  return {
    async stop() {
      stopped = true;
      cancel?.();
      await running;
    },
  };
}
