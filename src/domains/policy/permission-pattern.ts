/**
 * Permission patterns (`deploy:*`, `*`, `deploy:prod`) compiled once into the cheapest test that
 * answers them, so a check on the dispatch path is a string compare, a `startsWith`, or (rarely) a
 * RegExp, and never allocates.
 */

/** Tests one permission (or argument value) against a compiled pattern. */
export type PatternTest = (value: string) => boolean;

const REGEX_SPECIAL = /[.+?^${}()|[\]\\]/g;

/**
 * Compiles a pattern where `*` matches any run of characters (also none, and also ':'), like
 * `permissionMatches`.
 *
 * @example
 * ```ts
 * compilePattern('deploy:*')('deploy:prod'); // true
 * compilePattern('deploy:*')('deployer');    // false
 * ```
 */
export function compilePattern(pattern: string): PatternTest {
  const star = pattern.indexOf('*');
  if (star === -1) return (value) => value === pattern;
  if (pattern === '*') return () => true;
  if (star === pattern.length - 1) {
    const prefix = pattern.slice(0, -1);
    return (value) => value.startsWith(prefix);
  }
  const regex = new RegExp(`^${pattern.replace(REGEX_SPECIAL, '\\$&').replace(/\*+/g, '.*')}$`);
  return (value) => regex.test(value);
}

const TEMPLATE = /\{\{[^}]*\}\}/g;

/** A command's declared permission with `{{arg}}` templates read as `*` (any value the argument takes). */
export function templateAsPattern(permission: string): string {
  return permission.replace(TEMPLATE, '*').replace(/\*+/g, '*');
}

/**
 * Whether two `*` patterns match at least one common string: "could a grant of `deploy:*` ever allow
 * `deploy:{{env}}`?" (for `help` and `mayUse`, not the dispatch path).
 */
export function patternsOverlap(a: string, b: string): boolean {
  const memo = new Map<number, boolean>();
  const width = b.length + 1;
  const overlap = (i: number, j: number): boolean => {
    const key = i * width + j;
    const known = memo.get(key);
    if (known !== undefined) return known;
    let result: boolean;
    if (i === a.length && j === b.length) result = true;
    else if (i < a.length && a[i] === '*') {
      // The star matches nothing, or swallows the next character of b (a star there included).
      result = overlap(i + 1, j) || (j < b.length && overlap(i, j + 1));
    } else if (j < b.length && b[j] === '*') {
      result = overlap(i, j + 1) || (i < a.length && overlap(i + 1, j));
    } else {
      result = i < a.length && j < b.length && a[i] === b[j] && overlap(i + 1, j + 1);
    }
    memo.set(key, result);
    return result;
  };
  return overlap(0, 0);
}
