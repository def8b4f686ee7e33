import type { Kysely } from 'kysely';

/**
 * The scopes of the token a proposal was made with (a JSON array; null for a session, which has
 * none). An approved run is the requester's, approved by someone else: it runs with no more than
 * that token allowed, not with everything the requester's roles allow.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('bot_proposals').addColumn('requester_scopes', 'text').execute();
}
