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

/**
 * Hashes `text` into `state`, the two 32-bit halves of the 64-bit hash (one number would lose
 * precision past 2^53). Locals in the loop: this runs for every byte of every label of every alert.
 */
function hashString(state: [number, number], text: string): void {
  let hi = state[0];
  let lo = state[1];
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code >= 0x80) {
      // Not ASCII: hash the UTF-8 bytes of the rest, as Go does over its string bytes.
      state[0] = hi;
      state[1] = lo;
      hashBytes(state, Buffer.from(text.slice(i), 'utf8'));
      return;
    }
    const x = (lo ^ code) >>> 0;
    const productLo = x * PRIME_LO;
    hi = (hi * PRIME_LO + (x & 0xffffff) * 256 + Math.floor(productLo / TWO_32)) % TWO_32;
    lo = productLo % TWO_32;
  }
  state[0] = hi;
  state[1] = lo;
}

function hashBytes(state: [number, number], bytes: Uint8Array | readonly number[]): void {
  let hi = state[0];
  let lo = state[1];
  for (const b of bytes) {
    const x = (lo ^ b) >>> 0;
    const productLo = x * PRIME_LO;
    hi = (hi * PRIME_LO + (x & 0xffffff) * 256 + Math.floor(productLo / TWO_32)) % TWO_32;
    lo = productLo % TWO_32;
  }
  state[0] = hi;
  state[1] = lo;
}

const SEPARATOR_BYTES = [SEPARATOR];

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
  const state: [number, number] = [OFFSET_HI, OFFSET_LO];
  for (const name of names) {
    hashString(state, name);
    hashBytes(state, SEPARATOR_BYTES);
    hashString(state, labels[name]!);
    hashBytes(state, SEPARATOR_BYTES);
  }
  return state[0].toString(16).padStart(8, '0') + state[1].toString(16).padStart(8, '0');
}
