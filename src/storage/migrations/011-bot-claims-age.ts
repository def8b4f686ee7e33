import type { Kysely } from 'kysely';

/**
 * Claims are kept only as long as a message could be handed to the bot again (a node catching up, a
 * retried event), then pruned by age: an index on `claimed_at` lets the prune read only the old rows
 * instead of the whole table.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.createIndex('bot_claims_claimed_at').on('bot_claims').columns(['claimed_at']).execute();
}
