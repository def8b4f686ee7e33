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

  it('keeps one alert per fingerprint and start: the place of its first copy, the content of its last', () => {
    const at = (labels: Record<string, string>, startsAt: string, value: string) => ({
      labels,
      annotations: { value },
      status: 'firing' as const,
      startsAt,
    });
    const x = { alertname: 'X' };
    const y = { alertname: 'Y' };
    const out = prepareAlerts(
      [
        at(x, '2026-01-01T00:00:00Z', '1'),
        at(y, '2026-01-01T00:00:00Z', '2'),
        at(x, '2026-01-02T00:00:00Z', '3'),
        at(x, '2026-01-01T00:00:00Z', '4'),
        at(x, '2026-01-02T00:00:00Z', '5'),
        at(y, '2026-01-01T00:00:00Z', '6'),
      ],
      limits,
      now,
    );
    assert.deepEqual(
      out.map((p) => [p.alertname, p.startsAt, p.annotationsJson]),
      [
        ['X', '2026-01-01T00:00:00.000Z', '{"value":"4"}'],
        ['Y', '2026-01-01T00:00:00.000Z', '{"value":"6"}'],
        ['X', '2026-01-02T00:00:00.000Z', '{"value":"5"}'],
      ],
    );
  });

  it('refuses bad label names, too many labels and empty label sets, naming the alert', () => {
    const one = (labels: Record<string, string>) => () =>
      prepareAlerts(
        [
          { labels: { a: '1' }, status: 'firing' },
          { labels, status: 'firing' },
        ],
        limits,
        now,
      );
    assert.throws(one({ 'bad-name': 'x' }), /alerts\.1\.labels: 'bad-name' is not a label name/);
    assert.throws(one({ ok: 'x', '1st': 'y' }), /'1st' is not a label name/);
    assert.throws(one({}), /alerts\.1\.labels: an alert needs at least one label/);
    const many = Object.fromEntries(Array.from({ length: 65 }, (_, i) => [`l${i}`, 'v']));
    assert.throws(one(many), /alerts\.1\.labels: more than 64 labels/);
    assert.throws(one({ a: 'x\u0000' }), /alerts\.1\.labels\.a: contains a NUL character/);
    // A name seen valid before is still checked per alert for its value.
    assert.throws(one({ a: 'y'.repeat(10_001) }), /alerts\.1\.labels\.a: longer than 10000 characters/);
  });
});
