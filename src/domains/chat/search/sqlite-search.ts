import { type Kysely, type RawBuilder, sql } from 'kysely';
import type { DB } from '../../../storage/tables.js';
import { type DialectQuery, SELECT_COLUMNS, type SearchRow } from './search-sql.js';

/**
 * SQLite: the FTS5 index drives the query. It yields rowids (= messages.num) newest first, and each
 * is checked against messages, rooms and the filters until `limit` rows pass, so the cost follows the
 * number of matches looked at, not the size of the table. CROSS JOIN pins that join order: left to
 * itself the planner may start from messages (e.g. the room index) and probe FTS5 once per row, and
 * an FTS5 probe by rowid costs 0.1-0.3 ms, not microseconds.
 *
 * Filters also become a range of rowids (see numRange), which FTS5 seeks to directly: a search
 * `before:` last March skips the newer matches instead of reading and rejecting each one.
 */
export async function sqliteSearch(query: DialectQuery): Promise<SearchRow[]> {
  const { plan, limit } = query;
  const range = await numRange(query);
  if (range === undefined) return [];
  const conditions = [...query.conditions];
  let source: RawBuilder<unknown>;
  let order: RawBuilder<unknown>;
  if (plan.substrings.length > 0) {
    source = sql`messages_trigrams CROSS JOIN messages m ON m.num = messages_trigrams.rowid`;
    order = sql`messages_trigrams.rowid`;
    conditions.push(sql`messages_trigrams MATCH ${matchAll(plan.substrings, false)}`);
    // Short terms alongside long ones only narrow the substring matches. A word-index probe per row
    // would be slow (see above), so test the text itself; lower() folds ASCII only, so a non-ASCII
    // capital in a short term here must match case exactly.
    for (const term of plan.prefixes)
      conditions.push(sql`(' ' || lower(m.text)) GLOB ${wordStartGlob(term)}`);
  } else if (plan.prefixes.length > 0) {
    source = sql`messages_words CROSS JOIN messages m ON m.num = messages_words.rowid`;
    order = sql`messages_words.rowid`;
    conditions.push(sql`messages_words MATCH ${matchAll(plan.prefixes, true)}`);
  } else {
    // Filters only: newest messages first, through the primary key (or the room or user index).
    source = sql`messages m`;
    order = sql`m.num`;
  }
  if (range.lo > 1) conditions.push(sql`${order} >= ${range.lo}`);
  if (range.hi < Number.MAX_SAFE_INTEGER) conditions.push(sql`${order} <= ${range.hi}`);
  const result = await sql<SearchRow>`
    SELECT ${SELECT_COLUMNS}
    FROM ${source}
    CROSS JOIN rooms r ON r.id = m.room_id
    LEFT JOIN users u ON u.id = m.user_id
    WHERE ${sql.join(conditions, sql` AND `)}
    ORDER BY ${order} DESC
    LIMIT ${limit}`.execute(query.db);
  return result.rows;
}

/**
 * An FTS5 MATCH expression requiring every term. Each term becomes a quoted string (inner quotes
 * doubled), so nothing a user types is read as FTS5 syntax (AND, NEAR, column filters, '*', '^').
 * In the trigram index a quoted term of 3+ characters matches as a substring; in the word index a
 * trailing '*' makes it a prefix query, answered from the 1- and 2-character prefix indexes.
 */
export function matchAll(terms: readonly string[], prefix: boolean): string {
  return terms.map((term) => `"${term.replaceAll('"', '""')}"${prefix ? '*' : ''}`).join(' AND ');
}

/**
 * A GLOB for `' ' || lower(text)`: the term right after a non-alphanumeric character. Short terms
 * hold only letters and digits (planTerms); GLOB's wildcards are escaped all the same.
 */
export function wordStartGlob(term: string): string {
  const lower = term.replace(/[A-Z]/g, (c) => c.toLowerCase());
  return `*[^a-z0-9]${lower.replace(/[*?[]/g, '[$&]')}*`;
}

/** Inclusive bounds on messages.num. */
interface NumRange {
  lo: number;
  hi: number;
}

/**
 * The rowids a hit can have, from the cursor, the room's and the user's first and last messages, and
 * the time filters; undefined when that range is empty. Every bound is exact or wider, never
 * narrower, so it only saves work: the conditions still check each row. Each lookup is an index seek.
 */
async function numRange(query: DialectQuery): Promise<NumRange | undefined> {
  const { db, scope } = query;
  const range: NumRange = {
    lo: 1,
    hi: query.beforeNum === undefined ? Number.MAX_SAFE_INTEGER : query.beforeNum - 1,
  };
  // A null bound means no message qualifies.
  const narrow = (lo: number | null, hi: number | null) => {
    range.lo = Math.max(range.lo, lo ?? Number.MAX_SAFE_INTEGER);
    range.hi = Math.min(range.hi, hi ?? 0);
  };
  if (scope.roomId !== undefined) narrow(...(await firstAndLast(db, sql`room_id = ${scope.roomId}`)));
  if (scope.userId !== undefined) narrow(...(await firstAndLast(db, sql`user_id = ${scope.userId}`)));
  const { since, until } = query.query;
  if (until !== undefined) {
    // The latest message (by time) before `until`, or a later-numbered one stored out of order.
    // Proof sketch: the highest-numbered hit either is out of order (listed) or is at least as late
    // as every lower-numbered message, including that latest one, so ties aside it is that one.
    const row = await one(
      db,
      sql`SELECT
      (SELECT num FROM messages WHERE created_at < ${until} ORDER BY created_at DESC, num DESC LIMIT 1) AS a,
      (SELECT max(num) FROM messages_out_of_order WHERE created_at < ${until}) AS b`,
    );
    narrow(range.lo, maxOf(row.a, row.b));
  }
  if (since !== undefined) {
    // Symmetric, but the earliest message at or after `since` must be one stored in order.
    const row = await one(
      db,
      sql`SELECT
      (SELECT num FROM messages m WHERE created_at >= ${since}
        AND NOT EXISTS (SELECT 1 FROM messages_out_of_order o WHERE o.created_at = m.created_at AND o.num = m.num)
        ORDER BY created_at, num LIMIT 1) AS a,
      (SELECT min(num) FROM messages_out_of_order WHERE created_at >= ${since}) AS b`,
    );
    narrow(minOf(row.a, row.b), range.hi);
  }
  return range.lo <= range.hi ? range : undefined;
}

type Pair = { a: number | null; b: number | null };

async function one(db: Kysely<DB>, query: RawBuilder<Pair>): Promise<Pair> {
  const result = await query.execute(db);
  return result.rows[0] ?? { a: null, b: null };
}

/** Min and max num of the messages matching `where`: two seeks on an index ending in num. */
async function firstAndLast(
  db: Kysely<DB>,
  where: RawBuilder<unknown>,
): Promise<[number | null, number | null]> {
  const row = await one(
    db,
    sql`SELECT
    (SELECT min(num) FROM messages WHERE ${where}) AS a,
    (SELECT max(num) FROM messages WHERE ${where}) AS b`,
  );
  return [row.a, row.b];
}

function maxOf(a: number | null, b: number | null): number | null {
  return a === null ? b : b === null ? a : Math.max(a, b);
}

function minOf(a: number | null, b: number | null): number | null {
  return a === null ? b : b === null ? a : Math.min(a, b);
}
