import { type Kysely, type Migration, type MigrationResultSet, Migrator, sql } from 'kysely';
import type { Database, DialectName } from './database.js';
import * as core from './migrations/001-core.js';
import * as search from './migrations/002-search.js';

type DialectMigration = { up(db: Kysely<unknown>, dialect: DialectName): Promise<void> };

/** In order. A migration, once released, is never edited: add a new one. */
const MIGRATIONS: [string, DialectMigration][] = [
  ['001-core', core],
  ['002-search', search],
];

export async function migrateToLatest(database: Database): Promise<MigrationResultSet> {
  const migrations: Record<string, Migration> = {};
  for (const [name, migration] of MIGRATIONS) {
    migrations[name] = { up: (db) => migration.up(db, database.dialect) };
  }
  // Kysely looks for its bookkeeping tables in every schema unless told which one; with several Opsroom
  // schemas in one PostgreSQL database (tests, or tenants) it would find another schema's and skip its own.
  const schema =
    database.dialect === 'postgres'
      ? (await sql<{ schema: string }>`select current_schema() as schema`.execute(database.db)).rows[0]
          ?.schema
      : undefined;
  const migrator = new Migrator({
    db: database.db,
    ...(schema === undefined ? {} : { migrationTableSchema: schema }),
    provider: { getMigrations: async () => migrations },
    migrationTableName: 'opsroom_migrations',
    migrationLockTableName: 'opsroom_migrations_lock',
  });
  const result = await migrator.migrateToLatest();
  if (result.error) throw result.error;
  return result;
}
