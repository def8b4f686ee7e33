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
  type QueryResult,
  SelectQueryNode,
  SqliteDialect,
  SqliteDriver,
} from 'kysely';
import pg from 'pg';
import type { DB } from './tables.js';
import { type CheckpointResult, WalCheckpointer } from './wal-checkpointer.js';
import { WriteLock } from './write-lock.js';

export type DialectName = 'sqlite' | 'postgres';

export interface Database {
  db: Kysely<DB>;
  dialect: DialectName;
  /** Where the data lives, for logs: a file path or a redacted URL. */
  location: string;
  /** The raw SQLite handle, for online backup; absent on PostgreSQL. */
  sqlite?: SqliteDatabase.Database;
  /**
   * On SQLite, the lock every writer of the file takes before it begins a write transaction (see
   * write-lock.ts): the Kysely driver takes it itself; hand-made better-sqlite3 transactions on
   * `sqlite` run inside `writeLock.run`. A worker thread that opens its own connection to the same
   * file passes a `new WriteLock(writeLock.buffer)` to `openSqlite`. Absent on PostgreSQL.
   */
  writeLock?: WriteLock;
  /**
   * A number that changes whenever another process (an offline CLI beside the server) commits to the
   * database, for caches of rows this process otherwise keeps up to date itself. Commits by the other
   * threads of this process (the alert ingest thread, which writes only alert tables) change it at most
   * once per second, so an alert storm does not empty those caches at every commit; a CLI's commit
   * in the same second is seen within it. Absent on PostgreSQL, where no such signal exists: there,
   * nothing may be cached.
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
  /**
   * The write lock of this file, when another thread writes it too (that thread's instance over the
   * buffer of the first connection's lock). Default: a lock of its own.
   */
  writeLock?: WriteLock;
  /** SQLite's busy timeout, ms (tests: 0, so any wait inside SQLite fails with SQLITE_BUSY). */
  busyTimeoutMs?: number;
}

/** How much of the database file connections read through a memory map (address space, not memory). */
const MMAP_BYTES = 256 * 1024 * 1024;

/** Commits by the other threads of this process change `Database.dataVersion` at most this often. */
const SIBLING_COMMITS_SEEN_EVERY_MS = 1000;

/** `Database.dataVersion` from SQLite's data_version (any other connection's commit moves it). */
function processDataVersion(pragma: SqliteDatabase.Statement, writeLock: WriteLock): () => number {
  let seen = pragma.get() as number;
  let othersDrawn = writeLock.drawnByOthers;
  let version = 0;
  let movedAt = performance.now();
  // A change let pass as a sibling's may hide another process's commit: it moves the version once
  // the second is over, even if nothing commits after it.
  let unconfirmed = false;
  const move = () => {
    movedAt = performance.now();
    unconfirmed = false;
    return ++version;
  };
  return () => {
    const now = pragma.get() as number;
    if (now === seen) {
      return unconfirmed && performance.now() - movedAt >= SIBLING_COMMITS_SEEN_EVERY_MS ? move() : version;
    }
    seen = now;
    const drawn = writeLock.drawnByOthers;
    const sibling = drawn !== othersDrawn;
    othersDrawn = drawn;
    // A thread of this process took the write lock since: the commit may be only its own.
    if (sibling && performance.now() - movedAt < SIBLING_COMMITS_SEEN_EVERY_MS) {
      unconfirmed = true;
      return version;
    }
    return move();
  };
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
  // Reads through a memory map instead of read() into each connection's own page cache. With the alert
  // ingest thread writing the same file, every commit by one connection empties the other's cache;
  // refilling it by read() cost more than the writes (alert ingest: ~25% more alerts/s with the map).
  sqlite.pragma(`mmap_size = ${MMAP_BYTES}`);
  // Writers of this process (and of a worker writing the same file) queue on the write lock, not here,
  // as do the checkpointer's RESTART and TRUNCATE: the busy timeout is for other processes (a CLI).
  sqlite.pragma(`busy_timeout = ${options.busyTimeoutMs ?? 5000}`);
  const writeLock = options.writeLock ?? new WriteLock();
  const db = new Kysely<DB>({
    dialect: new ImmediateSqliteDialect(sqlite, writeLock),
    plugins: [new CamelCasePlugin()],
  });
  let closing = false;
  const checkpointer =
    inMemory || (options.checkpoint ?? 'background') === 'inline'
      ? undefined
      : new WalCheckpointer({
          file,
          resolveFrom: import.meta.url,
          writeLock: writeLock.buffer,
          ...(options.checkpointIntervalMs === undefined ? {} : { intervalMs: options.checkpointIntervalMs }),
          ...(options.onCheckpoint ? { onCheckpoint: options.onCheckpoint } : {}),
          onReady: () => {
            if (!closing) sqlite.pragma('wal_autocheckpoint = 0');
          },
          onFailed: () => {
            if (!closing) sqlite.pragma(`wal_autocheckpoint = ${INLINE_AUTOCHECKPOINT}`);
          },
        });
  const dataVersion = processDataVersion(sqlite.prepare('PRAGMA data_version').pluck(), writeLock);
  return {
    db,
    dialect: 'sqlite',
    location: file,
    sqlite,
    writeLock,
    dataVersion,
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
 * waiting out the busy timeout, since waiting while holding a snapshot could deadlock. Taking the
 * write lock at BEGIN (IMMEDIATE) makes the busy timeout apply.
 *
 * The connection takes the process's WriteLock around every write (see WriteLockedConnection), so
 * the writers of this file in other threads queue there instead of in SQLite's busy handler.
 */
class ImmediateSqliteDriver extends SqliteDriver {
  readonly #connection: WriteLockedConnection;
  readonly #writeLock: WriteLock;

  constructor(sqlite: SqliteDatabase.Database, writeLock: WriteLock) {
    // The base driver keeps `sqlite` only to close it on destroy; queries go through #connection.
    super({ database: sqlite });
    this.#connection = new WriteLockedConnection(sqlite, writeLock);
    this.#writeLock = writeLock;
  }

  override async acquireConnection(): Promise<DatabaseConnection> {
    // The base driver's mutex: one query or transaction at a time on the single connection.
    await super.acquireConnection();
    return this.#connection;
  }

  override async beginTransaction(connection: DatabaseConnection): Promise<void> {
    // While another thread writes, wait without blocking this thread's event loop.
    await this.#writeLock.whenFree();
    await connection.executeQuery(CompiledQuery.raw('begin immediate'));
  }
}

class ImmediateSqliteDialect extends SqliteDialect {
  constructor(
    private readonly sqlite: SqliteDatabase.Database,
    private readonly writeLock: WriteLock,
  ) {
    super({ database: sqlite });
  }

  override createDriver(): Driver {
    return new ImmediateSqliteDriver(this.sqlite, this.writeLock);
  }
}

const STATEMENT_CACHE_SIZE = 500;
/** Statements that open a transaction without writing (sqlite3_stmt_readonly says true for them). */
const OPENS_TRANSACTION = /^\s*(begin|savepoint)\b/i;

interface CachedStatement {
  statement: SqliteDatabase.Statement;
  /** Whether `all` (it returns rows, RETURNING included) rather than `run`. */
  reader: boolean;
  /** Whether, run outside a transaction, it needs the write lock: it writes or opens a transaction. */
  locks: boolean;
}

/**
 * Kysely's SQLite connection, with two additions.
 *
 * The write lock: a statement that writes or begins a transaction while none is open takes the
 * WriteLock first. One that wrote in autocommit mode releases it at once; one that opened a transaction
 * (the driver's BEGIN IMMEDIATE, a raw BEGIN on `db.connection()`) keeps it until a statement finds the
 * transaction ended (COMMIT, ROLLBACK, or SQLite rolling back by itself), or BEGIN fails. Known from
 * `inTransaction` after each statement, so every way a transaction ends releases it exactly once.
 *
 * A statement cache: Kysely prepares every query afresh; on the hot paths (posting, auth) preparing
 * costs more than running. Queries are parameterised, so the SQL text repeats and its prepared
 * statement can be reused. Kysely runs one query at a time on the connection, so a cached statement is
 * never busy.
 */
class WriteLockedConnection implements DatabaseConnection {
  readonly #cache = new Map<string, CachedStatement>();
  /** The lock is held for the transaction open on the connection. */
  #holding = false;

  constructor(
    private readonly sqlite: SqliteDatabase.Database,
    private readonly writeLock: WriteLock,
  ) {}

  executeQuery<R>(compiledQuery: CompiledQuery): Promise<QueryResult<R>> {
    const cached = this.#prepare(compiledQuery.sql);
    const locks = cached.locks && !this.sqlite.inTransaction;
    if (locks) this.writeLock.acquire();
    try {
      return Promise.resolve(run<R>(cached, compiledQuery.parameters));
    } finally {
      if (locks || this.#holding) this.#settle(locks);
    }
  }

  async *streamQuery<R>(compiledQuery: CompiledQuery): AsyncIterableIterator<QueryResult<R>> {
    if (!SelectQueryNode.is(compiledQuery.query))
      throw new Error('Sqlite driver only supports streaming of select queries');
    const { statement } = this.#prepare(compiledQuery.sql);
    for (const row of statement.iterate(compiledQuery.parameters)) yield { rows: [row as R] };
  }

  /** After a statement: who holds the lock now, from whether a transaction is open. */
  #settle(locked: boolean): void {
    const open = this.sqlite.inTransaction;
    if (locked) {
      if (open && !this.#holding) this.#holding = true;
      else this.writeLock.release();
    }
    if (this.#holding && !open) {
      this.#holding = false;
      this.writeLock.release();
    }
  }

  #prepare(sqlText: string): CachedStatement {
    let cached = this.#cache.get(sqlText);
    if (cached === undefined) {
      const statement = this.sqlite.prepare(sqlText);
      cached = {
        statement,
        reader: statement.reader,
        locks: !statement.readonly || OPENS_TRANSACTION.test(sqlText),
      };
      if (this.#cache.size >= STATEMENT_CACHE_SIZE) this.#cache.delete(this.#cache.keys().next().value!);
      this.#cache.set(sqlText, cached);
    }
    return cached;
  }
}

function run<R>({ statement, reader }: CachedStatement, parameters: readonly unknown[]): QueryResult<R> {
  if (reader) return { rows: statement.all(parameters) as R[] };
  const { changes, lastInsertRowid } = statement.run(parameters);
  return {
    numAffectedRows: BigInt(changes),
    insertId: BigInt(lastInsertRowid),
    rows: [],
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
