import { ValidationError } from '../../../core/errors.js';
import { handle } from '../../../core/text.js';

/** One thing to find; every term of a query must match (AND). Matching is case-insensitive. */
export interface SearchTerm {
  /** As typed, without the quotes of a phrase. */
  text: string;
  /** It was written in double quotes (it may then contain spaces). */
  phrase: boolean;
}

/**
 * A search query, parsed. Terms of 3+ characters match anywhere in a message (substring); shorter
 * ones match the start of a word. Time bounds are ISO-8601 UTC strings, comparable with `createdAt`.
 */
export interface ParsedSearchQuery {
  terms: SearchTerm[];
  /** `in:#room`: a room name, lower-case, without '#'. */
  room?: string;
  /** `from:@user`: a username, lower-case, without '@'. */
  user?: string;
  /** Inclusive lower bound on createdAt (from `after:` or `on:`). */
  since?: string;
  /** Exclusive upper bound on createdAt (from `before:` or `on:`). */
  until?: string;
  /** `has:file`: only messages with an attachment. */
  hasFile?: true;
}

export const MAX_QUERY_LENGTH = 500;
export const MAX_TERMS = 10;
const FILTERS = ['in', 'from', 'before', 'after', 'on', 'has'] as const;
type FilterName = (typeof FILTERS)[number];
const EXAMPLES: Record<FilterName, string> = {
  in: 'in:#ops',
  from: 'from:@alice',
  before: 'before:2024-05-01',
  after: 'after:2024-05-01',
  on: 'on:2024-05-01',
  has: 'has:file',
};
const DAY_MS = 86_400_000;

/**
 * Parses what a user typed into the search box: words, "quoted phrases", and the filters
 * `in:#room`, `from:@user`, `has:file`, `before:`, `after:` and `on:` (a date `YYYY-MM-DD`, or an ISO timestamp;
 * one without a zone is read as UTC). Dates follow the usual chat-search meaning: `after:2024-05-01`
 * starts the day after, `before:2024-05-01` ends the day before, `on:` is that one day (UTC).
 * A `word:value` token whose word is not a filter is refused (quote it to search for it), except
 * URLs (`https://…`); a word ending in ':' with nothing after it is an ordinary term.
 */
export function parseSearchQuery(input: string): ParsedSearchQuery {
  if (input.length > MAX_QUERY_LENGTH) {
    throw new ValidationError(`A search query must be at most ${MAX_QUERY_LENGTH} characters`);
  }
  const query: ParsedSearchQuery = { terms: [] };
  const seen = new Set<FilterName>();
  for (const token of tokenize(input)) {
    if (token.quoted) {
      addTerm(query, token.text, true);
      continue;
    }
    const filter = /^([A-Za-z]+):(.*)$/.exec(token.text);
    const name = (filter?.[1] ?? '').toLowerCase();
    const value = filter?.[2] ?? '';
    // `Error:` (nothing after the colon) and URLs are text; so is anything not shaped like word:value.
    if (!filter || (value === '' && !isFilterName(name)) || value.startsWith('//')) {
      addTerm(query, token.text, false);
      continue;
    }
    if (!isFilterName(name)) throw unknownFilter(name, token.text);
    if (value === '') throw new ValidationError(`${name}: needs a value, e.g. ${EXAMPLES[name]}`);
    if (seen.has(name)) throw new ValidationError(`Use the ${name}: filter at most once`);
    seen.add(name);
    applyFilter(query, name, value);
  }
  if (query.terms.length === 0 && seen.size === 0) {
    throw new ValidationError('Type something to search for, or a filter such as in:#room or from:@user');
  }
  if (query.since !== undefined && query.until !== undefined && query.since >= query.until) {
    throw new ValidationError(
      'The time filters leave nothing to search: after:/on: must come before before:',
    );
  }
  return query;
}

interface Token {
  text: string;
  quoted: boolean;
}

/** Splits on whitespace; "double quotes" group words into one phrase (no escapes inside). */
function tokenize(input: string): Token[] {
  const tokens: Token[] = [];
  const pattern = /"([^"]*)("?)|[^\s"]+/g;
  for (const match of input.matchAll(pattern)) {
    if (match[1] === undefined) {
      tokens.push({ text: match[0], quoted: false });
      continue;
    }
    if (match[2] !== '"') throw new ValidationError('A quoted phrase in the search query has no closing "');
    const phrase = match[1].trim().replace(/\s+/g, ' ');
    if (phrase !== '') tokens.push({ text: phrase, quoted: true });
  }
  return tokens;
}

function addTerm(query: ParsedSearchQuery, text: string, phrase: boolean): void {
  // Shorter terms are looked up as word prefixes, and a word has letters or digits.
  if ([...text].length < 3 && !/[\p{L}\p{N}]/u.test(text)) {
    throw new ValidationError(
      `Cannot search for '${text}': a term under 3 characters needs a letter or digit`,
    );
  }
  if (query.terms.length >= MAX_TERMS)
    throw new ValidationError(`A search query may have at most ${MAX_TERMS} terms`);
  query.terms.push({ text, phrase });
}

function isFilterName(name: string): name is FilterName {
  return (FILTERS as readonly string[]).includes(name);
}

function applyFilter(query: ParsedSearchQuery, name: FilterName, value: string): void {
  switch (name) {
    case 'has':
      if (value.toLowerCase() !== 'file') throw new ValidationError(`has: takes 'file' (${EXAMPLES.has})`);
      query.hasFile = true;
      return;
    case 'in':
      query.room = handleValue(name, value.replace(/^#/, ''), 'room name', 80);
      return;
    case 'from':
      query.user = handleValue(name, value.replace(/^@/, ''), 'username', 32);
      return;
    case 'after': {
      const { start, end, dateOnly } = parseTime(value, name);
      tighten(query, 'since', dateOnly ? end : new Date(Date.parse(start) + 1).toISOString());
      return;
    }
    case 'before':
      tighten(query, 'until', parseTime(value, name).start);
      return;
    case 'on': {
      const { start, end, dateOnly } = parseTime(value, name);
      if (!dateOnly) throw new ValidationError(`on: takes a date, e.g. ${EXAMPLES.on}, not '${value}'`);
      tighten(query, 'since', start);
      tighten(query, 'until', end);
      return;
    }
  }
}

/** `on:` and `after:`/`before:` may both bound one side; the narrower bound wins. */
function tighten(query: ParsedSearchQuery, side: 'since' | 'until', value: string): void {
  const current = query[side];
  if (current === undefined) query[side] = value;
  else
    query[side] = side === 'since' ? (value > current ? value : current) : value < current ? value : current;
}

function handleValue(name: FilterName, value: string, what: string, max: number): string {
  const parsed = handle(what, max).safeParse(value);
  if (!parsed.success) {
    const reason = parsed.error.issues[0]?.message ?? `invalid ${what}`;
    throw new ValidationError(`${name}: needs a ${what}, e.g. ${EXAMPLES[name]} (${reason})`);
  }
  return parsed.data;
}

const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const TIMESTAMP = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,3})?)?(Z|[+-]\d{2}:\d{2})?$/i;

/** A date is the UTC day [start, end); a timestamp is one instant (start = end). */
function parseTime(value: string, name: FilterName): { start: string; end: string; dateOnly: boolean } {
  const date = DATE.exec(value);
  if (date) {
    const ms = Date.UTC(Number(date[1]), Number(date[2]) - 1, Number(date[3]));
    const back = new Date(ms);
    // Date.UTC rolls 2024-02-30 over to March; refuse it instead.
    if (back.getUTCDate() !== Number(date[3]) || back.getUTCMonth() !== Number(date[2]) - 1)
      throw badTime(name, value);
    return { start: back.toISOString(), end: new Date(ms + DAY_MS).toISOString(), dateOnly: true };
  }
  if (TIMESTAMP.test(value)) {
    const zoned = /(Z|[+-]\d{2}:\d{2})$/i.test(value) ? value : `${value}Z`;
    const ms = Date.parse(zoned);
    if (Number.isNaN(ms) || !sameCalendarDay(value, ms, zoned)) throw badTime(name, value);
    const iso = new Date(ms).toISOString();
    return { start: iso, end: iso, dateOnly: false };
  }
  throw badTime(name, value);
}

/** Date.parse accepts some impossible dates (e.g. 2024-02-30T…); compare the day it landed on. */
function sameCalendarDay(value: string, ms: number, zoned: string): boolean {
  const offset = /([+-])(\d{2}):(\d{2})$/.exec(zoned);
  const shift = offset
    ? (offset[1] === '-' ? -1 : 1) * (Number(offset[2]) * 60 + Number(offset[3])) * 60_000
    : 0;
  return new Date(ms + shift).toISOString().slice(0, 10) === value.slice(0, 10);
}

function badTime(name: FilterName, value: string): ValidationError {
  return new ValidationError(
    `${name}: needs a date (YYYY-MM-DD) or an ISO timestamp (2024-05-01T12:00:00Z), not '${value}'`,
  );
}

function unknownFilter(name: string, token: string): ValidationError {
  const near = FILTERS.find((known) => editDistance(known, name) <= (known.length <= 2 ? 1 : 2));
  const hint = near === undefined ? '' : ` Did you mean ${near}:?`;
  return new ValidationError(
    `Unknown search filter '${name}:'.${hint} Filters are ${FILTERS.map((f) => `${f}:`).join(', ')}; ` +
      `to search for the text, quote it: "${token}"`,
  );
}

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      current[j] = Math.min(previous[j]! + 1, current[j - 1]! + 1, previous[j - 1]! + cost);
    }
    previous = current;
  }
  return previous[b.length]!;
}
