/**
 * Prometheus-compatible alert fingerprints (`model.LabelSet.Fingerprint`): FNV-1a 64 over the label
 * names sorted by byte; for each label the name, a 0xFF byte, the value and a 0xFF byte. Printed as
 * 16 lower-case hex digits, exactly as Alertmanager puts it in `fingerprint`.
 *
 * The 64-bit state is kept as two 32-bit halves in doubles: BigInt arithmetic per byte would cost a
 * large share of the ingest budget. The FNV prime is 2^40 + 0x1b3, so `h * prime` is
 * `h * 0x1b3 + (h << 40)`, and only the low 24 bits of the low half reach the high half by the shift.
 */
const OFFSET_HI = 0xcbf29ce4;
const OFFSET_LO = 0x84222325;
const PRIME_LO = 0x1b3;
const TWO_32 = 4294967296;
const SEPARATOR = 0xff;

class Fnv64 {
  hi = OFFSET_HI;
  lo = OFFSET_LO;

  byte(b: number): void {
    const lo = (this.lo ^ b) >>> 0;
    const productLo = lo * PRIME_LO;
    const carry = Math.floor(productLo / TWO_32);
    this.hi = (this.hi * PRIME_LO + (lo & 0xffffff) * 256 + carry) % TWO_32;
    this.lo = productLo % TWO_32;
  }

  string(text: string): void {
    for (let i = 0; i < text.length; i++) {
      const code = text.charCodeAt(i);
      if (code >= 0x80) {
        // Not ASCII: hash the UTF-8 bytes of the rest, as Go does over its string bytes.
        for (const b of Buffer.from(text.slice(i), 'utf8')) this.byte(b);
        return;
      }
      this.byte(code);
    }
  }

  hex(): string {
    return this.hi.toString(16).padStart(8, '0') + this.lo.toString(16).padStart(8, '0');
  }
}

/** Sorts by UTF-16 code unit, which equals byte order for the ASCII names Prometheus allows. */
function byName(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
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
  const names = Object.keys(labels).sort(byName);
  const hash = new Fnv64();
  for (const name of names) {
    hash.string(name);
    hash.byte(SEPARATOR);
    hash.string(labels[name]!);
    hash.byte(SEPARATOR);
  }
  return hash.hex();
}
