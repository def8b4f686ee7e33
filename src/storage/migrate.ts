import { type Kysely, type Migration, type MigrationResultSet, Migrator } from 'kysely';
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
  const migrator = new Migrator({
    db: database.db,
    provider: { getMigrations: async () => migrations },
    migrationTableName: 'opsroom_migrations',
    migrationLockTableName: 'opsroom_migrations_lock',
  });
  const result = await migrator.migrateToLatest();
  if (result.error) throw result.error;
  return result;
}
