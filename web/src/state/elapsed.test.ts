import assert from 'node:assert/strict';
import { test } from 'node:test';
import { neverBack } from './elapsed.js';

test('a running job’s elapsed time never goes back when an update carries an older Duration', () => {
  assert.equal(neverBack(101, 200), 200);
  assert.equal(neverBack(101, 900), 900);
  // The server's Duration at the next line (as of that update, rounded) is behind the local tick.
  assert.equal(neverBack(101, 800), 900);
  assert.equal(neverBack(101, 1000), 1000);
  // Each job keeps its own.
  assert.equal(neverBack(102, 100), 100);
  assert.equal(neverBack(101, 950), 1000);
});
