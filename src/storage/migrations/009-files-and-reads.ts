import type { Kysely } from 'kysely';
import type { DialectName } from '../database.js';

/**
 * Attachments and read markers. A file's bytes live under `<dataDir>/files/` named by sha256 (the same
 * content is stored once); `files` holds who uploaded what where, and `messages.files` the attachment
 * list shown with a message. `read_markers` is one row per (room, user): the last seq seen and the
 * message number it corresponds to, from which unread counts are taken.
 */
export async function up(db: Kysely<unknown>, dialect: DialectName): Promise<void> {
  await db.schema
    .createTable('files')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('room_id', 'text', (c) => c.notNull().references('rooms.id').onDelete('cascade'))
    .addColumn('message_id', 'text', (c) => c.notNull())
    .addColumn('uploader_id', 'text', (c) => c.notNull())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('content_type', 'text', (c) => c.notNull())
    .addColumn('size', dialect === 'sqlite' ? 'integer' : 'bigint', (c) => c.notNull())
    .addColumn('sha256', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('files_message').on('files').columns(['message_id']).execute();
  await db.schema.createIndex('files_sha256').on('files').columns(['sha256']).execute();

  await db.schema.alterTable('messages').addColumn('files', 'text').execute();

  await db.schema
    .createTable('read_markers')
    .addColumn('room_id', 'text', (c) => c.notNull().references('rooms.id').onDelete('cascade'))
    .addColumn('user_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('last_seq', 'integer', (c) => c.notNull())
    .addColumn('last_num', dialect === 'sqlite' ? 'integer' : 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('read_markers_pk', ['room_id', 'user_id'])
    .execute();
}
