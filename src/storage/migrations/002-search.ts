import { type Kysely, sql } from 'kysely';
import type { DialectName } from '../database.js';

/**
 * Message search indexes.
 *
 * SQLite: two FTS5 indexes over the live (not soft-deleted) messages, both "external content" tables
 * reading from the view `messages_searchable`, so neither stores a second copy of the text:
 * - `messages_trigrams` (trigram tokenizer): every term of 3+ characters is a substring match, which
 *   finds `CONN_RES` in `E_CONN_RESET`, `ployment` in `deployment` and URL paths.
 * - `messages_words` (unicode61, prefix indexes of 1 and 2 characters, detail=none): serves only terms
 *   of 1-2 characters as word-prefix lookups; the trigram index cannot answer those. Such a term is a
 *   single token, so positions are never needed (detail=none keeps the index small).
 * Hits are ordered by time, never ranked, so neither keeps the row sizes BM25 needs (columnsize=0).
 * Triggers keep both in step: a row is indexed while `deleted_at IS NULL`; a soft delete removes it,
 * an undelete restores it and an edit of `text` re-indexes it. As the content view has the same
 * `deleted_at IS NULL` filter, FTS5's 'rebuild' and 'integrity-check' agree with the triggers.
 * `messages_out_of_order` (below) lets before:/after: become bounds on `num`.
 *
 * Both dialects: an index on (user_id, num) for from:@user.
 *
 * PostgreSQL: a pg_trgm GIN index on `text` for substring (ILIKE) terms and a GIN index on
 * `to_tsvector('simple', text)` for short-term prefix lookups, both partial on live messages.
 * The search store must use exactly these expressions (and `deleted_at IS NULL`) to hit the indexes.
 */
export async function up(db: Kysely<unknown>, dialect: DialectName): Promise<void> {
  // from:@user, newest first (and, on SQLite, the user's first and last `num`).
  await db.schema.createIndex('messages_user_num').on('messages').columns(['user_id', 'num']).execute();
  if (dialect === 'sqlite') await upSqlite(db);
  else await upPostgres(db);
}

async function upSqlite(db: Kysely<unknown>): Promise<void> {
  const view = sql`CREATE VIEW messages_searchable AS SELECT num, text FROM messages WHERE deleted_at IS NULL`;
  await view.execute(db);
  await sql`
    CREATE VIRTUAL TABLE messages_trigrams USING fts5(
      text, content='messages_searchable', content_rowid='num', tokenize='trigram', columnsize=0
    )`.execute(db);
  await sql`
    CREATE VIRTUAL TABLE messages_words USING fts5(
      text, content='messages_searchable', content_rowid='num',
      tokenize='unicode61 remove_diacritics 2', prefix='1 2', detail=none, columnsize=0
    )`.execute(db);

  // External-content FTS5 tables must be told the exact old values to remove, so every path that
  // changes what is indexed goes through these triggers (and nothing else writes the FTS tables).
  await sql`
    CREATE TRIGGER messages_search_insert AFTER INSERT ON messages WHEN new.deleted_at IS NULL BEGIN
      INSERT INTO messages_trigrams(rowid, text) VALUES (new.num, new.text);
      INSERT INTO messages_words(rowid, text) VALUES (new.num, new.text);
    END`.execute(db);
  await sql`
    CREATE TRIGGER messages_search_delete AFTER DELETE ON messages WHEN old.deleted_at IS NULL BEGIN
      INSERT INTO messages_trigrams(messages_trigrams, rowid, text) VALUES ('delete', old.num, old.text);
      INSERT INTO messages_words(messages_words, rowid, text) VALUES ('delete', old.num, old.text);
    END`.execute(db);
  // One trigger for edits, soft deletes and undeletes, so the removal always runs before the re-insert.
  await sql`
    CREATE TRIGGER messages_search_update AFTER UPDATE OF text, deleted_at ON messages
    WHEN old.text IS NOT new.text OR (old.deleted_at IS NULL) <> (new.deleted_at IS NULL) BEGIN
      INSERT INTO messages_trigrams(messages_trigrams, rowid, text)
        SELECT 'delete', old.num, old.text WHERE old.deleted_at IS NULL;
      INSERT INTO messages_words(messages_words, rowid, text)
        SELECT 'delete', old.num, old.text WHERE old.deleted_at IS NULL;
      INSERT INTO messages_trigrams(rowid, text) SELECT new.num, new.text WHERE new.deleted_at IS NULL;
      INSERT INTO messages_words(rowid, text) SELECT new.num, new.text WHERE new.deleted_at IS NULL;
    END`.execute(db);

  // `num` follows insertion and `created_at` the clock, so they agree unless a message is stored with
  // an older time than one already there (an import, a clock stepped back). Such rows are listed here;
  // with that list, the search turns before:/after: into exact bounds on `num`, which the FTS5 index
  // can seek to, instead of walking every newer match (see sqlite-search.ts). An extra index lookup
  // per insert pays for it.
  await sql`
    CREATE TABLE messages_out_of_order (
      created_at TEXT NOT NULL, num INTEGER NOT NULL, PRIMARY KEY (created_at, num)
    ) WITHOUT ROWID`.execute(db);
  await sql`
    CREATE TRIGGER messages_time_order_insert AFTER INSERT ON messages
    WHEN new.created_at < (SELECT max(created_at) FROM messages) BEGIN
      INSERT OR IGNORE INTO messages_out_of_order (created_at, num) VALUES (new.created_at, new.num);
    END`.execute(db);
  // Nothing rewrites created_at today; should anything, the row and the later rows it now
  // outdates are listed (stale entries only widen the bounds, so they are never removed).
  await sql`
    CREATE TRIGGER messages_time_order_update AFTER UPDATE OF created_at ON messages BEGIN
      INSERT OR IGNORE INTO messages_out_of_order (created_at, num) VALUES (new.created_at, new.num);
      INSERT OR IGNORE INTO messages_out_of_order (created_at, num)
        SELECT created_at, num FROM messages WHERE num > new.num AND created_at < new.created_at;
    END`.execute(db);
  await sql`
    INSERT INTO messages_out_of_order (created_at, num)
    SELECT created_at, num FROM (
      SELECT created_at, num,
        max(created_at) OVER (ORDER BY num ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) AS latest_before
      FROM messages)
    WHERE created_at < latest_before`.execute(db);

  // Index whatever an existing installation already holds.
  await sql`INSERT INTO messages_trigrams(messages_trigrams) VALUES ('rebuild')`.execute(db);
  await sql`INSERT INTO messages_words(messages_words) VALUES ('rebuild')`.execute(db);
}

async function upPostgres(db: Kysely<unknown>): Promise<void> {
  // Another migration run (or a test run) may create the extension at the same moment; IF NOT EXISTS
  // alone still races on the catalog's unique index, so those two errors mean "it exists" too.
  await sql`
    DO $$ BEGIN
      CREATE EXTENSION IF NOT EXISTS pg_trgm;
    EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL;
    END $$`.execute(db);
  await sql`
    CREATE INDEX messages_text_trgm ON messages USING gin (text gin_trgm_ops)
    WHERE deleted_at IS NULL`.execute(db);
  await sql`
    CREATE INDEX messages_text_tsv ON messages USING gin (to_tsvector('simple'::regconfig, text))
    WHERE deleted_at IS NULL`.execute(db);
}
