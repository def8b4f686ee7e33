import type { Kysely } from 'kysely';

/**
 * Secrets, encrypted with AES-256-GCM (see domains/secrets/cipher.ts). Binary fields are base64 text so
 * both databases store and back them up alike. `key_id` names the key that sealed the row, so a wrong
 * key is reported as such rather than as corruption.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('secrets')
    .addColumn('name', 'text', (c) => c.primaryKey())
    .addColumn('ciphertext', 'text', (c) => c.notNull())
    .addColumn('iv', 'text', (c) => c.notNull())
    .addColumn('auth_tag', 'text', (c) => c.notNull())
    .addColumn('key_id', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .addColumn('updated_by', 'text', (c) => c.notNull())
    .execute();
}
