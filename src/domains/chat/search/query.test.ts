import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ValidationError } from '../../../core/errors.js';
import { MAX_QUERY_LENGTH, parseSearchQuery } from './query.js';

function rejects(input: string, message: RegExp): void {
  assert.throws(
    () => parseSearchQuery(input),
    (error: unknown) => error instanceof ValidationError && message.test(error.message),
    `expected '${input}' to be refused with ${message}`,
  );
}

describe('parseSearchQuery', () => {
  test('free terms and quoted phrases', () => {
    assert.deepEqual(parseSearchQuery('  E_CONN_RESET  /api/v2/alerts "reset  by\tpeer" k8 '), {
      terms: [
        { text: 'E_CONN_RESET', phrase: false },
        { text: '/api/v2/alerts', phrase: false },
        { text: 'reset by peer', phrase: true },
        { text: 'k8', phrase: false },
      ],
    });
    assert.deepEqual(parseSearchQuery('"" deploy').terms, [{ text: 'deploy', phrase: false }]);
  });

  test('in: and from: take names with or without # and @, case-folded', () => {
    assert.deepEqual(parseSearchQuery('in:#Ops from:@Alice'), { terms: [], room: 'ops', user: 'alice' });
    assert.deepEqual(parseSearchQuery('IN:inc-42 FROM:bob.smith error'), {
      terms: [{ text: 'error', phrase: false }],
      room: 'inc-42',
      user: 'bob.smith',
    });
  });

  test('dates: before: ends the day before, after: starts the day after, on: is the day (UTC)', () => {
    assert.deepEqual(parseSearchQuery('before:2024-05-01'), { terms: [], until: '2024-05-01T00:00:00.000Z' });
    assert.deepEqual(parseSearchQuery('after:2024-05-01'), { terms: [], since: '2024-05-02T00:00:00.000Z' });
    assert.deepEqual(parseSearchQuery('on:2024-02-29'), {
      terms: [],
      since: '2024-02-29T00:00:00.000Z',
      until: '2024-03-01T00:00:00.000Z',
    });
  });

  test('timestamps: exact instants; no zone means UTC; offsets are converted', () => {
    assert.equal(parseSearchQuery('before:2024-05-01T12:30:00Z').until, '2024-05-01T12:30:00.000Z');
    assert.equal(parseSearchQuery('before:2024-05-01T12:30').until, '2024-05-01T12:30:00.000Z');
    assert.equal(parseSearchQuery('before:2024-05-01T12:30:00+02:00').until, '2024-05-01T10:30:00.000Z');
    // after: is strict, and times are stored with millisecond precision.
    assert.equal(parseSearchQuery('after:2024-05-01T12:30:00.250Z').since, '2024-05-01T12:30:00.251Z');
  });

  test('the narrower bound wins when on: meets before:/after:', () => {
    assert.deepEqual(parseSearchQuery('on:2024-05-01 after:2024-05-01T06:00:00Z'), {
      terms: [],
      since: '2024-05-01T06:00:00.001Z',
      until: '2024-05-02T00:00:00.000Z',
    });
  });

  test('text that merely contains a colon stays a term', () => {
    assert.deepEqual(
      parseSearchQuery('https://grafana.example.com/d/abc Error: 10:30 "level:warn"').terms.map(
        (t) => t.text,
      ),
      ['https://grafana.example.com/d/abc', 'Error:', '10:30', 'level:warn'],
    );
  });

  test('empty queries are refused', () => {
    rejects('', /Type something to search for/);
    rejects('   ', /Type something to search for/);
    rejects('""', /Type something to search for/);
  });

  test('unknown filters are refused, with a hint', () => {
    rejects('level:error', /Unknown search filter 'level:'.*quote it: "level:error"/);
    rejects('form:@bob', /Did you mean from:\?/);
    rejects('befor:2024-01-01', /Did you mean before:\?/);
  });

  test('malformed filters are refused with what was expected', () => {
    rejects('in:', /in: needs a value, e.g. in:#ops/);
    rejects('in:#', /in: needs a room name/);
    rejects('in:#bad/name', /in: needs a room name, e.g. in:#ops/);
    rejects('from:@a+b', /from: needs a username/);
    rejects('before:yesterday', /before: needs a date \(YYYY-MM-DD\) or an ISO timestamp/);
    rejects('after:2024-02-30', /after: needs a date/);
    rejects('after:2024-02-30T10:00:00Z', /after: needs a date/);
    rejects('before:2024-13-01', /before: needs a date/);
    rejects('on:2024-05-01T10:00Z', /on: takes a date/);
    rejects('in:#ops in:#dev', /Use the in: filter at most once/);
    rejects('after:2024-05-02 before:2024-05-02', /leave nothing to search/);
  });

  test('other malformed input', () => {
    rejects('"reset by peer', /no closing "/);
    rejects('--', /needs a letter or digit/);
    rejects('a b c d e f g h i j k', /at most 10 terms/);
    rejects('x'.repeat(MAX_QUERY_LENGTH + 1), /at most 500 characters/);
  });
});
