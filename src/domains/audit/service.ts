import { sql } from 'kysely';
import { type Actor, isAdmin } from '../../core/actor.js';
import type { Clock } from '../../core/clock.js';
import { PermissionDeniedError } from '../../core/errors.js';
import { parseOrThrow } from '../../core/validation.js';
import type { Database } from '../../storage/database.js';
import { chainRecords, GENESIS_HASH, type PreparedEntry, prepareEntry, recordHash } from './record.js';
import {
  type AuditEntry,
  type AuditListQuery,
  type AuditPage,
  type AuditRecord,
  auditListQuery,
  type VerifyResult,
} from './schema.js';
import { SqliteAuditStatements } from './sqlite-statements.js';
import { AuditStore } from './store.js';

export { GENESIS_HASH, MAX_COMMAND_LINE, recordHash } from './record.js';

const PAGE_SIZE = 500;
/** Records per append transaction when the queue has a backlog. */
const MAX_BATCH = 500;

/** The actor part of an entry, from whoever is acting. */
export function auditActor(actor: Actor): Pick<AuditEntry, 'actor' | 'actorId' | 'channel'> {
  return { actor: actor.username, actorId: actor.userId, channel: actor.channel };
}

export interface AuditDeps {
  database: Database;
  clock: Clock;
  /** Removes secret values from text; applied to command lines, args and detail before hashing. */
  redact?: (text: string) => string;
  /** Where a failed `enqueue`d append is reported (it has no caller to throw to). */
  onError?: (error: unknown, action: string) => void;
}

/**
 * The tamper-evident audit log: append-only and hash-chained. Each record's hash covers the previous
 * record's hash, so editing, deleting or inserting a record breaks the chain from there on, and
 * `verify()` names the first record where it breaks.
 */
export class AuditService {
  readonly store: AuditStore;
  private readonly redact: (text: string) => string;
  private readonly pending: { entry: AuditEntry | (() => Promise<AuditEntry>); action: string }[] = [];
  private flushing: Promise<void> | undefined;
  /** Ends the flush's wait for the event loop to turn once a whole batch is queued. */
  private batchFull: (() => void) | undefined;
  /** SQLite's prepared append statements, made on the first append (after migrations have run). */
  private sqliteStatements: SqliteAuditStatements | undefined;

  constructor(private readonly deps: AuditDeps) {
    this.store = new AuditStore(deps.database.db);
    this.redact = deps.redact ?? ((text) => text);
  }

  /** Appends one record; resolves once it is committed. */
  async record(entry: AuditEntry): Promise<AuditRecord> {
    const [record] = await this.append([prepareEntry(entry, this.redact)]);
    return record!;
  }

  /**
   * For synchronous callers (bus handlers, the bot's chain): appends later, in call order, and reports a
   * failure to `onError` instead of throwing into the caller. `entry` may be a function that builds it,
   * when building needs a lookup. Queued entries are written in batches, many records to one
   * transaction, so auditing every command costs microseconds, not a commit each. `drain()` waits.
   */
  enqueue(entry: AuditEntry | (() => Promise<AuditEntry>), action = 'audit'): void {
    this.pending.push({ entry, action });
    if (this.flushing === undefined) this.flushing = this.flush();
    else if (this.pending.length >= MAX_BATCH) this.batchFull?.();
  }

  /** Resolves once every queued append (including ones queued meanwhile) is written or reported. */
  async drain(): Promise<void> {
    while (this.flushing !== undefined) await this.flushing;
  }

  private async flush(): Promise<void> {
    try {
      while (this.pending.length > 0) {
        if (this.pending.length < MAX_BATCH) await this.batchReady();
        const batch = this.pending.splice(0, MAX_BATCH);
        const prepared: PreparedEntry[] = [];
        const actions: string[] = [];
        for (const { entry, action } of batch) {
          try {
            prepared.push(prepareEntry(typeof entry === 'function' ? await entry() : entry, this.redact));
            actions.push(action);
          } catch (error) {
            this.report(error, action);
          }
        }
        if (prepared.length === 0) continue;
        try {
          await this.append(prepared);
        } catch (error) {
          for (const action of actions) this.report(error, action);
        }
      }
    } finally {
      this.flushing = undefined;
    }
  }

  /**
   * Lets the callers' burst queue up first (everything until the event loop turns): one transaction
   * for all of it rather than one per entry. A full batch goes at once, so a burst that never yields
   * to the event loop (one long chain of promises) is written as it comes instead of piling up.
   */
  private batchReady(): Promise<void> {
    return new Promise<void>((resolve) => {
      const ready = () => {
        clearImmediate(immediate);
        this.batchFull = undefined;
        resolve();
      };
      const immediate = setImmediate(ready);
      this.batchFull = ready;
    });
  }

  private report(error: unknown, action: string): void {
    // A throwing reporter must not stop the queue: every later append would be skipped.
    try {
      this.deps.onError?.(error, action);
    } catch {}
  }

  async list(viewer: Actor, query: AuditListQuery = {}): Promise<AuditPage> {
    requireReader(viewer);
    // Read what was queued before asking: whoever just ran a command sees its record.
    await this.drain();
    const { limit, before, actor, action } = parseOrThrow(auditListQuery, query);
    const records = await this.store.list({
      limit,
      ...(before === undefined ? {} : { before }),
      ...(actor === undefined ? {} : { actor }),
      ...(action === undefined ? {} : { action }),
    });
    const last = records[records.length - 1];
    return { records, nextBefore: records.length === limit && last ? last.seq : null };
  }

  /** Walks the whole chain, a page at a time, and stops at the first record that does not fit. */
  async verify(viewer: Actor): Promise<VerifyResult> {
    requireReader(viewer);
    await this.drain();
    let expectedSeq = 1;
    let prevHash = GENESIS_HASH;
    for (;;) {
      const page = await this.store.pageAfter(expectedSeq - 1, PAGE_SIZE);
      for (const record of page) {
        if (record.seq !== expectedSeq) {
          return {
            ok: false,
            seq: expectedSeq,
            reason: `record ${expectedSeq} is missing (the next is ${record.seq}): it was deleted`,
          };
        }
        if (record.prevHash !== prevHash) {
          return {
            ok: false,
            seq: record.seq,
            reason:
              `prev_hash does not match the hash of record ${record.seq - 1}: ` +
              'a record before it was rewritten, or one was inserted or deleted',
          };
        }
        if (recordHash(record) !== record.hash) {
          return { ok: false, seq: record.seq, reason: 'hash mismatch: the record was edited' };
        }
        prevHash = record.hash;
        expectedSeq++;
      }
      if (page.length < PAGE_SIZE) break;
    }
    const count = expectedSeq - 1;
    return { ok: true, count, lastHash: count === 0 ? null : prevHash };
  }

  /**
   * Every record, oldest first, exactly as stored (hashes included, so the export can be verified on
   * its own). The permission check runs now, before anything is streamed.
   */
  export(viewer: Actor): AsyncIterable<AuditRecord> {
    requireReader(viewer);
    return this.walk();
  }

  private async *walk(): AsyncGenerator<AuditRecord> {
    let after = 0;
    for (;;) {
      const page = await this.store.pageAfter(after, PAGE_SIZE);
      yield* page;
      const last = page[page.length - 1];
      if (!last || page.length < PAGE_SIZE) return;
      after = last.seq;
    }
  }

  /** Appends records in order, in one transaction: the head is read once and the chain runs on. */
  private async append(batch: PreparedEntry[]): Promise<AuditRecord[]> {
    const { db, dialect, sqlite, writeLock } = this.deps.database;
    // Taken under the lock, so times never go backwards along the chain.
    const chain = (head: { seq: number; hash: string } | undefined) =>
      chainRecords(batch, head, this.deps.clock.now().toISOString());
    if (dialect === 'postgres') {
      return db.transaction().execute(async (trx) => {
        // EXCLUSIVE blocks other writers of audit_log (in this schema) until commit, not readers.
        // Without it two transactions read the same head and the loser fails on the seq key.
        await sql`LOCK TABLE audit_log IN EXCLUSIVE MODE`.execute(trx);
        const records = chain(await this.store.head(trx));
        await this.store.insertMany(trx, records);
        return records;
      });
    }
    // SQLite: one connection serialises this process. Holding it (Kysely's connection lock) keeps any
    // Kysely transaction off it while the prepared statements run their own, synchronously.
    if (sqlite !== undefined && writeLock !== undefined) {
      this.sqliteStatements ??= new SqliteAuditStatements(sqlite, writeLock);
      const statements = this.sqliteStatements;
      return db.connection().execute(async () => statements.append(chain));
    }
    return db.connection().execute(async (conn) => {
      await sql`BEGIN IMMEDIATE`.execute(conn);
      try {
        const records = chain(await this.store.head(conn));
        await this.store.insertMany(conn, records);
        await sql`COMMIT`.execute(conn);
        return records;
      } catch (error) {
        await sql`ROLLBACK`.execute(conn);
        throw error;
      }
    });
  }
}

function requireReader(viewer: Actor): void {
  if (!isAdmin(viewer)) throw new PermissionDeniedError('Only admins can read the audit log');
}
