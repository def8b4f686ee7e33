import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ValidationError } from '../../core/errors.js';
import { prepareAlerts } from './ingest-prepare.js';

const limits = { maxAlerts: 1000, maxLabels: 64 };
const now = Date.UTC(2026, 10, 30, 12, 0, 0);

/** What the pipeline stored before the fast path: Date.parse, then toISOString; undefined for a refusal. */
function viaDate(value: string): string | undefined {
  const ms = Date.parse(value);
  return Number.isNaN(ms) ? undefined : new Date(ms).toISOString();
}

function stored(value: string): string | undefined {
  try {
    return prepareAlerts([{ labels: { a: '1' }, status: 'firing', startsAt: value }], limits, now)[0]!
      .startsAt;
  } catch (error) {
    assert.ok(error instanceof ValidationError);
    return undefined;
  }
}

describe('prepareAlerts: start times', () => {
  it('normalises exactly as Date.parse + toISOString did, valid or not', () => {
    const cases = [
      '2026-11-30T09:00:00Z',
      '2026-11-30T09:00:00.1Z',
      '2026-11-30T09:00:00.12Z',
      '2026-11-30T09:00:00.123Z',
      '2026-11-30T09:00:00.123456789Z',
      '2026-11-30T09:00:00.Z',
      '2026-11-30T09:00:00+02:00',
      '2026-11-30T09:00:00.5-01:30',
      '2026-02-29T00:00:00Z',
      '2024-02-29T00:00:00Z',
      '2000-02-29T00:00:00Z',
      '1900-02-29T00:00:00Z',
      '2026-04-31T00:00:00Z',
      '2026-12-31T23:59:59.999Z',
      '2026-11-30T24:00:00Z',
      '2026-11-30T23:60:00Z',
      '2026-11-30T23:00:60Z',
      '2026-13-01T00:00:00Z',
      '2026-00-01T00:00:00Z',
      '2026-01-00T00:00:00Z',
      '0001-01-01T00:00:00Z',
      '9999-12-31T23:59:59Z',
      '2026-11-30t09:00:00z',
      '2026-11-30 09:00:00Z',
      '2026-11-30T09:00:00.12aZ',
      '2026-1-30T09:00:00Z',
      'not a time',
    ];
    for (const value of cases) assert.equal(stored(value), viaDate(value), value);
  });

  it('fingerprints and stores labels in name order whatever order they came in', () => {
    const [a] = prepareAlerts([{ labels: { b: '2', a: '1' }, status: 'firing' }], limits, now);
    const [b] = prepareAlerts([{ labels: { a: '1', b: '2' }, status: 'firing' }], limits, now);
    assert.equal(a!.labelsJson, '{"a":"1","b":"2"}');
    assert.equal(a!.fingerprint, b!.fingerprint);
    assert.equal(b!.labelsJson, '{"a":"1","b":"2"}');
  });
});
