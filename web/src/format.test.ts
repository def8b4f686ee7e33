import assert from 'node:assert/strict';
import { test } from 'node:test';
import { duration, parseDuration } from './format.js';

test('a job card’s Duration reads back as milliseconds, in every shape the server writes', () => {
  assert.equal(parseDuration('0.0s'), 0);
  assert.equal(parseDuration('4.2s'), 4200);
  assert.equal(parseDuration('3m 05s'), 185_000);
  assert.equal(parseDuration('1h 02m'), 3_720_000);
  for (const ms of [0, 1500, 9_900, 61_000, 3_600_000 + 120_000])
    assert.equal(duration(parseDuration(duration(ms)) ?? -1), duration(ms));
  assert.equal(parseDuration(''), undefined);
  assert.equal(parseDuration('soon'), undefined);
});
