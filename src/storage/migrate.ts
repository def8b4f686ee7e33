import { type Kysely, type Migration, type MigrationResultSet, Migrator, sql } from 'kysely';
import type { Database, DialectName } from './database.js';
import * as core from './migrations/001-core.js';
import * as search from './migrations/002-search.js';
import * as audit from './migrations/003-audit.js';
import * as secrets from './migrations/004-secrets.js';
import * as bot from './migrations/005-bot.js';
import * as jobs from './migrations/006-jobs.js';
import * as deploys from './migrations/007-deploys.js';
import * as alerts from './migrations/008-alerts.js';
import * as filesAndReads from './migrations/009-files-and-reads.js';
import * as jobProcesses from './migrations/010-job-processes.js';
import * as botClaimsAge from './migrations/011-bot-claims-age.js';
import * as alertsPgLookups from './migrations/012-alerts-pg-lookups.js';
import * as alertsStartIndex from './migrations/013-alerts-start-index.js';
import * as alertsNoCreatedIndex from './migrations/014-alerts-no-created-index.js';
import * as alertMembershipsWithoutRowid from './migrations/015-alert-memberships-without-rowid.js';
import * as proposalRequesterScopes from './migrations/016-proposal-requester-scopes.js';

type DialectMigration = { up(db: Kysely<unknown>, dialect: DialectName): Promise<void> };

/** In order. A migration, once released, is never edited: add a new one. */
const MIGRATIONS: [string, DialectMigration][] = [
  ['001-core', core],
  ['002-search', search],
  ['003-audit', audit],
  ['004-secrets', secrets],
  ['005-bot', bot],
  ['006-jobs', jobs],
  ['007-deploys', deploys],
  ['008-alerts', alerts],
  ['009-files-and-reads', filesAndReads],
  ['010-job-processes', jobProcesses],
  ['011-bot-claims-age', botClaimsAge],
  ['012-alerts-pg-lookups', alertsPgLookups],
  ['013-alerts-start-index', alertsStartIndex],
  ['014-alerts-no-created-index', alertsNoCreatedIndex],
  ['015-alert-memberships-without-rowid', alertMembershipsWithoutRowid],
  ['016-proposal-requester-scopes', proposalRequesterScopes],
];

export async function migrateToLatest(database: Database): Promise<MigrationResultSet> {
  return migrateUpTo(database);
}

/** Runs the migrations up to and including `last` (all of them when absent): upgrade tests start older. */
export async function migrateUpTo(database: Database, last?: string): Promise<MigrationResultSet> {
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
    // Features land in parallel, so a database may have run 005 before 003 existed; each migration
    // is independent and runs once, whatever order it arrives in.
    allowUnorderedMigrations: true,
  });
  const result = last === undefined ? await migrator.migrateToLatest() : await migrator.migrateTo(last);
  if (result.error) throw result.error;
  return result;
}
