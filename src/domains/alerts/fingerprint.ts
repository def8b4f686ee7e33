/**
 * Prometheus-compatible alert fingerprints (`model.LabelSet.Fingerprint`): FNV-1a 64 over the label
 * names sorted by byte; for each label the name, a 0xFF byte, the value and a 0xFF byte. Printed as
 * 16 lower-case hex digits, exactly as Alertmanager puts it in `fingerprint`.
 *
 * This runs for every alert of every delivery, so the 64-bit state is kept as four 16-bit limbs in
 * small integers (no BigInt, no floating-point division): the FNV prime is 2^40 + 0x1b3, so
 * `h * prime` is every limb times 0x1b3 plus the two low limbs shifted up by 40 bits (two limbs and
 * 8 bits), with the carries propagated upward and the top dropped (mod 2^64). Each product stays below
 * 2^26, well inside int32.
 */
const PRIME_LO = 0x1b3;
const SEPARATOR = 0xff;

/** UTF-8 bytes of text that is not plain ASCII (lone surrogates become U+FFFD, as in Go), then the separator. */
function utf8(text: string): Uint8Array {
  const encoded = Buffer.from(text, 'utf8');
  const out = new Uint8Array(encoded.length + 1);
  out.set(encoded);
  out[encoded.length] = SEPARATOR;
  return out;
}

const SEPARATOR_ONLY = Uint8Array.of(SEPARATOR);

const HEX = Array.from({ length: 16 }, (_, i) => i.toString(16).charCodeAt(0));

/**
 * The four limbs as 16 hex digits in one flat string: the fingerprint is a Map key several times per
 * alert, and a string built by `+` is a rope that each first lookup must flatten (copy) first.
 */
function hex64(h3: number, h2: number, h1: number, h0: number): string {
  const d = HEX;
  return String.fromCharCode(
    d[h3 >>> 12]!,
    d[(h3 >>> 8) & 15]!,
    d[(h3 >>> 4) & 15]!,
    d[h3 & 15]!,
    d[h2 >>> 12]!,
    d[(h2 >>> 8) & 15]!,
    d[(h2 >>> 4) & 15]!,
    d[h2 & 15]!,
    d[h1 >>> 12]!,
    d[(h1 >>> 8) & 15]!,
    d[(h1 >>> 4) & 15]!,
    d[h1 & 15]!,
    d[h0 >>> 12]!,
    d[(h0 >>> 8) & 15]!,
    d[(h0 >>> 4) & 15]!,
    d[h0 & 15]!,
  );
}

/** Sorts by UTF-16 code unit, which equals byte order for the ASCII names Prometheus allows. */
function byName(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * `names` in byte order: the same array when it is in order already (senders, Alertmanager among
 * them, usually send labels sorted), else a sorted copy.
 */
export function inByteOrder(names: string[]): string[] {
  for (let i = 1; i < names.length; i++) {
    if (names[i - 1]! > names[i]!) return [...names].sort(byName);
  }
  return names;
}

/** The label names in byte order. */
export function sortedNames(labels: Readonly<Record<string, string>>): string[] {
  return inByteOrder(Object.keys(labels));
}

/** The fingerprint of a label set whose names are given in byte order (see `sortedNames`). */
export function fingerprintOf(labels: Readonly<Record<string, string>>, names: readonly string[]): string {
  // FNV-1a 64's offset basis 0xcbf29ce484222325, as four limbs, low to high. One function with local
  // limbs: hashing helpers that shared state (closures, module variables) were several times slower.
  let h0 = 0x2325;
  let h1 = 0x8422;
  let h2 = 0x9ce4;
  let h3 = 0xcbf2;
  // Each label is two strings, each followed by the 0xFF separator: 2 * names.length segments.
  for (let s = 0; s < 2 * names.length; s++) {
    const name = names[s >> 1]!;
    const text = (s & 1) === 0 ? name : labels[name]!;
    let i = 0;
    for (; i < text.length; i++) {
      const code = text.charCodeAt(i);
      if (code >= 0x80) break;
      const x0 = h0 ^ code;
      const t0 = x0 * PRIME_LO;
      const t1 = h1 * PRIME_LO + (t0 >>> 16);
      const t2 = h2 * PRIME_LO + (x0 << 8) + (t1 >>> 16);
      h3 = (h3 * PRIME_LO + (h1 << 8) + (t2 >>> 16)) & 0xffff;
      h0 = t0 & 0xffff;
      h1 = t1 & 0xffff;
      h2 = t2 & 0xffff;
    }
    // Not ASCII from `i` on: the UTF-8 bytes of the rest, then the separator.
    const rest = i < text.length ? utf8(text.slice(i)) : SEPARATOR_ONLY;
    for (let j = 0; j < rest.length; j++) {
      const x0 = h0 ^ rest[j]!;
      const t0 = x0 * PRIME_LO;
      const t1 = h1 * PRIME_LO + (t0 >>> 16);
      const t2 = h2 * PRIME_LO + (x0 << 8) + (t1 >>> 16);
      h3 = (h3 * PRIME_LO + (h1 << 8) + (t2 >>> 16)) & 0xffff;
      h0 = t0 & 0xffff;
      h1 = t1 & 0xffff;
      h2 = t2 & 0xffff;
    }
  }
  return hex64(h3, h2, h1, h0);
}

/**
 * The fingerprint of a label set; `{}` gives FNV-1a's offset basis, as in Prometheus.
 *
 * @example
 * ```ts
 * fingerprint({ alertname: 'HighErrorRate', instance: '10.0.0.1:8080', service: 'checkout', severity: 'critical' });
 * // 'f6a6a483b7624e7c'
 * ```
 */
export function fingerprint(labels: Readonly<Record<string, string>>): string {
  return fingerprintOf(labels, sortedNames(labels));
}
