import type { Kysely } from 'kysely';
import type { Clock } from '../../../core/clock.js';
import type { DB } from '../../../storage/tables.js';
import '../table.js';

/** True for the one caller (on any node) that records `key` first; false for every later one. */
export type Claim = (key: string) => Promise<boolean>;

/**
 * Claims share the dispatcher's `bot_claims` table: an insert that only one node can win. Keys are
 * namespaced so they never collide with message ids: `<messageId>:hear:<listener>`,
 * `schedule:<id>:<iso time>`, `event:<listener>:<roomId>:<seq>`.
 */
export function createClaim(db: Kysely<DB>, clock: Clock): Claim {
  return async (key) => {
    const result = await db
      .insertInto('botClaims')
      .values({ messageId: key, claimedAt: clock.now().toISOString() })
      .onConflict((oc) => oc.doNothing())
      .executeTakeFirst();
    return Number(result.numInsertedOrUpdatedRows ?? 0) > 0;
  };
}
