/**
 * "Did you mean …": edit distance and ranking of candidates for misspelt commands, enum values and
 * argument names. Pure and allocation-light, because the unknown-command path runs on every stray
 * message that starts with the bot's prefix.
 */

import { MAX_BIT_WORD, OsaBits } from './osa-bits.js';

/**
 * Optimal string alignment distance (Damerau-Levenshtein where a transposition of two adjacent letters
 * counts as one edit, so `depoly` is one edit from `deploy`). Case-sensitive; callers lower-case.
 * With `max`, only the band of cells within `max` of the diagonal is computed (any cell outside it is
 * more than `max` edits away), and the answer is `max + 1` as soon as the distance must exceed it.
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
  // No cell is more than a.length + b.length, so a larger max needs no band.
  const band = max < a.length + b.length ? max : a.length + b.length;
  const far = band + 1;
  let before = 0;
  let previous = width;
  let current = 2 * width;
  for (let j = 0; j < width; j++) rows[previous + j] = j;
  for (let i = 1; i <= a.length; i++) {
    const from = i - band > 1 ? i - band : 1;
    const to = i + band < b.length ? i + band : b.length;
    // The cells just outside the band stand for "too far"; the next row reads them.
    rows[current + from - 1] = from === 1 ? i : far;
    if (to < b.length) rows[current + to + 1] = far;
    let rowMin = from === 1 ? i : far;
    const ai = a.charCodeAt(i - 1);
    const aPrev = i > 1 ? a.charCodeAt(i - 2) : -1;
    for (let j = from; j <= to; j++) {
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
  const distance = rows[previous + b.length]!;
  return distance > max ? max + 1 : distance;
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
  const query: Query = { needle, needleSet: letterSet(needle), maxDistance, allowPrefix, scored: [] };
  const prepared = preparedOf(candidates);
  if (prepared !== undefined) {
    const list = candidates as readonly string[];
    const exact = prepared.first.get(needle);
    if (exact !== undefined) return [list[exact]!];
    if (needle.length <= MAX_BIT_WORD) query.bits = new OsaBits(needle);
    prepared.scan(query, list);
  } else {
    for (const candidate of candidates) {
      if (!inReach(query, candidate)) continue;
      const lower = candidate.toLowerCase();
      if (consider(query, candidate, lower, letterSet(lower))) return [candidate];
    }
  }
  const { scored } = query;
  scored.sort(
    (x, y) =>
      x.score - y.score ||
      x.candidate.length - y.candidate.length ||
      (x.candidate < y.candidate ? -1 : x.candidate > y.candidate ? 1 : 0),
  );
  return scored.slice(0, limit).map((s) => s.candidate);
}

/**
 * A large frozen candidate list (a registry's names), indexed once: lower-cased forms and letter sets,
 * the first candidate of each lower-cased form (an exact match is one Map get), the candidates of
 * each length, and all of them sorted, so a prefix match is a binary search. A word is then compared
 * only with the names of a length within its typo budget and with those it starts, instead of all.
 */
class PreparedList {
  readonly lower: string[];
  readonly letters: Int32Array;
  readonly first = new Map<string, number>();
  /** Candidate indexes by length, in list order. */
  private readonly byLength: Int32Array[] = [];
  /** Candidate indexes sorted by lower-cased form. */
  private readonly sorted: Int32Array;

  constructor(list: readonly string[]) {
    this.lower = list.map((c) => c.toLowerCase());
    this.letters = Int32Array.from(this.lower, letterSet);
    const byLength: number[][] = [];
    this.lower.forEach((lower, i) => {
      if (!this.first.has(lower)) this.first.set(lower, i);
      const bucket = byLength[lower.length];
      if (bucket === undefined) byLength[lower.length] = [i];
      else bucket.push(i);
    });
    for (const [length, indexes] of byLength.entries()) {
      if (indexes !== undefined) this.byLength[length] = Int32Array.from(indexes);
    }
    const order = this.lower.map((_, i) => i);
    order.sort((a, b) =>
      this.lower[a]! < this.lower[b]! ? -1 : this.lower[a]! > this.lower[b]! ? 1 : a - b,
    );
    this.sorted = Int32Array.from(order);
  }

  /**
   * Scores, for a word with no exact match, the candidates within its typo budget of its length (those
   * the letter-set bound leaves), then the longer ones it is a prefix of. Every other candidate is out
   * of reach. Case variants of a name share its length and letters, so they come in list order and the
   * first one wins, as in a plain scan.
   */
  scan(query: Query, list: readonly string[]): void {
    const { needle, needleSet, maxDistance } = query;
    const top = Math.min(needle.length + maxDistance, this.byLength.length - 1);
    for (let length = Math.max(0, needle.length - maxDistance); length <= top; length++) {
      const bucket = this.byLength[length];
      if (bucket === undefined) continue;
      for (let k = 0; k < bucket.length; k++) {
        const i = bucket[k]!;
        const letters = this.letters[i]!;
        if (setGap(needleSet, letters) > maxDistance) continue;
        consider(query, list[i]!, this.lower[i]!, letters);
      }
    }
    if (!query.allowPrefix) return;
    for (let k = this.lowerBound(needle); k < this.sorted.length; k++) {
      const i = this.sorted[k]!;
      const lower = this.lower[i]!;
      if (!lower.startsWith(needle)) break;
      consider(query, list[i]!, lower, this.letters[i]!);
    }
  }

  /** The first position in `sorted` whose lower-cased form is not before `needle`. */
  private lowerBound(needle: string): number {
    let low = 0;
    let high = this.sorted.length;
    while (low < high) {
      const middle = (low + high) >>> 1;
      if (this.lower[this.sorted[middle]!]! < needle) low = middle + 1;
      else high = middle;
    }
    return low;
  }
}
const preparedLists = new WeakMap<readonly string[], PreparedList>();
const PREPARE_FROM = 64;

function preparedOf(candidates: Iterable<string>): PreparedList | undefined {
  // Only a frozen array can be remembered safely: nobody can change it behind the cache.
  if (!Array.isArray(candidates) || candidates.length < PREPARE_FROM || !Object.isFrozen(candidates)) {
    return undefined;
  }
  const list = candidates as readonly string[];
  let prepared = preparedLists.get(list);
  if (prepared === undefined) {
    prepared = new PreparedList(list);
    preparedLists.set(list, prepared);
  }
  return prepared;
}

/** Which characters occur, as bits (char code mod 32: letters get a bit each; sharing only weakens the bound). */
export function letterSet(text: string): number {
  let set = 0;
  for (let i = 0; i < text.length; i++) set |= 1 << (text.charCodeAt(i) & 31);
  return set;
}

/**
 * The same bound on letter sets: an edit removes at most one letter (or letter bit) of one word from
 * the other and adds at most one, so the distance is at least the larger of the two set differences.
 */
function setGap(a: number, b: number): number {
  const missing = bitCount(a & ~b);
  const extra = bitCount(b & ~a);
  return missing > extra ? missing : extra;
}

function bitCount(n: number): number {
  let v = n - ((n >>> 1) & 0x55555555);
  v = (v & 0x33333333) + ((v >>> 2) & 0x33333333);
  return (((v + (v >>> 4)) & 0x0f0f0f0f) * 0x01010101) >>> 24;
}

// Letter counts of the word being matched (by char code mod 128), and a scratch copy taken down per
// candidate and put back after it. Both stay equal between calls; only the counted word's entries are
// ever non-zero, so switching words touches those entries alone (natural-language scoring calls
// closest thousands of times per message, mostly on two or three candidates).
const needleLetters = new Int32Array(128);
const scratchLetters = new Int32Array(128);
let countedNeedle = '';

function countLetters(needle: string): void {
  if (needle === countedNeedle) return;
  for (let i = 0; i < countedNeedle.length; i++) {
    const k = countedNeedle.charCodeAt(i) & 127;
    needleLetters[k] = 0;
    scratchLetters[k] = 0;
  }
  for (let i = 0; i < needle.length; i++) needleLetters[needle.charCodeAt(i) & 127]!++;
  for (let i = 0; i < needle.length; i++) {
    const k = needle.charCodeAt(i) & 127;
    scratchLetters[k] = needleLetters[k]!;
  }
  countedNeedle = needle;
}

/**
 * A lower bound of the edit distance from the counted needle to `candidate`, in one pass over the
 * candidate: an edit takes away at most one of the needle's letters (deletion, substitution) and
 * adds at most one it lacks (insertion, substitution); a transposition changes no count. So the
 * distance is at least the larger of the letters missing and the letters extra. Most names of a
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
  return extra > missing ? extra : missing;
}

interface Query {
  needle: string;
  needleSet: number;
  maxDistance: number;
  allowPrefix: boolean;
  scored: { candidate: string; score: number }[];
  /** Case variants of one candidate count once (the first given); only close ones are remembered. */
  seen?: Set<string>;
  /** The needle set up for bit-parallel distances, when many candidates are compared with it. */
  bits?: OsaBits | undefined;
}

/** Too long or too short to be a typo, and not a prefix match: skipped before any other work. */
function inReach(query: Query, candidate: string): boolean {
  const lengthGap = candidate.length - query.needle.length;
  return Math.abs(lengthGap) <= query.maxDistance || (query.allowPrefix && lengthGap > 0);
}

/** Scores one candidate into the query; true for an exact match, which is returned alone. */
function consider(query: Query, candidate: string, lower: string, letters: number): boolean {
  const { needle, maxDistance } = query;
  if (lower === needle) return true;
  const isPrefix = query.allowPrefix && lower.startsWith(needle);
  if (!isPrefix) {
    // Cheap lower bounds first (letter sets, letter counts), so most names of a large registry never
    // reach the edit distance.
    if (setGap(query.needleSet, letters) > maxDistance) return false;
    if (query.bits === undefined) {
      countLetters(needle);
      if (letterGapBound(needle, lower) > maxDistance) return false;
    }
  }
  const distance = isPrefix
    ? 0
    : query.bits !== undefined
      ? query.bits.distance(lower)
      : editDistance(needle, lower, maxDistance);
  if (distance > maxDistance && !isPrefix) return false;
  query.seen ??= new Set();
  if (query.seen.has(lower)) return false;
  query.seen.add(lower);
  query.scored.push({ candidate, score: isPrefix ? 0.5 : distance });
  return false;
}

/**
 * Many typo questions about one word ("is `word` within `max` edits of this candidate?"): the word's
 * letters are counted once, and the same cheap bounds as `closest` rule most candidates out before the
 * edit distance. For callers that group candidates their own way (natural-language scoring by command).
 *
 * @example
 * ```ts
 * const typo = new TypoProbe('depoly');
 * typo.within('deploy', letterSet('deploy'), typoBudget(6)); // true
 * ```
 */
export class TypoProbe {
  private readonly letters: number;
  private readonly bits: OsaBits | undefined;

  constructor(private readonly word: string) {
    this.letters = letterSet(word);
    this.bits = word.length > 0 && word.length <= MAX_BIT_WORD ? new OsaBits(word) : undefined;
  }

  /** Whether `candidate` (lower-case, with its `letterSet`) is at most `max` edits from the word. */
  within(candidate: string, candidateLetters: number, max: number): boolean {
    if (Math.abs(candidate.length - this.word.length) > max) return false;
    if (setGap(this.letters, candidateLetters) > max) return false;
    countLetters(this.word);
    if (letterGapBound(this.word, candidate) > max) return false;
    return (
      (this.bits !== undefined ? this.bits.distance(candidate) : editDistance(this.word, candidate, max)) <=
      max
    );
  }
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
