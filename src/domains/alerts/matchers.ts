import { ValidationError } from '../../core/errors.js';

/** `=`, `!=`, `=~`, `!~` as in Alertmanager; a missing label reads as the empty string. */
export type MatchOp = '=' | '!=' | '=~' | '!~';

export interface Matcher {
  name: string;
  op: MatchOp;
  value: string;
}

/** A matcher compiled once: regexes are anchored like Prometheus' (`^(?:re)$`). */
export interface CompiledMatcher extends Matcher {
  test(labels: Readonly<Record<string, string>>): boolean;
}

const LABEL_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
// name, operator, then a "quoted" value (with \" escapes) or a bare one up to a comma or space.
const MATCHER = /^\s*([A-Za-z_][A-Za-z0-9_]*)\s*(=~|!~|!=|=)\s*("(?:[^"\\]|\\.)*"|[^,\s"]*)\s*/;
const MAX_REGEX = 1000;

export function compileMatcher(matcher: Matcher): CompiledMatcher {
  const { name, op, value } = matcher;
  if (!LABEL_NAME.test(name)) throw new ValidationError(`'${name}' is not a label name`);
  if (op === '=' || op === '!=') {
    const equal = op === '=';
    return { ...matcher, test: (labels) => ((labels[name] ?? '') === value) === equal };
  }
  if (value.length > MAX_REGEX) throw new ValidationError(`the regex for '${name}' is too long`);
  let regex: RegExp;
  try {
    regex = new RegExp(`^(?:${value})$`, 'u');
  } catch (error) {
    throw new ValidationError(`'${value}' is not a valid regex for '${name}': ${(error as Error).message}`);
  }
  const positive = op === '=~';
  return { ...matcher, test: (labels) => regex.test(labels[name] ?? '') === positive };
}

function unquote(raw: string): string {
  if (!raw.startsWith('"')) return raw;
  return raw.slice(1, -1).replace(/\\(.)/g, '$1');
}

/**
 * Parses matchers as people write them in chat and in Alertmanager files:
 * `alertname="Disk full" severity=~"warn|crit" env!=dev`, optionally inside `{…}` and comma-separated.
 */
export function parseMatchers(text: string): Matcher[] {
  let rest = text.trim();
  if (rest.startsWith('{') && rest.endsWith('}')) rest = rest.slice(1, -1);
  const matchers: Matcher[] = [];
  while (rest.trim() !== '') {
    const match = MATCHER.exec(rest);
    if (!match || match[0].trim() === '') {
      throw new ValidationError(
        `cannot read a matcher at '${rest.trim().slice(0, 40)}': write name=value, name!=value, name=~regex or name!~regex`,
      );
    }
    matchers.push({ name: match[1]!, op: match[2] as MatchOp, value: unquote(match[3]!) });
    rest = rest.slice(match[0].length).replace(/^,\s*/, '');
  }
  return matchers;
}

export function compileAll(matchers: readonly Matcher[]): CompiledMatcher[] {
  return matchers.map(compileMatcher);
}

export function matchesAll(
  matchers: readonly CompiledMatcher[],
  labels: Readonly<Record<string, string>>,
): boolean {
  for (const m of matchers) if (!m.test(labels)) return false;
  return true;
}

export function formatMatcher(m: Matcher): string {
  return `${m.name}${m.op}${JSON.stringify(m.value)}`;
}

/** `{a="1", b="2"}`: how Alertmanager writes label sets in group keys. */
export function formatLabelSet(labels: Readonly<Record<string, string>>): string {
  const parts = Object.keys(labels)
    .sort()
    .map((name) => `${name}=${JSON.stringify(labels[name])}`);
  return `{${parts.join(', ')}}`;
}
