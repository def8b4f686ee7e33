import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { colourOf, paint, useColour } from './colour.js';

describe('shell colours', () => {
  test('green ok, yellow usage, red denied and failed', () => {
    assert.equal(colourOf('ok'), 'green');
    assert.equal(colourOf('pending'), 'green');
    assert.equal(colourOf('usage'), 'yellow');
    assert.equal(colourOf('denied'), 'red');
    assert.equal(colourOf('failed'), 'red');
    assert.equal(paint('pong\n\nok', 'green', true), '\x1b[32mpong\x1b[39m\n\n\x1b[32mok\x1b[39m');
    assert.equal(paint('no', 'red', false), 'no');
  });

  test('only on a terminal, and never with NO_COLOR', () => {
    assert.equal(useColour({ isTTY: true }, undefined), true);
    assert.equal(useColour({ isTTY: true }, '1'), false);
    assert.equal(useColour({ isTTY: true }, ''), true, 'an empty NO_COLOR does not count');
    assert.equal(useColour({}, undefined), false);
  });
});
