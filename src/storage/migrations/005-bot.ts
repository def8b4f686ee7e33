import type { Kysely } from 'kysely';

/**
 * Which messages the bot has taken on. Claiming a message is an insert that only one node (or one
 * handler after a restart) can win, so each message gets exactly one reply.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('bot_claims')
    .addColumn('message_id', 'text', (c) => c.primaryKey())
    .addColumn('claimed_at', 'text', (c) => c.notNull())
    .execute();
}
