import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { readEnvironment } from '../../src/config/env.js';
import {
  type Database,
  type DialectName,
  openPostgres,
  openSqlite,
  withDefaultUser,
} from '../../src/storage/database.js';
import { migrateToLatest } from '../../src/storage/migrate.js';

export const DIALECTS: DialectName[] = ['sqlite', 'postgres'];

let schemaCounter = 0;

/** The PostgreSQL database `npm test` made for this run (or the machine's `test` database). */
export function postgresTestUrl(): string {
  return withDefaultUser(readEnvironment().testDatabaseUrl ?? 'postgres://127.0.0.1:5432/test');
}

export interface TestDatabase extends Database {
  /** Connection string a second process (the server under test) can use for the same data. */
  url: string;
  dispose(): Promise<void>;
}

/**
 * A fresh, migrated database of the given dialect: a temporary SQLite file, or a new PostgreSQL schema
 * inside the run's database, so suites running side by side never see each other's rows.
 */
export async function createTestDatabase(dialect: DialectName): Promise<TestDatabase> {
  if (dialect === 'sqlite') {
    const dir = mkdtempSync(join(tmpdir(), 'opsroom-test-'));
    const file = join(dir, 'opsroom.sqlite');
    const database = openSqlite(file);
    await migrateToLatest(database);
    return {
      ...database,
      url: `sqlite:${file}`,
      dispose: async () => {
        await database.close();
        rmSync(dir, { recursive: true, force: true });
      },
    };
  }
  const base = postgresTestUrl();
  // Random as well as counted: two copies of this module in one process (or two runs started in the
  // same millisecond) must never share a schema, or one suite's dispose drops the other's tables.
  const schema = `t_${process.pid}_${Date.now()}_${schemaCounter++}_${randomBytes(4).toString('hex')}`;
  const admin = new pg.Client({ connectionString: base });
  await admin.connect();
  await admin.query(`CREATE SCHEMA ${schema}`);
  await admin.end();
  const url = `${base}${base.includes('?') ? '&' : '?'}options=${encodeURIComponent(`-c search_path=${schema},public`)}`;
  const database = openPostgres(url, 5);
  await migrateToLatest(database);
  return {
    ...database,
    url,
    dispose: async () => {
      await database.close();
      // Inside `npm test` the run's own database is dropped whole at the end. Dropping a schema while
      // other suites run is not harmless: Kysely's migrator lists every table of the database, and a
      // relation dropped under that catalog query fails another suite's migration (42P01, seen in CI).
      if (readEnvironment().testDatabaseUrl !== undefined) return;
      const cleanup = new pg.Client({ connectionString: base });
      await cleanup.connect();
      await cleanup.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
      await cleanup.end();
    },
  };
}
