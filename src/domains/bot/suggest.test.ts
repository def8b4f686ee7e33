import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { closest, didYouMean, editDistance, orList, typoBudget } from './suggest.js';

describe('editDistance (optimal string alignment)', () => {
  test('insertions, deletions, substitutions and adjacent transpositions each cost one', () => {
    assert.equal(editDistance('deploy', 'deploy'), 0);
    assert.equal(editDistance('deploy', 'deplo'), 1);
    assert.equal(editDistance('deploy', 'deploys'), 1);
    assert.equal(editDistance('deploy', 'deplay'), 1);
    assert.equal(editDistance('depoly', 'deploy'), 1);
    assert.equal(editDistance('prdo', 'prod'), 1);
    assert.equal(editDistance('', 'abc'), 3);
    assert.equal(editDistance('abc', ''), 3);
    assert.equal(editDistance('kitten', 'sitting'), 3);
    // OSA, not full Damerau: a transposed pair is not edited again.
    assert.equal(editDistance('ca', 'abc'), 3);
  });

  test('stops early past max and reports max + 1', () => {
    assert.equal(editDistance('short', 'completely different', 2), 3);
    assert.equal(editDistance('abcdef', 'ghijkl', 1), 2);
    assert.equal(editDistance('deploy', 'depoly', 1), 1);
  });

  test('is symmetric', () => {
    for (const [a, b] of [
      ['rollback', 'rolback'],
      ['silence', 'slience'],
      ['who', 'how'],
    ] as const) {
      assert.equal(editDistance(a, b), editDistance(b, a));
    }
  });
});

describe('closest', () => {
  const commands = ['deploy', 'deploys', 'rollback', 'silence', 'ping', 'page', 'help', 'jobs', 'job'];

  test('finds typos within a budget that grows with the word', () => {
    assert.deepEqual(closest('depoly', commands), ['deploy', 'deploys']);
    assert.deepEqual(closest('rolback', commands), ['rollback']);
    assert.deepEqual(closest('slience', commands), ['silence']);
    assert.deepEqual(closest('pign', commands), ['ping']);
    assert.deepEqual(closest('xyzzy', commands), []);
    assert.equal(typoBudget(2), 0);
    assert.equal(typoBudget(4), 1);
    assert.equal(typoBudget(10), 3);
  });

  test('offers prefix matches: dep → deploy', () => {
    assert.deepEqual(closest('dep', commands), ['deploy', 'deploys']);
    assert.deepEqual(closest('ro', commands), ['rollback']);
    assert.deepEqual(closest('dep', commands, { prefix: false }), []);
    assert.deepEqual(closest('d', commands), [], 'one letter suggests nothing');
  });

  test('an exact match (any case) is returned alone', () => {
    assert.deepEqual(closest('JOB', commands), ['job']);
  });

  test('ranks prefixes, then by distance, then length, then name; limits to three by default', () => {
    assert.deepEqual(closest('pag', ['pig', 'page', 'pug', 'pags', 'peg']), ['page', 'pags', 'peg']);
    assert.deepEqual(closest('pag', ['page', 'pig', 'pug', 'pags', 'peg'], { limit: 5 }).length, 5);
    assert.deepEqual(closest('jbo', commands, { limit: 1 }), ['job']);
    assert.deepEqual(closest('x', []), []);
  });

  test('compares case-insensitively but returns candidates as given, once', () => {
    assert.deepEqual(closest('Prod', ['staging', 'PROD', 'prod']), ['PROD']);
  });
});

describe('did-you-mean text', () => {
  test('lists with commas and "or"', () => {
    assert.equal(orList([]), '');
    assert.equal(orList(['a']), "'a'");
    assert.equal(orList(['a', 'b']), "'a' or 'b'");
    assert.equal(orList(['a', 'b', 'c'], '`'), '`a`, `b` or `c`');
    assert.equal(didYouMean([]), '');
    assert.equal(didYouMean(['prod']), " — did you mean 'prod'?");
  });
});
