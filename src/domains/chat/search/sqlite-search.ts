import { type Kysely, type RawBuilder, sql } from 'kysely';
import type { DB } from '../../../storage/tables.js';
import { type DialectQuery, roomVisible, SELECT_COLUMNS, type SearchRow } from './search-sql.js';
import { type SnippetTerm, termPattern } from './snippet.js';

/**
 * SQLite search, in one of two ways.
 *
 * Index-driven (the usual case): the FTS5 index yields rowids (= messages.num) newest first, and each
 * is checked against messages, rooms and the filters until `limit` rows pass, so the cost follows the
 * matches looked at, not the table. CROSS JOIN pins that join order: left to itself the planner may
 * start from messages and probe FTS5 per row, and one FTS5 probe by rowid costs 0.1-0.3 ms.
 *
 * Small set: when a filter (a quiet room or user, a short time window) or a rare short term leaves
 * at most `smallSet` (default 3000) candidate messages, all of them are read and the other terms
 * are matched here. That bounds the cost where the first way could read thousands of matches to
 * find a few that pass the filter, e.g. a common word in one incident room.
 */
export const DEFAULT_SMALL_SET = 3000;

export async function sqliteSearch(query: DialectQuery): Promise<SearchRow[]> {
  const range = await numRange(query);
  if (range === undefined) return [];
  const small = await smallSetDriver(query, range);
  if (small !== undefined) return readSmallSet(query, range, small);
  const { plan } = query;
  const conditions = baseConditions(query);
  let driver: Driver;
  if (plan.substrings.length > 0) {
    driver = TRIGRAMS;
    conditions.push(sql`messages_trigrams MATCH ${matchAll(plan.substrings, false)}`);
    // A short term here is a common one (a rare one takes the small-set path), so test the text
    // rather than probe the word index per row. lower() folds ASCII only: a non-ASCII capital in a short
    // term must match case exactly on this path.
    for (const term of plan.prefixes)
      conditions.push(sql`(' ' || lower(m.text)) GLOB ${wordStartGlob(term)}`);
  } else if (plan.prefixes.length > 0) {
    driver = WORDS;
    conditions.push(sql`messages_words MATCH ${matchAll(plan.prefixes, true)}`);
  } else {
    driver = MESSAGES; // filters only: the primary key, or the room or user index
  }
  return select(query.db, driver, [...conditions, ...within(driver, range)], query.limit);
}

/** The filters, and the viewer's right to see the room, checked on every row. */
function baseConditions(query: DialectQuery): RawBuilder<unknown>[] {
  return [...query.conditions, roomVisible(query.viewerUserId)];
}

interface Driver {
  source: RawBuilder<unknown>;
  num: RawBuilder<unknown>;
}

const TRIGRAMS: Driver = {
  source: sql`messages_trigrams CROSS JOIN messages m ON m.num = messages_trigrams.rowid`,
  num: sql`messages_trigrams.rowid`,
};
const WORDS: Driver = {
  source: sql`messages_words CROSS JOIN messages m ON m.num = messages_words.rowid`,
  num: sql`messages_words.rowid`,
};
const MESSAGES: Driver = { source: sql`messages m`, num: sql`m.num` };

async function select(
  db: Kysely<DB>,
  driver: Driver,
  conditions: RawBuilder<unknown>[],
  limit: number,
  columns: RawBuilder<unknown> = SELECT_COLUMNS,
): Promise<SearchRow[]> {
  const result = await sql<SearchRow>`
    SELECT ${columns}
    FROM ${driver.source}
    CROSS JOIN rooms r ON r.id = m.room_id
    LEFT JOIN users u ON u.id = m.user_id
    WHERE ${sql.join(conditions, sql` AND `)}
    ORDER BY ${driver.num} DESC
    LIMIT ${limit}`.execute(db);
  return result.rows;
}

/** Which small candidate set to read whole, if any. Each probe reads at most `smallSet` index entries. */
async function smallSetDriver(query: DialectQuery, range: NumRange): Promise<Driver | undefined> {
  const { db, plan, scope, smallSet } = query;
  if (plan.substrings.length === 0 && plan.prefixes.length === 0) return undefined; // LIMIT does it
  if (range.hi - range.lo < smallSet) return MESSAGES;
  const fewerThanSmallSet = async (from: RawBuilder<unknown>) => {
    const result = await sql<{ n: number }>`
      SELECT count(*) AS n FROM (SELECT 1 FROM ${from} LIMIT ${smallSet})`.execute(db);
    return Number(result.rows[0]?.n ?? 0) < smallSet;
  };
  const inRange = sql`num BETWEEN ${range.lo} AND ${range.hi}`;
  if (
    scope.roomId !== undefined &&
    (await fewerThanSmallSet(sql`messages WHERE room_id = ${scope.roomId} AND ${inRange}`))
  )
    return MESSAGES;
  if (
    scope.userId !== undefined &&
    (await fewerThanSmallSet(sql`messages WHERE user_id = ${scope.userId} AND ${inRange}`))
  )
    return MESSAGES;
  if (plan.prefixes.length > 0 && plan.substrings.length > 0) {
    const words = sql`messages_words WHERE messages_words MATCH ${matchAll(plan.prefixes, true)}`;
    if (await fewerThanSmallSet(words)) return WORDS;
  }
  return undefined;
}

/** Every candidate from the driver that passes the SQL conditions, then the terms it leaves, matched here. */
async function readSmallSet(query: DialectQuery, range: NumRange, driver: Driver): Promise<SearchRow[]> {
  const { plan } = query;
  const conditions = [...baseConditions(query), ...within(driver, range)];
  const terms: SnippetTerm[] = plan.substrings.map((text) => ({ text, wordPrefix: false }));
  if (driver === WORDS) conditions.push(sql`messages_words MATCH ${matchAll(plan.prefixes, true)}`);
  else terms.push(...plan.prefixes.map((text) => ({ text, wordPrefix: true })));
  const tests = terms.map((term) => matcher(term));
  // The set was counted below smallSet before the other conditions, so this reads all of it; just
  // num and text, as building full rows for thousands of candidates would cost more than the search.
  const candidates = await select(query.db, driver, conditions, query.smallSet, sql`m.num, m.text`);
  const nums = candidates
    .filter((row) => tests.every((test) => test(row.text)))
    .slice(0, query.limit)
    .map((row) => Number(row.num));
  if (nums.length === 0) return [];
  return select(
    query.db,
    MESSAGES,
    [...baseConditions(query), sql`m.num IN (${sql.join(nums)})`],
    query.limit,
  );
}

/**
 * The in-memory twin of the indexes: a case-insensitive substring, or a word prefix that, like the
 * word index (remove_diacritics 2), ignores accents.
 */
function matcher(term: SnippetTerm): (text: string) => boolean {
  if (!term.wordPrefix) {
    const pattern = termPattern(term);
    return (text) => pattern.test(text);
  }
  const pattern = termPattern({ text: stripAccents(term.text), wordPrefix: true });
  return (text) => pattern.test(stripAccents(text));
}

function stripAccents(text: string): string {
  return text.normalize('NFD').replace(/\p{M}/gu, '');
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

function within(driver: Driver, range: NumRange): RawBuilder<unknown>[] {
  const bounds: RawBuilder<unknown>[] = [];
  if (range.lo > 1) bounds.push(sql`${driver.num} >= ${range.lo}`);
  if (range.hi < Number.MAX_SAFE_INTEGER) bounds.push(sql`${driver.num} <= ${range.hi}`);
  return bounds;
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
    // Why that suffices: the highest-numbered hit is either out of order (so listed) or at least as
    // late as every lower-numbered message, that latest one included, so (ties aside) it is that one.
    const row = await pair(
      db,
      sql`SELECT
      (SELECT num FROM messages WHERE created_at < ${until} ORDER BY created_at DESC, num DESC LIMIT 1) AS a,
      (SELECT max(num) FROM messages_out_of_order WHERE created_at < ${until}) AS b`,
    );
    narrow(range.lo, maxOf(row.a, row.b));
  }
  if (since !== undefined) {
    // Symmetric, except that the earliest message at or after `since` must be one stored in order.
    const row = await pair(
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

async function pair(db: Kysely<DB>, query: RawBuilder<Pair>): Promise<Pair> {
  const result = await query.execute(db);
  return result.rows[0] ?? { a: null, b: null };
}

/** Min and max num of the messages matching `where`: two seeks on an index ending in num. */
async function firstAndLast(
  db: Kysely<DB>,
  where: RawBuilder<unknown>,
): Promise<[number | null, number | null]> {
  const row = await pair(
    db,
    sql`SELECT (SELECT min(num) FROM messages WHERE ${where}) AS a, (SELECT max(num) FROM messages WHERE ${where}) AS b`,
  );
  return [row.a, row.b];
}

function maxOf(a: number | null, b: number | null): number | null {
  return a === null ? b : b === null ? a : Math.max(a, b);
}

function minOf(a: number | null, b: number | null): number | null {
  return a === null ? b : b === null ? a : Math.min(a, b);
}
