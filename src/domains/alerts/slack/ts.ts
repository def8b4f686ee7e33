/**
 * Slack identifies a message by `ts` ("1764495427.000200": epoch seconds, a dot, digits) and clients
 * hand it back for `chat.update` and `thread_ts`. Opsroom message ids are ULIDs (`m_` + 10 base32
 * characters of milliseconds + 16 of randomness, see core/ids.ts), so the mapping needs no table: the
 * seconds are the ULID's time, and the fraction is its milliseconds (3 digits) followed by its 80
 * random bits in decimal (25 digits). It is stable, reversible, sorts by time, and looks like a Slack ts.
 */
const CROCKFORD = '0123456789abcdefghjkmnpqrstvwxyz';
const MESSAGE_ID = /^m_[0-9a-hjkmnp-tv-z]{26}$/;
const TS = /^(\d{1,13})\.(\d{3})(\d{25})$/;

function fromBase32(text: string): bigint {
  let value = 0n;
  for (const c of text) value = value * 32n + BigInt(CROCKFORD.indexOf(c));
  return value;
}

function toBase32(value: bigint, length: number): string {
  let out = '';
  let rest = value;
  for (let i = 0; i < length; i++) {
    out = CROCKFORD[Number(rest % 32n)] + out;
    rest /= 32n;
  }
  return out;
}

/** The Slack `ts` of an Opsroom message id. */
export function tsOfMessageId(messageId: string): string {
  if (!MESSAGE_ID.test(messageId)) throw new Error(`not an Opsroom message id: ${messageId}`);
  const ms = fromBase32(messageId.slice(2, 12));
  const random = fromBase32(messageId.slice(12));
  return `${ms / 1000n}.${String(ms % 1000n).padStart(3, '0')}${String(random).padStart(25, '0')}`;
}

/** The Opsroom message id a Slack `ts` names, or undefined when it is not one Opsroom gave out. */
export function messageIdOfTs(ts: string): string | undefined {
  const match = TS.exec(ts.trim());
  if (!match) return undefined;
  const ms = BigInt(match[1]!) * 1000n + BigInt(match[2]!);
  const random = BigInt(match[3]!);
  if (ms >= 32n ** 10n || random >= 2n ** 80n) return undefined;
  return `m_${toBase32(ms, 10)}${toBase32(random, 16)}`;
}
