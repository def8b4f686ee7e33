import type { Kysely, Transaction } from 'kysely';
import type { DB } from '../../storage/tables.js';
import type { AuditRecord } from './schema.js';
import './table.js';

type Executor = Kysely<DB> | Transaction<DB>;

/** 16 columns a record: 50 records stay far below every parameter limit. */
const INSERT_CHUNK = 50;

/** Queries on `audit_log`; the rules (locking, hashing, checking) are AuditService's. */
export class AuditStore {
  constructor(readonly db: Kysely<DB>) {}

  async head(executor: Executor): Promise<{ seq: number; hash: string } | undefined> {
    const row = await executor
      .selectFrom('auditLog')
      .select(['seq', 'hash'])
      .orderBy('seq', 'desc')
      .limit(1)
      .executeTakeFirst();
    return row && { seq: Number(row.seq), hash: row.hash };
  }

  /** Inserts in chunks: one statement per chunk keeps within SQLite's and PostgreSQL's parameter limits. */
  async insertMany(executor: Executor, records: AuditRecord[]): Promise<void> {
    for (let i = 0; i < records.length; i += INSERT_CHUNK) {
      await executor
        .insertInto('auditLog')
        .values(records.slice(i, i + INSERT_CHUNK))
        .execute();
    }
  }

  /** Records with seq > after, oldest first: the walk of verify and export. */
  async pageAfter(after: number, limit: number): Promise<AuditRecord[]> {
    const rows = await this.db
      .selectFrom('auditLog')
      .selectAll()
      .where('seq', '>', after)
      .orderBy('seq', 'asc')
      .limit(limit)
      .execute();
    return rows.map(normalise);
  }

  /** Newest first, with optional filters; `before` is a seq cursor. */
  async list(filter: {
    limit: number;
    before?: number;
    actor?: string;
    action?: string;
  }): Promise<AuditRecord[]> {
    let query = this.db.selectFrom('auditLog').selectAll().orderBy('seq', 'desc').limit(filter.limit);
    if (filter.before !== undefined) query = query.where('seq', '<', filter.before);
    if (filter.actor !== undefined) query = query.where('actor', '=', filter.actor);
    if (filter.action !== undefined) query = query.where('action', '=', filter.action);
    return (await query.execute()).map(normalise);
  }
}

/** PostgreSQL's bigint comes back as a number through the pool's parser, but be explicit. */
function normalise(row: AuditRecord): AuditRecord {
  return { ...row, seq: Number(row.seq) };
}
