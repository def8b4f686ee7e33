import { mkdirSync } from 'node:fs';
import { userInfo } from 'node:os';
import { join, resolve } from 'node:path';
import SqliteDatabase from 'better-sqlite3';
import {
  CamelCasePlugin,
  CompiledQuery,
  type DatabaseConnection,
  type Driver,
  Kysely,
  PostgresDialect,
  SqliteDialect,
  type SqliteDialectConfig,
  SqliteDriver,
} from 'kysely';
import pg from 'pg';
import type { DB } from './tables.js';
import { type CheckpointResult, WalCheckpointer } from './wal-checkpointer.js';

export type DialectName = 'sqlite' | 'postgres';

export interface Database {
  db: Kysely<DB>;
  dialect: DialectName;
  /** Where the data lives, for logs: a file path or a redacted URL. */
  location: string;
  /** The raw SQLite handle, for online backup; absent on PostgreSQL. */
  sqlite?: SqliteDatabase.Database;
  /**
   * A number that changes whenever another connection (another process: an offline CLI beside the
   * server) commits to the database, for caches of rows this process otherwise keeps up to date
   * itself. Absent on PostgreSQL, where no such signal exists: there, nothing may be cached.
   */
  dataVersion?: () => number;
  close(): Promise<void>;
}

export interface DatabaseOptions {
  dataDir: string;
  databaseUrl?: string | undefined;
  /** Pool size on PostgreSQL. */
  maxConnections?: number;
}

export function isPostgresUrl(url: string | undefined): boolean {
  return url !== undefined && /^postgres(ql)?:\/\//.test(url);
}

export function redactUrl(url: string): string {
  return url.replace(/\/\/([^:/@]+):([^@]+)@/, '//$1:***@');
}

export function openDatabase(options: DatabaseOptions): Database {
  if (options.databaseUrl !== undefined && isPostgresUrl(options.databaseUrl))
    return openPostgres(options.databaseUrl, options.maxConnections ?? 10);
  return openSqlite(sqliteFileFor(options));
}

/** Where the SQLite database lives: an explicit `sqlite:` URL, or `opsroom.sqlite` in the data dir. */
export function sqliteFileFor(options: { dataDir: string; databaseUrl?: string | undefined }): string {
  return options.databaseUrl?.replace(/^sqlite:(\/\/)?/, '') || join(options.dataDir, 'opsroom.sqlite');
}

export interface SqliteOptions {
  /**
   * Who checkpoints the WAL of a database file: `background` (the default), a worker thread with its
   * own connection; `inline`, SQLite itself inside the commit that crosses `wal_autocheckpoint`.
   */
  checkpoint?: 'background' | 'inline';
  /** How often the background checkpointer runs. */
  checkpointIntervalMs?: number;
  /** Each background checkpoint, once done (tests). */
  onCheckpoint?: (result: CheckpointResult) => void;
}

/** Pages in the WAL before a commit checkpoints inline: see openSqlite. */
const INLINE_AUTOCHECKPOINT = 4000;

export function openSqlite(file: string, options: SqliteOptions = {}): Database {
  const inMemory = file === ':memory:' || file === '';
  if (!inMemory) mkdirSync(resolve(file, '..'), { recursive: true });
  const sqlite = new SqliteDatabase(file);
  sqlite.pragma('journal_mode = WAL');
  // NORMAL is durable against a process crash (kill -9) in WAL mode; only power loss can drop commits.
  sqlite.pragma('synchronous = NORMAL');
  // Until the background checkpointer holds its connection (and again if it fails), commits checkpoint
  // inline. The default checkpoint every 1000 pages (4 MB) ran inside the committing write about every
  // second under alert ingest and cost about half its commit time; 16 MB lets fewer, larger
  // checkpoints copy pages that were rewritten several times meanwhile. Durability is unchanged (the
  // WAL is synced as before); only the WAL file grows larger between checkpoints. Measured with 3000
  // transactions of 100 alert-like rows: 12–20% more rows/s, but each (rarer) checkpoint stalls
  // its commit longer (worst transaction 150–190 ms against 55–110 ms): hence the worker.
  sqlite.pragma(`wal_autocheckpoint = ${INLINE_AUTOCHECKPOINT}`);
  sqlite.pragma('foreign_keys = ON');
  sqlite.pragma('busy_timeout = 5000');
  const db = new Kysely<DB>({
    dialect: new ImmediateSqliteDialect(withStatementCache(sqlite)),
    plugins: [new CamelCasePlugin()],
  });
  let closing = false;
  const checkpointer =
    inMemory || (options.checkpoint ?? 'background') === 'inline'
      ? undefined
      : new WalCheckpointer({
          file,
          resolveFrom: import.meta.url,
          ...(options.checkpointIntervalMs === undefined ? {} : { intervalMs: options.checkpointIntervalMs }),
          ...(options.onCheckpoint ? { onCheckpoint: options.onCheckpoint } : {}),
          onReady: () => {
            if (!closing) sqlite.pragma('wal_autocheckpoint = 0');
          },
          onFailed: () => {
            if (!closing) sqlite.pragma(`wal_autocheckpoint = ${INLINE_AUTOCHECKPOINT}`);
          },
        });
  const dataVersion = sqlite.prepare('PRAGMA data_version').pluck();
  return {
    db,
    dialect: 'sqlite',
    location: file,
    sqlite,
    dataVersion: () => dataVersion.get() as number,
    close: async () => {
      closing = true;
      // The worker closes first, so this connection is the last one: closing it checkpoints the whole
      // WAL and removes the file, as before.
      await checkpointer?.stop();
      await db.destroy();
      // Kysely closes the connection only if it ever used it (backup uses `sqlite` alone).
      if (sqlite.open) sqlite.close();
    },
  };
}

/**
 * Kysely begins SQLite transactions DEFERRED: the first SELECT takes a read snapshot and the first
 * write then asks for the write lock. If another connection holds it at that moment (the WAL
 * checkpoint worker's RESTART, an offline CLI), SQLite refuses at once with SQLITE_BUSY instead of
 * waiting out the busy timeout, since waiting while holding a snapshot could deadlock. This process
 * has one connection, so taking the write lock at BEGIN (IMMEDIATE) costs nothing and makes the busy
 * timeout apply.
 */
class ImmediateSqliteDriver extends SqliteDriver {
  override async beginTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw('begin immediate'));
  }
}

class ImmediateSqliteDialect extends SqliteDialect {
  constructor(private readonly database: SqliteDialectConfig['database']) {
    super({ database });
  }

  override createDriver(): Driver {
    return new ImmediateSqliteDriver({ database: this.database });
  }
}

const STATEMENT_CACHE_SIZE = 500;

/**
 * Kysely prepares every query afresh; on the hot paths (posting, auth) preparing costs more than
 * running. Queries are parameterised, so the SQL text repeats and its prepared statement can be
 * reused. Kysely runs one query at a time on the connection, so a cached statement is never busy.
 */
function withStatementCache(sqlite: SqliteDatabase.Database) {
  const cache = new Map<string, SqliteDatabase.Statement>();
  return {
    close: () => sqlite.close(),
    prepare(sqlText: string) {
      let statement = cache.get(sqlText);
      if (statement === undefined) {
        statement = sqlite.prepare(sqlText);
        if (cache.size >= STATEMENT_CACHE_SIZE) cache.delete(cache.keys().next().value!);
        cache.set(sqlText, statement);
      }
      return statement;
    },
  };
}

const INT8_OID = 20;

/** libpq falls back to the OS user when a URL names none; pg only looks at $USER, which may be unset. */
export function withDefaultUser(url: string): string {
  const parsed = new URL(url);
  if (parsed.username !== '') return url;
  parsed.username = userInfo().username;
  return parsed.toString();
}

export function openPostgres(url: string, maxConnections: number): Database {
  const pool = new pg.Pool({
    connectionString: withDefaultUser(url),
    max: maxConnections,
    // Row counts and identities fit in a double here; strings would leak into every caller.
    types: {
      getTypeParser: ((oid: number, format?: string) =>
        oid === INT8_OID
          ? (value: string) => Number(value)
          : pg.types.getTypeParser(oid, format as 'text')) as never,
    },
  });
  const db = new Kysely<DB>({ dialect: new PostgresDialect({ pool }), plugins: [new CamelCasePlugin()] });
  return { db, dialect: 'postgres', location: redactUrl(url), close: () => db.destroy() };
}
