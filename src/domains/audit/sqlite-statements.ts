import type SqliteDatabase from 'better-sqlite3';
import type { WriteLock } from '../../storage/write-lock.js';
import type { AuditRecord } from './schema.js';

const COLUMNS = `(seq, at, actor, actor_id, channel, room_id, action, command_line, args,
  decision, decided_by, job_id, outcome, detail, prev_hash, hash)`;
const ROW = `(${Array(16).fill('?').join(', ')})`;
/** Rows per multi-row insert: fewer statement runs (about 0.5 µs a row less), 800 parameters. */
const CHUNK = 50;

/** Places a batch after the chain's head (undefined: the log is empty). */
type Chain = (head: { seq: number; hash: string } | undefined) => AuditRecord[];

/**
 * The append of the audit log on SQLite as cached prepared statements on better-sqlite3: a Kysely-built
 * multi-row insert cost more CPU per record than hashing it. The whole append (BEGIN IMMEDIATE, read
 * the head, insert every record, COMMIT) runs synchronously on the connection Kysely's driver uses, so
 * the caller holds that connection (Kysely's `db.connection()`) while it runs: no Kysely transaction
 * can be open on it meanwhile. BEGIN IMMEDIATE takes the write lock up front, so another process (an
 * offline CLI beside the server) waits, and the head is re-read under it: the chain never forks. The
 * file's WriteLock is taken first, so a writer in another thread is waited for there, not in SQLite.
 */
export class SqliteAuditStatements {
  readonly #append: SqliteDatabase.Transaction<(chain: Chain) => AuditRecord[]>;
  readonly #head: SqliteDatabase.Statement<[], { seq: number; hash: string }>;
  readonly #insert: SqliteDatabase.Statement;
  readonly #insertChunk: SqliteDatabase.Statement;
  /** The parameters of one chunk, reused: 16 a row, in column order. */
  readonly #chunkParams: unknown[] = new Array(16 * CHUNK);

  constructor(
    sqlite: SqliteDatabase.Database,
    private readonly writeLock: WriteLock,
  ) {
    this.#head = sqlite.prepare('SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1');
    this.#insert = sqlite.prepare(`INSERT INTO audit_log ${COLUMNS} VALUES ${ROW}`);
    this.#insertChunk = sqlite.prepare(
      `INSERT INTO audit_log ${COLUMNS} VALUES ${Array(CHUNK).fill(ROW).join(', ')}`,
    );
    this.#append = sqlite.transaction((chain: Chain) => this.#insertAll(chain(this.#head.get())));
  }

  /**
   * In one IMMEDIATE transaction: reads the head, lets `chain` place the records after it, inserts them
   * and commits. better-sqlite3 rolls back and rethrows if anything fails: nothing of the batch is written.
   */
  append(chain: Chain): AuditRecord[] {
    return this.writeLock.run(() => this.#append.immediate(chain));
  }

  #insertAll(records: AuditRecord[]): AuditRecord[] {
    let i = 0;
    for (; i + CHUNK <= records.length; i += CHUNK) {
      for (let j = 0; j < CHUNK; j++) setParams(this.#chunkParams, j * 16, records[i + j]!);
      this.#insertChunk.run(this.#chunkParams);
    }
    for (; i < records.length; i++) {
      const r = records[i]!;
      this.#insert.run(
        r.seq,
        r.at,
        r.actor,
        r.actorId,
        r.channel,
        r.roomId,
        r.action,
        r.commandLine,
        r.args,
        r.decision,
        r.decidedBy,
        r.jobId,
        r.outcome,
        r.detail,
        r.prevHash,
        r.hash,
      );
    }
    return records;
  }
}

/** A record's columns into `params` from `at`, in the order of COLUMNS. */
function setParams(params: unknown[], at: number, r: AuditRecord): void {
  params[at] = r.seq;
  params[at + 1] = r.at;
  params[at + 2] = r.actor;
  params[at + 3] = r.actorId;
  params[at + 4] = r.channel;
  params[at + 5] = r.roomId;
  params[at + 6] = r.action;
  params[at + 7] = r.commandLine;
  params[at + 8] = r.args;
  params[at + 9] = r.decision;
  params[at + 10] = r.decidedBy;
  params[at + 11] = r.jobId;
  params[at + 12] = r.outcome;
  params[at + 13] = r.detail;
  params[at + 14] = r.prevHash;
  params[at + 15] = r.hash;
}
