/**
 * Canonical JSON: the one byte sequence a value hashes to. Object keys are sorted (by UTF-16 code
 * units, as RFC 8785 does) at every depth and there is no whitespace, so a record re-read from either
 * database, or from an export, hashes exactly as it did when it was written.
 *
 * Anything JSON cannot round-trip is refused rather than silently dropped or changed (JSON.stringify
 * turns `undefined` into a missing key and NaN into null): a hash over a lossy encoding would not
 * verify what was meant.
 */
export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };

/** Nesting deeper than this (or a cycle) is left to the checked encoder, which tracks what it visits. */
const MAX_FAST_DEPTH = 64;
/** Thrown by the fast encoder when it meets anything it does not encode; never escapes this module. */
const BAIL = Symbol('canonicalJson: bail');

/**
 * `mapString`, when given, rewrites every string value (not object keys) before it is encoded: the
 * audit log redacts secrets that way in one pass, with no copy of the value.
 */
export function canonicalJson(value: unknown, mapString?: (text: string) => string): string {
  // The common case (a valid, shallow value) allocates no path strings and no visited-set. Anything
  // else is encoded again by the checked encoder, which names where the value is wrong.
  try {
    return fast(value, 0, mapString);
  } catch (error) {
    if (error !== BAIL) throw error;
  }
  return encode(value, '$', new Set(), mapString);
}

function fast(value: unknown, depth: number, mapString: ((text: string) => string) | undefined): string {
  if (value === null) return 'null';
  switch (typeof value) {
    case 'string':
      return JSON.stringify(mapString === undefined ? value : mapString(value));
    case 'number':
      if (!Number.isFinite(value)) throw BAIL;
      return JSON.stringify(value);
    case 'boolean':
      return value ? 'true' : 'false';
    case 'object':
      break;
    default:
      throw BAIL;
  }
  if (depth >= MAX_FAST_DEPTH) throw BAIL;
  if (Array.isArray(value)) {
    let out = '[';
    for (let i = 0; i < value.length; i++) {
      if (i > 0) out += ',';
      out += fast(value[i], depth + 1, mapString);
    }
    return `${out}]`;
  }
  const proto = Object.getPrototypeOf(value);
  if (proto !== Object.prototype && proto !== null) throw BAIL;
  const record = value as Record<string, unknown>;
  const keys = Object.keys(record);
  if (keys.length > 1) keys.sort();
  let out = '{';
  for (let i = 0; i < keys.length; i++) {
    const key = keys[i]!;
    if (i > 0) out += ',';
    out += `${JSON.stringify(key)}:${fast(record[key], depth + 1, mapString)}`;
  }
  return `${out}}`;
}

function encode(
  value: unknown,
  path: string,
  seen: Set<object>,
  mapString: ((text: string) => string) | undefined,
): string {
  if (value === null) return 'null';
  switch (typeof value) {
    case 'boolean':
      return value ? 'true' : 'false';
    case 'string':
      return JSON.stringify(mapString === undefined ? value : mapString(value));
    case 'number':
      if (!Number.isFinite(value))
        throw new TypeError(`canonicalJson: ${path} is ${value}, not a finite number`);
      return JSON.stringify(value);
    case 'object':
      break;
    default:
      throw new TypeError(`canonicalJson: ${path} is ${typeof value}, which JSON cannot hold`);
  }
  if (seen.has(value)) throw new TypeError(`canonicalJson: ${path} is a circular reference`);
  seen.add(value);
  try {
    if (Array.isArray(value)) {
      const items: string[] = [];
      // An index loop, not map(): map skips holes, and a hole is an undefined we must refuse.
      for (let i = 0; i < value.length; i++) items.push(encode(value[i], `${path}[${i}]`, seen, mapString));
      return `[${items.join(',')}]`;
    }
    const proto = Object.getPrototypeOf(value);
    if (proto !== Object.prototype && proto !== null) {
      // Dates, Maps, class instances: their JSON form depends on toJSON or is empty; make the caller choose.
      throw new TypeError(`canonicalJson: ${path} is a ${proto?.constructor?.name ?? 'non-plain'} object`);
    }
    const record = value as Record<string, unknown>;
    const keys = Object.keys(record).sort();
    const members = keys.map(
      (key) => `${JSON.stringify(key)}:${encode(record[key], `${path}.${key}`, seen, mapString)}`,
    );
    return `{${members.join(',')}}`;
  } finally {
    seen.delete(value);
  }
}
