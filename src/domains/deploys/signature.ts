/**
 * Signed JSON for the webhook provider, both ways: Opsroom signs what it POSTs to the deploy service,
 * and the service signs its status callbacks. The signature is HMAC-SHA256 over `<timestamp>.<body>`,
 * sent as `X-Opsroom-Signature: sha256=<hex>` with `X-Opsroom-Timestamp: <unix seconds>`. A callback
 * is accepted only if the signature matches (compared in constant time), the timestamp is within five
 * minutes of now, and that exact signature was not seen before (replays are refused).
 */
import { createHmac } from 'node:crypto';
import { secretsEqual } from '../../core/ids.js';

export const SIGNATURE_HEADER = 'x-opsroom-signature';
export const TIMESTAMP_HEADER = 'x-opsroom-timestamp';
/** How old (or how far in the future) a signed request may be. */
export const MAX_SKEW_MS = 5 * 60_000;

export function sign(key: string, timestampSeconds: number, body: string): string {
  return `sha256=${createHmac('sha256', key).update(`${timestampSeconds}.${body}`).digest('hex')}`;
}

/** The headers for a signed POST. */
export function signedHeaders(key: string, nowMs: number, body: string): Record<string, string> {
  const timestamp = Math.floor(nowMs / 1000);
  return {
    'content-type': 'application/json',
    [TIMESTAMP_HEADER]: String(timestamp),
    [SIGNATURE_HEADER]: sign(key, timestamp, body),
  };
}

export type Verdict = { ok: true } | { ok: false; why: 'missing' | 'bad-signature' | 'stale' };

/** Checks a signed request's headers against its raw body (not yet for replays: see the caller). */
export function verify(
  key: string,
  headers: { signature?: string | undefined; timestamp?: string | undefined },
  body: string,
  nowMs: number,
): Verdict {
  const { signature, timestamp } = headers;
  if (!signature || !timestamp || !/^\d{1,12}$/.test(timestamp)) return { ok: false, why: 'missing' };
  const expected = sign(key, Number(timestamp), body);
  // Checked before the time, so a stale request learns nothing about the key.
  if (!secretsEqual(signature, expected)) return { ok: false, why: 'bad-signature' };
  if (Math.abs(nowMs - Number(timestamp) * 1000) > MAX_SKEW_MS) return { ok: false, why: 'stale' };
  return { ok: true };
}
