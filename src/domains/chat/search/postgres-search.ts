import { sql } from 'kysely';
import { type DialectQuery, SELECT_COLUMNS, type SearchRow } from './search-sql.js';

/**
 * PostgreSQL: each term of 3+ characters is an ILIKE '%term%' (served by the pg_trgm GIN index);
 * shorter terms are tsquery prefix matches on to_tsvector('simple', text) (the tsvector GIN index).
 * Both indexes are partial on `deleted_at IS NULL`, which the shared conditions always include.
 * The expressions here must stay identical to the ones in migration 002-search.
 */
export async function postgresSearch(query: DialectQuery): Promise<SearchRow[]> {
  const { plan, beforeNum, limit } = query;
  const conditions = [...query.conditions];
  for (const term of plan.substrings) conditions.push(sql`m.text ILIKE ${likePattern(term)}`);
  if (plan.prefixes.length > 0) {
    conditions.push(
      sql`to_tsvector('simple'::regconfig, m.text) @@ to_tsquery('simple'::regconfig, ${prefixQuery(plan.prefixes)})`,
    );
  }
  if (beforeNum !== undefined) conditions.push(sql`m.num < ${beforeNum}`);
  const result = await sql<SearchRow>`
    SELECT ${SELECT_COLUMNS}
    FROM messages m
    JOIN rooms r ON r.id = m.room_id
    LEFT JOIN users u ON u.id = m.user_id
    WHERE ${sql.join(conditions, sql` AND `)}
    ORDER BY m.num DESC
    LIMIT ${limit}`.execute(query.db);
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
