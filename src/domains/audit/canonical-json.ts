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

export function canonicalJson(value: unknown): string {
  return encode(value, '$', new Set());
}

function encode(value: unknown, path: string, seen: Set<object>): string {
  if (value === null) return 'null';
  switch (typeof value) {
    case 'boolean':
      return value ? 'true' : 'false';
    case 'string':
      return JSON.stringify(value);
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
      for (let i = 0; i < value.length; i++) items.push(encode(value[i], `${path}[${i}]`, seen));
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
      (key) => `${JSON.stringify(key)}:${encode(record[key], `${path}.${key}`, seen)}`,
    );
    return `{${members.join(',')}}`;
  } finally {
    seen.delete(value);
  }
}
