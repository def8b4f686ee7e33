import { sql } from 'kysely';
import { type Actor, isAdmin } from '../../core/actor.js';
import type { Clock } from '../../core/clock.js';
import { PermissionDeniedError } from '../../core/errors.js';
import { sha256Hex } from '../../core/ids.js';
import { parseOrThrow } from '../../core/validation.js';
import type { Database } from '../../storage/database.js';
import { canonicalJson, type JsonValue } from './canonical-json.js';
import {
  type AuditEntry,
  type AuditListQuery,
  type AuditPage,
  type AuditRecord,
  auditEntryScalars,
  auditListQuery,
  type VerifyResult,
} from './schema.js';
import { AuditStore } from './store.js';

/** The `prev_hash` of record 1. */
export const GENESIS_HASH = '0'.repeat(64);
/** A 100 KB command line is still recorded (it may be the attack), but not all of it. */
export const MAX_COMMAND_LINE = 8192;
const PAGE_SIZE = 500;
/** Records per append transaction when the queue has a backlog. */
const MAX_BATCH = 500;

/**
 * The fields a record's hash covers, fixed here rather than "every column": a later migration that adds
 * a column must not change the hash of records written before it.
 */
const HASHED_FIELDS = [
  'seq',
  'at',
  'actor',
  'actorId',
  'channel',
  'roomId',
  'action',
  'commandLine',
  'args',
  'decision',
  'decidedBy',
  'jobId',
  'outcome',
  'detail',
  'prevHash',
] as const satisfies readonly (keyof AuditRecord)[];

/** sha256(prev_hash + canonical JSON of the record without its hash), as hex. */
export function recordHash(record: Omit<AuditRecord, 'hash'>): string {
  const hashed: Record<string, unknown> = {};
  for (const field of HASHED_FIELDS) hashed[field] = record[field];
  return sha256Hex(record.prevHash + canonicalJson(hashed));
}

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

type Prepared = Omit<AuditRecord, 'seq' | 'at' | 'prevHash' | 'hash'>;

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

  constructor(private readonly deps: AuditDeps) {
    this.store = new AuditStore(deps.database.db);
    this.redact = deps.redact ?? ((text) => text);
  }

  /** Appends one record; resolves once it is committed. */
  async record(entry: AuditEntry): Promise<AuditRecord> {
    const [record] = await this.append([this.prepare(entry)]);
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
  }

  /** Resolves once every queued append (including ones queued meanwhile) is written or reported. */
  async drain(): Promise<void> {
    while (this.flushing !== undefined) await this.flushing;
  }

  private async flush(): Promise<void> {
    // Let the callers' burst queue up first (everything until the event loop turns): one transaction
    // for all of it rather than one per entry.
    await new Promise<void>((resolve) => setImmediate(resolve));
    try {
      while (this.pending.length > 0) {
        const batch = this.pending.splice(0, MAX_BATCH);
        const prepared: { fields: Prepared; action: string }[] = [];
        for (const { entry, action } of batch) {
          try {
            prepared.push({
              fields: this.prepare(typeof entry === 'function' ? await entry() : entry),
              action,
            });
          } catch (error) {
            this.report(error, action);
          }
        }
        if (prepared.length === 0) continue;
        try {
          await this.append(prepared.map((p) => p.fields));
        } catch (error) {
          for (const { action } of prepared) this.report(error, action);
        }
      }
    } finally {
      this.flushing = undefined;
    }
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

  /** Validates and redacts outside the lock, so the critical section is only read-head-and-insert. */
  private prepare(entry: AuditEntry): Prepared {
    const scalars = parseOrThrow(auditEntryScalars, {
      actor: entry.actor,
      actorId: entry.actorId,
      channel: entry.channel,
      action: entry.action,
      decision: entry.decision,
      roomId: entry.roomId ?? null,
      decidedBy: entry.decidedBy ?? null,
      jobId: entry.jobId ?? null,
      outcome: entry.outcome ?? null,
    });
    const commandLine = entry.commandLine == null ? null : this.cleanLine(entry.commandLine);
    return {
      ...scalars,
      commandLine,
      args: entry.args == null ? null : this.redactedJson(entry.args),
      detail: this.redactedJson(entry.detail ?? {}),
    };
  }

  private cleanLine(line: string): string {
    // PostgreSQL refuses NUL and lone surrogates; the record must still be written.
    let clean = this.redact(line).toWellFormed().replaceAll('\u0000', '\uFFFD');
    if (clean.length > MAX_COMMAND_LINE) {
      clean = `${clean.slice(0, MAX_COMMAND_LINE).toWellFormed()}… [${clean.length} characters]`;
    }
    return clean;
  }

  /** canonicalJson first (it refuses what JSON cannot hold), then redact every string in a plain copy. */
  private redactedJson(value: JsonValue): string {
    const plain = JSON.parse(canonicalJson(value)) as JsonValue;
    return canonicalJson(redactStrings(plain, this.redact));
  }

  /** Appends records in order, in one transaction: the head is read once and the chain runs on. */
  private async append(batch: Prepared[]): Promise<AuditRecord[]> {
    const { db, dialect } = this.deps.database;
    const write = async (executor: typeof db): Promise<AuditRecord[]> => {
      const head = await this.store.head(executor);
      // Taken under the lock, so times never go backwards along the chain.
      const at = this.deps.clock.now().toISOString();
      let seq = head?.seq ?? 0;
      let prevHash = head?.hash ?? GENESIS_HASH;
      const records = batch.map((fields) => {
        const unhashed = { seq: ++seq, at, ...fields, prevHash };
        const record = { ...unhashed, hash: recordHash(unhashed) };
        prevHash = record.hash;
        return record;
      });
      await this.store.insertMany(executor, records);
      return records;
    };
    if (dialect === 'postgres') {
      return db.transaction().execute(async (trx) => {
        // EXCLUSIVE blocks other writers of audit_log (in this schema) until commit, not readers.
        // Without it two transactions read the same head and the loser fails on the seq key.
        await sql`LOCK TABLE audit_log IN EXCLUSIVE MODE`.execute(trx);
        return write(trx);
      });
    }
    // SQLite: one connection serialises this process, and BEGIN IMMEDIATE takes the write lock up
    // front, so another process (an offline CLI beside the server) waits instead of forking the chain.
    return db.connection().execute(async (conn) => {
      await sql`BEGIN IMMEDIATE`.execute(conn);
      try {
        const records = await write(conn);
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

function redactStrings(value: JsonValue, redact: (text: string) => string): JsonValue {
  if (typeof value === 'string') return redact(value);
  if (Array.isArray(value)) return value.map((item) => redactStrings(item, redact));
  if (value !== null && typeof value === 'object') {
    const out: { [key: string]: JsonValue } = {};
    for (const [key, item] of Object.entries(value)) out[key] = redactStrings(item, redact);
    return out;
  }
  return value;
}
