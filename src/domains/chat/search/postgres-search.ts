import { type RawBuilder, sql } from 'kysely';
import { type DialectQuery, roomVisible, SELECT_COLUMNS, type SearchRow } from './search-sql.js';

/** How many of the newest messages (below the cursor) the first pass reads; see postgresSearch. */
export const DEFAULT_RECENT_WINDOW = 2000;

/**
 * PostgreSQL: each term of 3+ characters is an ILIKE '%term%' (served by the pg_trgm GIN index);
 * shorter terms are tsquery prefix matches on to_tsvector('simple', text) (the tsvector GIN index).
 * Both indexes are partial on `deleted_at IS NULL`, which the shared conditions always include.
 * The expressions here must stay identical to the ones in migration 002-search.
 *
 * Two passes with plans chosen here, not by the planner, whose estimates for ILIKE and prefix
 * tsqueries are guesses (measured: walking the primary key past 200,000 rows, computing
 * to_tsvector for each, to find one rare prefix). First the newest `recentWindow` messages are read
 * in order, which finds the page for any common term at a bounded cost; only if that leaves the
 * page short are the older matches collected from the GIN indexes and the newest taken.
 */
export async function postgresSearch(query: DialectQuery): Promise<SearchRow[]> {
  const { db, plan, scope } = query;
  const rooms =
    scope.roomId !== undefined
      ? [scope.roomId] // resolveScope has checked that the viewer may see it
      : (
          await sql<{
            id: string;
          }>`SELECT r.id FROM rooms r WHERE ${roomVisible(query.viewerUserId)}`.execute(db)
        ).rows.map((r) => r.id);
  if (rooms.length === 0) return [];
  // Visible rooms as an array keep the query on messages alone, which the planner estimates well.
  const conditions = [...query.conditions, sql`m.room_id = ANY(${rooms}::text[])`];
  for (const term of plan.substrings) conditions.push(sql`m.text ILIKE ${likePattern(term)}`);
  if (plan.prefixes.length > 0) {
    conditions.push(
      sql`to_tsvector('simple'::regconfig, m.text) @@ to_tsquery('simple'::regconfig, ${prefixQuery(plan.prefixes)})`,
    );
  }
  const newest = await sql<{ top: number | null }>`SELECT max(num) AS top FROM messages`.execute(db);
  const top = Math.min(Number(newest.rows[0]?.top ?? 0), (query.beforeNum ?? Number.MAX_SAFE_INTEGER) - 1);
  const split = top - query.recentWindow;
  const recent = await page(
    db,
    [...conditions, sql`m.num <= ${top}`, sql`m.num > ${split}`],
    sql`m.num`,
    query.limit,
  );
  if (recent.length === query.limit || split < 1) return recent;
  // `m.num + 0` cannot be read from the primary key in order, which rules out the walk.
  const older = await page(
    db,
    [...conditions, sql`m.num <= ${split}`],
    sql`(m.num + 0)`,
    query.limit - recent.length,
  );
  return [...recent, ...older];
}

async function page(
  db: DialectQuery['db'],
  conditions: RawBuilder<unknown>[],
  order: RawBuilder<unknown>,
  limit: number,
): Promise<SearchRow[]> {
  const result = await sql<SearchRow>`
    SELECT ${SELECT_COLUMNS}
    FROM (
      SELECT * FROM messages m WHERE ${sql.join(conditions, sql` AND `)} ORDER BY ${order} DESC LIMIT ${limit}
    ) m
    JOIN rooms r ON r.id = m.room_id
    LEFT JOIN users u ON u.id = m.user_id
    ORDER BY m.num DESC`.execute(db);
  return result.rows;
}

/** '%term%' with LIKE's own wildcards (and its escape character, backslash) taken literally. */
export function likePattern(term: string): string {
  return `%${term.replace(/[\\%_]/g, '\\$&')}%`;
}

/**
 * A tsquery text requiring a word starting with each term: 'db':* & 'v2':*. Every term is a quoted
 * lexeme (quotes doubled, backslashes escaped), so tsquery operators in it are plain text.
 */
export function prefixQuery(terms: readonly string[]): string {
  return terms.map((term) => `'${term.replace(/\\/g, '\\\\').replace(/'/g, "''")}':*`).join(' & ');
}
