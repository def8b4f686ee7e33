/** What a snippet marks: a substring anywhere, or (for terms under 3 characters) the start of a word. */
export interface SnippetTerm {
  text: string;
  wordPrefix: boolean;
}

export const SNIPPET_LENGTH = 160;
/** How much text to keep before the first match, so it is read in context. */
const LEAD = 50;

/**
 * The part of `text` around the first match, at most about SNIPPET_LENGTH characters, with every
 * match inside it wrapped in `**` (Markdown bold) and '…' where it was cut. Whitespace runs (newlines
 * included) become one space, so a snippet is one line. Built here rather than by the database, so
 * SQLite and PostgreSQL give identical snippets; if nothing can be located (the word index folds
 * diacritics, say), the start of the message is shown unmarked.
 */
export function buildSnippet(rawText: string, terms: readonly SnippetTerm[]): string {
  const text = rawText.replace(/\s+/gu, ' ').trim();
  const ranges = findMatches(text, terms);
  const first = ranges[0];
  let start = 0;
  if (first !== undefined && first.end > SNIPPET_LENGTH - 10) {
    start = Math.max(0, first.start - LEAD);
    // Begin at a word when one starts shortly after the cut.
    const space = text.indexOf(' ', start);
    if (start > 0 && space >= 0 && space < first.start && space - start < 15) start = space + 1;
  }
  let end = Math.min(text.length, start + SNIPPET_LENGTH);
  if (first !== undefined && first.end > end) end = first.end;
  if (end < text.length) {
    const space = text.lastIndexOf(' ', end);
    if (space > start && end - space < 20 && (first === undefined || space >= first.end)) end = space;
  }
  // Never cut a surrogate pair (an emoji) in half.
  if (start > 0 && isLowSurrogate(text.charCodeAt(start))) start--;
  if (end < text.length && isLowSurrogate(text.charCodeAt(end))) end++;

  let out = start > 0 ? '…' : '';
  let at = start;
  for (const range of ranges) {
    if (range.start < start || range.end > end) continue;
    out += `${text.slice(at, range.start)}**${text.slice(range.start, range.end)}**`;
    at = range.end;
  }
  out += text.slice(at, end);
  return end < text.length ? `${out}…` : out;
}

/**
 * A term as a regular expression: a literal substring, or one starting a word. `iu` folds case per
 * code point, as the FTS5 and pg_trgm indexes do, and keeps positions in the text exact
 * (toLowerCase may change lengths).
 */
export function termPattern(term: SnippetTerm, flags = ''): RegExp {
  const escaped = term.text.replace(/[\\^$.*+?()[\]{}|/]/g, '\\$&');
  return new RegExp(term.wordPrefix ? `(?<![\\p{L}\\p{N}])${escaped}` : escaped, `iu${flags}`);
}

interface Range {
  start: number;
  end: number;
}

/** All matches of all terms, sorted and with overlaps merged. */
function findMatches(text: string, terms: readonly SnippetTerm[]): Range[] {
  const ranges: Range[] = [];
  for (const term of terms) {
    if (term.text === '') continue;
    for (const match of text.matchAll(termPattern(term, 'g'))) {
      ranges.push({ start: match.index, end: match.index + match[0].length });
    }
  }
  ranges.sort((a, b) => a.start - b.start || b.end - a.end);
  const merged: Range[] = [];
  for (const range of ranges) {
    const last = merged[merged.length - 1];
    if (last !== undefined && range.start <= last.end) last.end = Math.max(last.end, range.end);
    else merged.push({ ...range });
  }
  return merged;
}

function isLowSurrogate(code: number): boolean {
  return code >= 0xdc00 && code <= 0xdfff;
}
