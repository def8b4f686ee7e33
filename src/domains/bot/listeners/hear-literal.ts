/**
 * A literal a regex's every match must contain, so `HearListeners.match` can rule a listener out with
 * one `includes` instead of running its regex: most messages match none of a hundred listeners.
 *
 * Only the top level of the pattern is read, left to right, as a run of plain characters; anything
 * else (a class, a group, `.`, an escape that is not a plain character, a character that may be
 * absent) ends the run. The longest run is the literal. When in doubt a character ends the run, so
 * the literal is always a necessary condition, never a guess: a top-level `|` gives no literal, nor
 * does the `v` flag (its classes nest). With `i`, only ASCII characters are kept and compared
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
  const unicodeFold = folded && regex.unicode;
  const source = regex.source;
  let best = '';
  let run = '';
  const end = () => {
    if (run.length > best.length) best = run;
    run = '';
  };
  let i = 0;
  while (i < source.length) {
    const char = source[i]!;
    // The atom starting at i: a literal character (or none), and where it ends.
    let literal: string | undefined;
    let next = i + 1;
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
    }
    i = next;
  }
  end();
  return best === '' ? undefined : { text: best, folded };
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
