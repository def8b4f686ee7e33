/**
 * What a ref, a task or a host list may look like. Refs follow git's check-ref-format rules and are
 * further limited to letters, digits, `.`, `_`, `-` and `/`, so `main; rm -rf /`, `$(id)` and backticks
 * are refused with a reason before anything runs. (Whatever passes still reaches programs only as one
 * argv element or one environment variable, never through a shell.)
 */
const REF_CHARS = /^[A-Za-z0-9._/-]+$/;
const HOSTS = /^[A-Za-z0-9][A-Za-z0-9._-]*(,[A-Za-z0-9][A-Za-z0-9._-]*)*$/;
export const TASK = /^[a-z][a-z0-9_-]{0,39}$/;

/** Why the ref is not acceptable, or undefined when it is. */
export function refProblem(ref: string): string | undefined {
  if (ref.length === 0 || ref.length > 200) return 'must be 1 to 200 characters';
  if (!REF_CHARS.test(ref)) return "may only hold letters, digits, '.', '_', '-' and '/'";
  if (ref.startsWith('-')) return "must not start with '-'";
  if (ref.startsWith('/') || ref.endsWith('/') || ref.includes('//'))
    return "must not start or end with '/' or hold '//'";
  if (ref.includes('..')) return "must not contain '..'";
  if (ref.endsWith('.') || ref.endsWith('.lock')) return "must not end with '.' or '.lock'";
  if (ref.split('/').some((part) => part.startsWith('.'))) return "no part may start with '.'";
  return undefined;
}

export function hostsProblem(hosts: string): string | undefined {
  if (hosts.length > 500) return 'must be at most 500 characters';
  return HOSTS.test(hosts)
    ? undefined
    : "must be host names separated by ',' (letters, digits, '.', '_', '-')";
}

/** A full or abbreviated commit id. */
export function isSha(ref: string): boolean {
  return /^[0-9a-f]{7,40}$/.test(ref);
}

/** `deploy!`, `deploy:migrate!`: the line's first word ends in `!` (a forced deploy). */
export function isForced(line: string): boolean {
  const first = line.trimStart().split(/\s/, 1)[0] ?? '';
  return first.endsWith('!');
}
