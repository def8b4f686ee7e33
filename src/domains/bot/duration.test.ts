import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { formatDuration, parseDuration } from './duration.js';

const ms = (text: string) => {
  const result = parseDuration(text);
  assert.ok(result.ok, `${text} should parse`);
  return result.ms;
};
const reason = (text: string) => {
  const result = parseDuration(text);
  assert.ok(!result.ok, `${text} should be refused`);
  return result.reason;
};

describe('parseDuration', () => {
  test('single units', () => {
    assert.equal(ms('90s'), 90_000);
    assert.equal(ms('15m'), 900_000);
    assert.equal(ms('2h'), 7_200_000);
    assert.equal(ms('1d'), 86_400_000);
    assert.equal(ms('1w'), 604_800_000);
    assert.equal(ms('500ms'), 500);
    assert.equal(ms('0s'), 0);
  });

  test('combined, long-form and fractional units, any case', () => {
    assert.equal(ms('1h30m'), 5_400_000);
    assert.equal(ms('1d2h3m4s'), 93_784_000);
    assert.equal(ms('2hours'), 7_200_000);
    assert.equal(ms('10min'), 600_000);
    assert.equal(ms('1.5h'), 5_400_000);
    assert.equal(ms('1H30M'), 5_400_000);
    assert.equal(ms(' 5m '), 300_000);
  });

  test('refuses bare numbers with a hint, unknown and repeated units, junk', () => {
    assert.match(reason('5'), /needs a unit, e.g. 5s, 5m or 5h/);
    assert.match(reason('5y'), /unknown unit 'y'/);
    assert.match(reason('1h1h'), /repeats the unit/);
    assert.match(reason('1m60s1m'), /repeats/);
    assert.match(reason('abc'), /not a duration/);
    assert.match(reason('-5m'), /not a duration/);
    assert.match(reason('1h 30m'), /not a duration/);
    assert.match(reason(''), /empty/);
    assert.match(reason('9'.repeat(70)), /too long/);
    assert.match(reason('99999999999999w'), /too large/);
  });
});

describe('formatDuration', () => {
  test('writes the shortest exact form, which parses back', () => {
    assert.equal(formatDuration(0), '0s');
    assert.equal(formatDuration(90_000), '1m30s');
    assert.equal(formatDuration(5_400_000), '1h30m');
    assert.equal(formatDuration(86_400_000), '1d');
    assert.equal(formatDuration(1_500), '1s500ms');
    for (const value of [1, 999, 61_000, 3_600_000, 93_784_000, 694_861_001]) {
      assert.equal(ms(formatDuration(value)), value);
    }
    assert.throws(() => formatDuration(-1), RangeError);
  });
});
