import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Clock } from './clock.js';

const CROCKFORD = '0123456789abcdefghjkmnpqrstvwxyz';

/**
 * Time-ordered ids (ULID layout, lower-case Crockford base32): 10 chars of milliseconds then 16 random
 * chars. Sorting ids sorts by creation time, which keeps pagination and replay cheap.
 */
export class IdGenerator {
  private lastMs = -1;
  private lastRandom: number[] = [];
  constructor(private readonly clock: Clock) {}

  next(prefix = ''): string {
    const ms = this.clock.nowMs();
    let random: number[];
    if (ms === this.lastMs) {
      random = incrementBase32(this.lastRandom);
    } else {
      random = randomDigits();
    }
    this.lastMs = ms;
    this.lastRandom = random;
    let time = '';
    let rest = ms;
    for (let i = 0; i < 10; i++) {
      time = CROCKFORD[rest % 32] + time;
      rest = Math.floor(rest / 32);
    }
    return prefix + time + random.map((d) => CROCKFORD[d]).join('');
  }
}

/** Random bytes drawn 4 KiB at a time: one call per 256 ids instead of one per id. */
const POOL_BYTES = 4096;
let pool = Buffer.alloc(0);
let poolAt = 0;

/** 16 random base32 digits. */
function randomDigits(): number[] {
  if (poolAt + 16 > pool.length) {
    pool = randomBytes(POOL_BYTES);
    poolAt = 0;
  }
  const digits = new Array<number>(16);
  for (let i = 0; i < 16; i++) digits[i] = pool[poolAt + i]! & 31;
  poolAt += 16;
  return digits;
}

function incrementBase32(digits: number[]): number[] {
  const out = [...digits];
  for (let i = out.length - 1; i >= 0; i--) {
    const d = out[i]! + 1;
    if (d < 32) {
      out[i] = d;
      return out;
    }
    out[i] = 0;
  }
  return out;
}

/** A secret made for people to copy: url-safe base64 of `bytes` random bytes. */
export function randomSecret(bytes = 32): string {
  return randomBytes(bytes).toString('base64url');
}

/** A short random code, for nonces that people type. */
export function randomCode(length = 6): string {
  return Array.from(randomBytes(length), (b) => CROCKFORD[b & 31]).join('');
}

export function sha256Hex(value: string): string {
  return createHash('sha256').update(value).digest('hex');
}

/** Compares two secrets in constant time (relative to the longer of them). */
export function secretsEqual(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  if (left.length !== right.length) {
    timingSafeEqual(left, left);
    return false;
  }
  return timingSafeEqual(left, right);
}
