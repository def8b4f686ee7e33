/**
 * "Did you mean …": edit distance and ranking of candidates for misspelt commands, enum values and
 * argument names. Pure and allocation-light, because the unknown-command path runs on every stray
 * message that starts with the bot's prefix.
 */

/**
 * Optimal string alignment distance (Damerau-Levenshtein where a transposition of two adjacent letters
 * counts as one edit, so `depoly` is one edit from `deploy`). Case-sensitive; callers lower-case.
 * With `max`, stops early and returns `max + 1` as soon as the distance must exceed it.
 */
export function editDistance(a: string, b: string, max = Number.POSITIVE_INFINITY): number {
  if (a === b) return 0;
  if (Math.abs(a.length - b.length) > max) return max + 1;
  if (a.length === 0) return b.length;
  if (b.length === 0) return a.length;
  const width = b.length + 1;
  if (rows.length < width * 3) rows = new Int32Array(width * 6);
  // Three rolling rows in one reused buffer: two back for transpositions, one back for the usual
  // edits. No allocation per call, because "did you mean" runs over every registered word.
  let before = 0;
  let previous = width;
  let current = 2 * width;
  for (let j = 0; j < width; j++) rows[previous + j] = j;
  for (let i = 1; i <= a.length; i++) {
    rows[current] = i;
    let rowMin = i;
    const ai = a.charCodeAt(i - 1);
    const aPrev = i > 1 ? a.charCodeAt(i - 2) : -1;
    for (let j = 1; j < width; j++) {
      const bj = b.charCodeAt(j - 1);
      const cost = ai === bj ? 0 : 1;
      let value = rows[previous + j - 1]! + cost;
      const deletion = rows[previous + j]! + 1;
      const insertion = rows[current + j - 1]! + 1;
      if (deletion < value) value = deletion;
      if (insertion < value) value = insertion;
      if (j > 1 && ai === b.charCodeAt(j - 2) && aPrev === bj && rows[before + j - 2]! + 1 < value) {
        value = rows[before + j - 2]! + 1;
      }
      rows[current + j] = value;
      if (value < rowMin) rowMin = value;
    }
    if (rowMin > max) return max + 1;
    const oldBefore = before;
    before = previous;
    previous = current;
    current = oldBefore;
  }
  return rows[previous + b.length]!;
}

let rows = new Int32Array(64 * 3);

/** How many edits still count as a typo of a word this long: short words tolerate fewer. */
export function typoBudget(length: number): number {
  if (length <= 2) return 0;
  if (length <= 4) return 1;
  if (length <= 7) return 2;
  return 3;
}

export interface ClosestOptions {
  /** At most this many suggestions (default 3). */
  limit?: number;
  /** Largest edit distance accepted; defaults to typoBudget(word.length). */
  maxDistance?: number;
  /** Offer candidates that start with the word (`dep` → `deploy`); default true. Needs 2+ letters. */
  prefix?: boolean;
}

/**
 * The candidates closest to `word`, best first, compared case-insensitively. Prefix matches rank just
 * ahead of one-edit typos; ties go to the shorter, then alphabetically earlier candidate so output is stable.
 * An exact match is returned alone.
 */
export function closest(word: string, candidates: Iterable<string>, options: ClosestOptions = {}): string[] {
  const limit = options.limit ?? 3;
  const needle = word.toLowerCase();
  if (needle.length === 0 || limit <= 0) return [];
  const maxDistance = options.maxDistance ?? typoBudget(needle.length);
  const allowPrefix = (options.prefix ?? true) && needle.length >= 2;
  countLetters(needle);
  const scored: { candidate: string; score: number }[] = [];
  const seen = new Set<string>();
  for (const candidate of candidates) {
    // Too long or too short to be a typo, and not a prefix match: skip before any other work.
    const lengthGap = candidate.length - needle.length;
    if (Math.abs(lengthGap) > maxDistance && !(allowPrefix && lengthGap > 0)) continue;
    const lower = candidate.toLowerCase();
    if (seen.has(lower)) continue;
    seen.add(lower);
    if (lower === needle) return [candidate];
    const isPrefix = allowPrefix && lower.startsWith(needle);
    if (!isPrefix && letterGapBound(needle, lower) > maxDistance) continue;
    const distance = isPrefix ? 0 : editDistance(needle, lower, maxDistance);
    if (distance <= maxDistance || isPrefix) {
      scored.push({ candidate, score: isPrefix ? 0.5 : distance });
    }
  }
  scored.sort(
    (x, y) =>
      x.score - y.score ||
      x.candidate.length - y.candidate.length ||
      (x.candidate < y.candidate ? -1 : x.candidate > y.candidate ? 1 : 0),
  );
  return scored.slice(0, limit).map((s) => s.candidate);
}

// Letter counts of the word being matched (by char code mod 128), and a scratch copy taken down per
// candidate and put back after it.
const needleLetters = new Int32Array(128);
const scratchLetters = new Int32Array(128);

function countLetters(needle: string): void {
  needleLetters.fill(0);
  for (let i = 0; i < needle.length; i++) needleLetters[needle.charCodeAt(i) & 127]!++;
  scratchLetters.set(needleLetters);
}

/**
 * A lower bound of the edit distance from the counted needle to `candidate`, in one pass over the
 * candidate: a substitution changes the letter counts by two, an insertion or deletion by one, a
 * transposition not at all, so the distance is at least half the counts' difference. Most names of a
 * large registry fail it, which leaves the quadratic distance to the few that could be typos.
 */
function letterGapBound(needle: string, candidate: string): number {
  let extra = 0;
  for (let i = 0; i < candidate.length; i++) {
    const k = candidate.charCodeAt(i) & 127;
    if (scratchLetters[k]! > 0) scratchLetters[k]!--;
    else extra++;
  }
  for (let i = 0; i < candidate.length; i++) {
    const k = candidate.charCodeAt(i) & 127;
    scratchLetters[k] = needleLetters[k]!;
  }
  const missing = needle.length - (candidate.length - extra);
  return Math.ceil((extra + missing) / 2);
}

/** `'prod'` / `'a' or 'b'` / `'a', 'b' or 'c'`: the tail of a "did you mean" sentence. */
export function orList(words: readonly string[], quote = "'"): string {
  const quoted = words.map((w) => `${quote}${w}${quote}`);
  if (quoted.length <= 1) return quoted.join('');
  return `${quoted.slice(0, -1).join(', ')} or ${quoted[quoted.length - 1]}`;
}

/** " — did you mean 'prod'?" or '' when there is nothing to suggest; ready to append to a message. */
export function didYouMean(suggestions: readonly string[], quote = "'"): string {
  return suggestions.length === 0 ? '' : ` — did you mean ${orList(suggestions, quote)}?`;
}
