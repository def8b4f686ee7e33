/**
 * A literal a regex's every match must contain, so `HearListeners.match` can rule a listener out with
 * one `includes` instead of running its regex: most messages match none of a hundred listeners.
 *
 * The pattern is read left to right as runs of plain characters; anything else (a class, a group,
 * `.`, an escape that is not a plain character, a character that may be absent) ends a run. A group
 * that must match is read the same way on its own. The longest run is the literal. When in doubt a
 * character ends the run, so the literal is always a necessary condition, never a guess: a `|` gives
 * no literal at its level, nor does the `v` flag (its classes nest). With `i`, only ASCII characters are kept and compared
 * lower-cased (without `u`, JavaScript never folds a non-ASCII character to an ASCII one; with `u`,
 * `ſ` and the Kelvin sign fold to `s` and `k`, so those two letters end the run).
 */

export interface RequiredLiteral {
  /** The text, lower-cased when `folded`. */
  text: string;
  /** Compare against the lower-cased message (the regex has the `i` flag). */
  folded: boolean;
}

// Characters that stand for themselves after a backslash.
const SYNTAX = new Set('^$\\.*+?()[]{}|/-'.split(''));
const CONTROL_ESCAPES: Record<string, string> = { n: '\n', r: '\r', t: '\t', f: '\f', v: '\v' };
const QUANTIFIER = /^\{(\d+)(?:,(\d*))?\}/;

/** The longest literal every match of `regex` contains, or undefined when none can be read safely. */
export function requiredLiteral(regex: RegExp): RequiredLiteral | undefined {
  if (regex.flags.includes('v')) return undefined;
  const folded = regex.ignoreCase;
  const best = longestRun(regex.source, 0, regex.source.length, folded, folded && regex.unicode);
  return best === undefined || best === '' ? undefined : { text: best, folded };
}

/**
 * The longest run of plain characters in `source` from `from` to `to` (one level of the pattern), or
 * undefined when that level is an alternation (no one literal is required). A group that must match
 * (capturing, `(?:…)` or named, not optional) is read the same way, and its best run counts too.
 */
function longestRun(
  source: string,
  from: number,
  to: number,
  folded: boolean,
  unicodeFold: boolean,
): string | undefined {
  let best = '';
  let run = '';
  const end = () => {
    if (run.length > best.length) best = run;
    run = '';
  };
  let i = from;
  while (i < to) {
    const char = source[i]!;
    // The atom starting at i: a literal character (or none), and where it ends.
    let literal: string | undefined;
    let next = i + 1;
    // For a group: where its own pattern starts (undefined for lookarounds, which consume nothing).
    let inner: number | undefined;
    if (char === '|') return undefined;
    if (char === '\\') {
      const escaped = source[i + 1];
      if (escaped === undefined) return undefined;
      next = i + 2;
      if (SYNTAX.has(escaped)) literal = escaped;
      else if (CONTROL_ESCAPES[escaped] !== undefined) literal = CONTROL_ESCAPES[escaped];
      else next = escapeEnd(source, i + 1);
    } else if (char === '[') {
      next = classEnd(source, i);
      if (next < 0) return undefined;
    } else if (char === '(') {
      next = groupEnd(source, i);
      if (next < 0) return undefined;
      inner = groupBody(source, i);
    } else if (char === '^' || char === '$') {
      // Zero-width: nothing consumed, but a run across an anchor is not worth the reasoning.
      end();
      i = next;
      continue;
    } else if (char !== '.' && char !== '*' && char !== '+' && char !== '?') {
      // `{`, `}` and `]` that are not part of a quantifier or class stand for themselves (no `u` flag).
      if (char === '{' && QUANTIFIER.test(source.slice(i))) return undefined;
      literal = char;
    }
    const atomEnd = next;
    // What follows the atom: a quantifier makes it optional (min 0) or repeatable (min ≥ 1).
    let min = 1;
    let repeats = false;
    const q = source[next];
    if (q === '*' || q === '?') {
      min = 0;
      next++;
    } else if (q === '+') {
      repeats = true;
      next++;
    } else if (q === '{') {
      const quantifier = QUANTIFIER.exec(source.slice(next));
      if (quantifier !== null) {
        min = Number(quantifier[1]);
        repeats = true;
        next += quantifier[0].length;
      }
    }
    if (repeats && source[next] === '?') next++;
    if (literal !== undefined && min > 0 && usable(literal, unicodeFold)) {
      run += folded ? literal.toLowerCase() : literal;
      // `a+` or `a{2}`: at least one `a` is certain, and what follows it may be more of them.
      if (repeats) end();
    } else {
      end();
      if (inner !== undefined && min > 0) {
        const within = longestRun(source, inner, atomEnd - 1, folded, unicodeFold);
        if (within !== undefined && within.length > best.length) best = within;
      }
    }
    i = next;
  }
  end();
  return best;
}

/** Where the pattern inside the group opening at `at` starts; undefined for a lookaround. */
function groupBody(source: string, at: number): number | undefined {
  if (source[at + 1] !== '?') return at + 1;
  if (source[at + 2] === ':') return at + 3;
  if (source[at + 2] === '<' && source[at + 3] !== '=' && source[at + 3] !== '!') {
    const close = source.indexOf('>', at + 3);
    return close < 0 ? undefined : close + 1;
  }
  return undefined;
}

/** Plain ASCII only: a non-ASCII character may be half of a surrogate pair or fold in surprising ways. */
function usable(char: string, unicodeFold: boolean): boolean {
  if (char.charCodeAt(0) >= 128) return false;
  return !(unicodeFold && (char === 'k' || char === 'K' || char === 's' || char === 'S'));
}

/** Just past an escape that is not a plain character (`\d`, `\x41`, `\u{1F600}`, `\p{L}`, `\k<n>`, `\12`). */
function escapeEnd(source: string, at: number): number {
  const kind = source[at]!;
  let i = at + 1;
  const take = (pattern: RegExp) => {
    const found = pattern.exec(source.slice(i));
    if (found !== null) i += found[0].length;
  };
  if (kind === 'x') take(/^[0-9a-fA-F]{1,2}/);
  else if (kind === 'u') take(/^(?:\{[^}]*\}|[0-9a-fA-F]{1,4})/);
  else if (kind === 'c') take(/^[A-Za-z]/);
  else if (kind === 'p' || kind === 'P') take(/^\{[^}]*\}/);
  else if (kind === 'k') take(/^<[^>]*>/);
  else if (kind >= '0' && kind <= '9') take(/^[0-9]+/);
  return i;
}

/** Just past the `]` closing the class that opens at `at`, or -1. */
function classEnd(source: string, at: number): number {
  for (let i = at + 1; i < source.length; i++) {
    const char = source[i];
    if (char === '\\') i++;
    else if (char === ']') return i + 1;
  }
  return -1;
}

/** Just past the `)` closing the group that opens at `at`, or -1. */
function groupEnd(source: string, at: number): number {
  let depth = 0;
  for (let i = at; i < source.length; i++) {
    const char = source[i];
    if (char === '\\') i++;
    else if (char === '[') {
      i = classEnd(source, i) - 1;
      if (i < 0) return -1;
    } else if (char === '(') depth++;
    else if (char === ')' && --depth === 0) return i + 1;
  }
  return -1;
}

/**
 * Which of many literals a message contains, in one pass over it (and one over its lower-cased form
 * for the case-insensitive ones) instead of one `includes` per listener. Literals are indexed by their
 * first two characters (always ASCII, see `usable`); a position whose pair starts none is passed over
 * with one array read. One-character literals are looked for with `includes`.
 */
export class LiteralScan {
  private readonly exact = new PairIndex();
  private readonly folded = new PairIndex();
  private readonly singles: { text: string; folded: boolean; id: number }[] = [];
  /** How many distinct literals there are: the length of the array `present` returns. */
  readonly size: number;

  /** `literals[id]` is the literal with that id; ids are positions in the list. */
  constructor(literals: readonly RequiredLiteral[]) {
    literals.forEach((literal, id) => {
      if (literal.text.length === 1) this.singles.push({ ...literal, id });
      else (literal.folded ? this.folded : this.exact).add(literal.text, id);
    });
    this.size = literals.length;
  }

  /** 1 at each literal's id when the text contains it (a folded one: its lower-cased form does). */
  present(text: string): Uint8Array {
    const found = new Uint8Array(this.size);
    if (!this.exact.empty) this.exact.scan(text, found);
    let lower: string | undefined;
    if (!this.folded.empty) {
      lower = text.toLowerCase();
      this.folded.scan(lower, found);
    }
    for (const single of this.singles) {
      if (single.folded) lower ??= text.toLowerCase();
      if ((single.folded ? lower! : text).includes(single.text)) found[single.id] = 1;
    }
    return found;
  }
}

/** Literals of two or more ASCII characters by their first two. */
class PairIndex {
  private readonly starts = new Uint8Array(128 * 128);
  private readonly byPair = new Map<number, { text: string; id: number }[]>();
  empty = true;

  add(text: string, id: number): void {
    const pair = (text.charCodeAt(0) << 7) | text.charCodeAt(1);
    this.starts[pair] = 1;
    const list = this.byPair.get(pair);
    if (list === undefined) this.byPair.set(pair, [{ text, id }]);
    else list.push({ text, id });
    this.empty = false;
  }

  scan(text: string, found: Uint8Array): void {
    const starts = this.starts;
    let previous = text.length > 0 ? text.charCodeAt(0) : 128;
    for (let i = 1; i < text.length; i++) {
      const code = text.charCodeAt(i);
      if ((previous | code) < 128 && starts[(previous << 7) | code] === 1) {
        for (const literal of this.byPair.get((previous << 7) | code)!) {
          if (found[literal.id] === 0 && text.startsWith(literal.text, i - 1)) found[literal.id] = 1;
        }
      }
      previous = code;
    }
  }
}
