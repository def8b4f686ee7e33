import { ValidationError } from '../../../core/errors.js';
import type { Database } from '../../../storage/database.js';
import { DEFAULT_RECENT_WINDOW, postgresSearch } from './postgres-search.js';
import type { ParsedSearchQuery } from './query.js';
import { messageConditions, planTerms, resolveScope, type SearchRow, snippetTerms } from './search-sql.js';
import { buildSnippet } from './snippet.js';
import { DEFAULT_SMALL_SET, sqliteSearch } from './sqlite-search.js';

/** A row as the query returns it, with the message text swapped for a snippet around the match. */
export interface SearchHit extends Omit<SearchRow, 'num' | 'text'> {
  /** The message's sequence number; pass the last hit's as `beforeNum` for the next page. */
  num: number;
  /** About 160 characters around the first match, matches in `**bold**` (see buildSnippet). */
  snippet: string;
}

export interface SearchInput {
  query: ParsedSearchQuery;
  viewerUserId: string;
  /** 1..100 */
  limit: number;
  /** Only messages older than this one (a cursor: the `num` of the last hit of the previous page). */
  beforeNum?: number;
}

export interface SearchStore {
  /**
   * Messages matching every term and filter, newest first, that the viewer may read: not deleted,
   * in a room that is not archived and is public, an incident room, or one the viewer belongs to.
   * An `in:` room or `from:` user that does not exist (or is hidden from the viewer) gives no hits,
   * not an error, so search cannot be used to probe for private rooms.
   */
  search(input: SearchInput): Promise<SearchHit[]>;
}

export const MAX_SEARCH_LIMIT = 100;

export interface SearchStoreOptions {
  /**
   * SQLite only: when a filter or a rare short term leaves at most this many candidate messages,
   * they are read whole instead of walking the full-text index (see sqlite-search.ts). 0 turns that
   * off; tests use it to exercise the index-driven path on small data.
   */
  smallSet?: number;
  /**
   * PostgreSQL only: how many of the newest messages the first pass reads in order before the GIN
   * indexes are asked for older matches (see postgres-search.ts). Tests shrink it to reach both.
   */
  recentWindow?: number;
}

export function createSearchStore(database: Database, options: SearchStoreOptions = {}): SearchStore {
  const run = database.dialect === 'sqlite' ? sqliteSearch : postgresSearch;
  return {
    async search(input) {
      checkPaging(input);
      const plan = planTerms(input.query);
      const scope = await resolveScope(database.db, input);
      if (scope === undefined) return [];
      const rows = await run({
        db: database.db,
        plan,
        query: input.query,
        scope,
        viewerUserId: input.viewerUserId,
        conditions: messageConditions(input, scope),
        beforeNum: input.beforeNum,
        limit: input.limit,
        smallSet: options.smallSet ?? DEFAULT_SMALL_SET,
        recentWindow: options.recentWindow ?? DEFAULT_RECENT_WINDOW,
      });
      const terms = snippetTerms(plan);
      return rows.map((row) => ({
        messageId: row.messageId,
        num: Number(row.num),
        roomId: row.roomId,
        roomName: row.roomName,
        userId: row.userId,
        username: row.username,
        createdAt: row.createdAt,
        threadId: row.threadId,
        snippet: buildSnippet(row.text, terms),
      }));
    },
  };
}

function checkPaging(input: SearchInput): void {
  if (!Number.isInteger(input.limit) || input.limit < 1 || input.limit > MAX_SEARCH_LIMIT) {
    throw new ValidationError(`limit must be a whole number from 1 to ${MAX_SEARCH_LIMIT}`);
  }
  if (input.beforeNum !== undefined && (!Number.isSafeInteger(input.beforeNum) || input.beforeNum < 1)) {
    throw new ValidationError('before must be the num of a message (a positive whole number)');
  }
}
