import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { type ArgSpec, coerceArg, describeKind, describeValue, parseTime } from './arg-types.js';

const NOW = Date.parse('2026-03-10T12:00:00.000Z');

function ok(spec: ArgSpec, raw: string): unknown {
  const result = coerceArg('x', spec, raw, NOW);
  assert.ok(result.ok, `${raw} should be accepted, got ${result.ok ? '' : result.message}`);
  return result.value;
}
function bad(spec: ArgSpec, raw: string): string {
  const result = coerceArg('x', spec, raw, NOW);
  assert.ok(!result.ok, `${raw} should be refused`);
  return result.message;
}

describe('coerceArg', () => {
  test('string: as typed, with optional pattern and length checks', () => {
    assert.equal(ok({ type: 'string' }, 'Hello World'), 'Hello World');
    assert.equal(ok({ type: 'string' }, ''), '');
    assert.match(bad({ type: 'string', required: true }, ''), /x must not be empty/);
    assert.match(
      bad({ type: 'string', pattern: /^[a-z]+$/ }, 'API'),
      /x must match \/\^\[a-z\]\+\$\/ \(got 'API'\)/,
    );
    assert.match(bad({ type: 'string', maxLength: 3 }, 'abcd'), /at most 3 characters/);
  });

  test('integer: whole numbers in range', () => {
    assert.equal(ok({ type: 'integer' }, '42'), 42);
    assert.equal(ok({ type: 'integer' }, '-7'), -7);
    assert.equal(ok({ type: 'integer' }, '+3'), 3);
    assert.match(bad({ type: 'integer' }, '4.5'), /x must be a whole number \(got '4.5'\)/);
    assert.match(bad({ type: 'integer' }, 'ten'), /whole number/);
    assert.match(bad({ type: 'integer' }, '1e3'), /whole number/);
    assert.match(bad({ type: 'integer' }, '99999999999999999999'), /too large/);
    assert.match(bad({ type: 'integer', min: 1, max: 5 }, '0'), /x must be at least 1 \(got 0\)/);
    assert.match(bad({ type: 'integer', min: 1, max: 5 }, '6'), /x must be at most 5 \(got 6\)/);
  });

  test('number: decimals and exponents, not words', () => {
    assert.equal(ok({ type: 'number' }, '0.25'), 0.25);
    assert.equal(ok({ type: 'number' }, '.5'), 0.5);
    assert.equal(ok({ type: 'number' }, '1e3'), 1000);
    assert.match(bad({ type: 'number' }, 'NaN'), /must be a number/);
    assert.match(bad({ type: 'number' }, 'Infinity'), /must be a number/);
    assert.match(bad({ type: 'number' }, '0x10'), /must be a number/);
    assert.match(bad({ type: 'number', max: 1 }, '1.5'), /at most 1/);
  });

  test('boolean: yes/no words in any case', () => {
    for (const word of ['true', 'YES', 'y', 'on', '1']) assert.equal(ok({ type: 'boolean' }, word), true);
    for (const word of ['false', 'No', 'n', 'off', '0']) assert.equal(ok({ type: 'boolean' }, word), false);
    assert.match(bad({ type: 'boolean' }, 'maybe'), /x must be yes or no/);
  });

  test('duration: milliseconds, with range errors in duration notation', () => {
    assert.equal(ok({ type: 'duration' }, '1h30m'), 5_400_000);
    assert.match(bad({ type: 'duration' }, '5'), /x needs a unit, e.g. 5s, 5m or 5h \(got '5'\)/);
    assert.match(bad({ type: 'duration' }, 'soon'), /not a duration/);
    assert.match(bad({ type: 'duration', min: 60_000 }, '30s'), /x must be at least 1m \(got 30s\)/);
    assert.match(bad({ type: 'duration', max: 86_400_000 }, '2d'), /at most 1d \(got 2d\)/);
  });

  test('enum: case-insensitive, canonical value, did-you-mean on a typo', () => {
    const env: ArgSpec = { type: 'enum', values: ['staging', 'prod'] };
    assert.equal(ok(env, 'PROD'), 'prod');
    assert.equal(
      coerceArg('env', env, 'prdo', NOW).ok
        ? ''
        : (coerceArg('env', env, 'prdo', NOW) as { message: string }).message,
      "env must be one of staging, prod (got 'prdo') — did you mean 'prod'?",
    );
    assert.equal(bad(env, 'qa'), "x must be one of staging, prod (got 'qa')");
    assert.match(bad(env, 'stagign'), /did you mean 'staging'\?/);
    // Too long to be a typo of `prod`, but it starts with it: still worth the hint.
    assert.match(bad(env, 'production'), /\(got 'production'\) — did you mean 'prod'\?/);
  });

  test('user and room: sigil optional, lower-cased, validated', () => {
    assert.equal(ok({ type: 'user' }, '@Alice'), 'alice');
    assert.equal(ok({ type: 'user' }, 'bob.smith'), 'bob.smith');
    assert.match(bad({ type: 'user' }, '@'), /x must be a username such as @alice/);
    assert.match(bad({ type: 'user' }, '@al ice'), /username/);
    assert.match(bad({ type: 'user' }, `@${'a'.repeat(33)}`), /username/);
    assert.equal(ok({ type: 'room' }, '#Ops'), 'ops');
    assert.equal(ok({ type: 'room' }, 'inc-42-checkout'), 'inc-42-checkout');
    assert.match(bad({ type: 'room' }, '#-bad'), /x must be a room such as #ops/);
  });

  test('time: a Date from now, relative, clock and ISO forms', () => {
    assert.equal((ok({ type: 'time' }, 'now') as Date).toISOString(), '2026-03-10T12:00:00.000Z');
    assert.match(bad({ type: 'time' }, 'tomorrow-ish'), /x must be a time such as now, now-15m, 14:30/);
  });

  test('long values are cut short in messages', () => {
    const message = bad({ type: 'integer' }, 'x'.repeat(1000));
    assert.ok(message.length < 100, message);
    assert.match(message, /\.\.\.'\)$/);
  });
});

describe('parseTime', () => {
  const iso = (raw: string) => parseTime(raw, NOW)?.toISOString();

  test('now and relative offsets', () => {
    assert.equal(iso('now'), '2026-03-10T12:00:00.000Z');
    assert.equal(iso('NOW'), '2026-03-10T12:00:00.000Z');
    assert.equal(iso('now-15m'), '2026-03-10T11:45:00.000Z');
    assert.equal(iso('now+1h30m'), '2026-03-10T13:30:00.000Z');
    assert.equal(iso('-1d'), '2026-03-09T12:00:00.000Z');
    assert.equal(iso('+2h'), '2026-03-10T14:00:00.000Z');
    assert.equal(iso('now-5'), undefined);
    assert.equal(iso('now-'), undefined);
  });

  test('HH:MM and HH:MM:SS are today in UTC', () => {
    assert.equal(iso('14:30'), '2026-03-10T14:30:00.000Z');
    assert.equal(iso('9:05:07'), '2026-03-10T09:05:07.000Z');
    assert.equal(iso('24:00'), undefined);
    assert.equal(iso('12:60'), undefined);
  });

  test('ISO dates and date-times: UTC unless an offset is given; impossible dates refused', () => {
    assert.equal(iso('2026-01-31'), '2026-01-31T00:00:00.000Z');
    assert.equal(iso('2026-01-31T14:30'), '2026-01-31T14:30:00.000Z');
    assert.equal(iso('2026-01-31T14:30:15.5Z'), '2026-01-31T14:30:15.500Z');
    assert.equal(iso('2026-01-31T14:30+02:00'), '2026-01-31T12:30:00.000Z');
    assert.equal(iso('2026-01-31T14:30-0530'), '2026-01-31T20:00:00.000Z');
    assert.equal(iso('2026-01-31 14:30'), '2026-01-31T14:30:00.000Z');
    assert.equal(iso('2024-02-29'), '2024-02-29T00:00:00.000Z');
    assert.equal(iso('2026-02-29'), undefined);
    assert.equal(iso('2026-13-01'), undefined);
    assert.equal(iso('2026-01-31T25:00'), undefined);
    assert.equal(iso('2026-01-31T10:00+24:00'), undefined);
    assert.equal(iso('31/01/2026'), undefined);
    assert.equal(iso(''), undefined);
  });
});

describe('describing kinds and values for help', () => {
  test('kinds and defaults read naturally', () => {
    assert.equal(describeKind({ type: 'enum', values: ['a', 'b'] }), 'one of a, b');
    assert.equal(describeKind({ type: 'user' }), '@user');
    assert.equal(describeKind({ type: 'room' }), '#room');
    assert.equal(describeKind({ type: 'string', rest: true }), 'text (rest of the line)');
    assert.equal(describeKind({ type: 'integer' }), 'integer');
    assert.match(describeKind({ type: 'duration' }), /^duration/);
    assert.match(describeKind({ type: 'time' }), /^time/);
    assert.equal(describeValue({ type: 'duration' }, 5_400_000), '1h30m');
    assert.equal(describeValue({ type: 'time' }, new Date(NOW)), '2026-03-10T12:00:00.000Z');
    assert.equal(describeValue({ type: 'boolean' }, false), 'false');
  });
});
