import { type Kysely, type RawBuilder, sql } from 'kysely';
import type { DB } from '../../../storage/tables.js';
import { OPEN_KINDS } from '../access.js';
import type { ParsedSearchQuery } from './query.js';
import type { SearchInput } from './search-store.js';
import type { SnippetTerm } from './snippet.js';

// What the dialect queries (sqlite-search.ts, postgres-search.ts) share.

/** A term is looked up in the substring (trigram) index from this many characters on. */
export const SUBSTRING_MIN_LENGTH = 3;

/** The query split by which index answers each term. */
export interface SearchPlan {
  /** 3+ characters: substring matches. */
  substrings: string[];
  /** Under 3 characters: word-prefix matches, letters and digits only (the parser ensures one). */
  prefixes: string[];
}

/** The `in:` room and `from:` user, resolved to ids the viewer may search. */
export interface SearchScope {
  roomId?: string;
  userId?: string;
}

/** One row as both dialects return it (the CamelCasePlugin maps the snake_case aliases). */
export interface SearchRow {
  num: number | string;
  messageId: string;
  roomId: string;
  roomName: string;
  userId: string;
  username: string | null;
  createdAt: string;
  threadId: string | null;
  text: string;
}

/** What a dialect's query builder receives; `conditions` holds messageConditions. */
export interface DialectQuery {
  db: Kysely<DB>;
  plan: SearchPlan;
  query: ParsedSearchQuery;
  scope: SearchScope;
  viewerUserId: string;
  conditions: RawBuilder<unknown>[];
  beforeNum: number | undefined;
  limit: number;
  /** SQLite: see SearchStoreOptions.smallSet. */
  smallSet: number;
  /** PostgreSQL: see SearchStoreOptions.recentWindow. */
  recentWindow: number;
}

export function planTerms(query: ParsedSearchQuery): SearchPlan {
  const plan: SearchPlan = { substrings: [], prefixes: [] };
  for (const term of query.terms) {
    // Code points, not UTF-16 units: the trigram tokenizer and pg_trgm count characters.
    if ([...term.text].length >= SUBSTRING_MIN_LENGTH) plan.substrings.push(term.text);
    // A short term is a word prefix; its punctuation ('k8.', '#a') would be dropped by the FTS5 and
    // tsquery tokenizers anyway, so drop it here and every code path (and the snippet) agrees.
    else plan.prefixes.push(term.text.replace(/[^\p{L}\p{N}]/gu, ''));
  }
  return plan;
}

/** Every term, in the form the snippet and the in-memory matcher take. */
export function snippetTerms(plan: SearchPlan): SnippetTerm[] {
  return [
    ...plan.substrings.map((text) => ({ text, wordPrefix: false })),
    ...plan.prefixes.map((text) => ({ text, wordPrefix: true })),
  ];
}

/**
 * Resolves `in:` and `from:` before the search, or answers undefined when nothing can match: an
 * unknown room or user, an archived room, or a private room the viewer is not in. Deciding here keeps
 * the main query from walking every match only to find each one hidden.
 */
export async function resolveScope(db: Kysely<DB>, input: SearchInput): Promise<SearchScope | undefined> {
  const { query } = input;
  const scope: SearchScope = {};
  if (query.room !== undefined) {
    const room = await db
      .selectFrom('rooms')
      .select(['id', 'kind', 'archivedAt'])
      .where('name', '=', query.room)
      .executeTakeFirst();
    if (room === undefined || room.archivedAt !== null) return undefined;
    if (!OPEN_KINDS.has(room.kind)) {
      const member = await db
        .selectFrom('roomMembers')
        .select('userId')
        .where('roomId', '=', room.id)
        .where('userId', '=', input.viewerUserId)
        .executeTakeFirst();
      if (member === undefined) return undefined;
    }
    scope.roomId = room.id;
  }
  if (query.user !== undefined) {
    const user = await db
      .selectFrom('users')
      .select('id')
      .where('username', '=', query.user)
      .executeTakeFirst();
    if (user === undefined) return undefined;
    scope.userId = user.id;
  }
  return scope;
}

/** Deleted messages and the filters, on `m` (messages) alone. */
export function messageConditions(input: SearchInput, scope: SearchScope): RawBuilder<unknown>[] {
  const { query } = input;
  const conditions: RawBuilder<unknown>[] = [sql`m.deleted_at IS NULL`];
  if (scope.roomId !== undefined) conditions.push(sql`m.room_id = ${scope.roomId}`);
  if (scope.userId !== undefined) conditions.push(sql`m.user_id = ${scope.userId}`);
  if (query.since !== undefined) conditions.push(sql`m.created_at >= ${query.since}`);
  if (query.until !== undefined) conditions.push(sql`m.created_at < ${query.until}`);
  if (query.hasFile) conditions.push(sql`m.files IS NOT NULL`);
  return conditions;
}

/**
 * Which rooms the viewer may search, on `r` (rooms): the rule of RoomAccess (open kinds, or a
 * member), minus archived rooms, which cannot be read at all.
 */
export function roomVisible(viewerUserId: string): RawBuilder<unknown> {
  return sql`r.archived_at IS NULL AND (r.kind IN (${sql.join([...OPEN_KINDS])}) OR EXISTS (
    SELECT 1 FROM room_members rm WHERE rm.room_id = r.id AND rm.user_id = ${viewerUserId}))`;
}

/** The columns of a SearchRow, from `m`, `r` and `u` (users, left-joined). */
export const SELECT_COLUMNS = sql`m.num, m.id AS message_id, m.room_id, r.name AS room_name, m.user_id,
  u.username, m.created_at, m.thread_id, m.text`;
