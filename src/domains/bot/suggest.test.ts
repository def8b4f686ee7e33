import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { closest, didYouMean, editDistance, letterSet, orList, TypoProbe, typoBudget } from './suggest.js';

/** The textbook full-matrix optimal string alignment distance, to check the banded one against. */
function osa(a: string, b: string): number {
  const d = Array.from({ length: a.length + 1 }, (_, i) =>
    Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)),
  );
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      d[i]![j] = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) {
        d[i]![j] = Math.min(d[i]![j]!, d[i - 2]![j - 2]! + 1);
      }
    }
  }
  return d[a.length]![b.length]!;
}

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

  test('with max: the exact distance when within it, max + 1 otherwise (random words)', () => {
    let seed = 3;
    const random = () => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed / 2 ** 31;
    };
    const word = () =>
      Array.from({ length: Math.floor(random() * 9) }, () => 'abcd'[Math.floor(random() * 4)]).join('');
    for (let n = 0; n < 2000; n++) {
      const [a, b] = [word(), word()];
      const full = editDistance(a, b);
      assert.equal(full, osa(a, b), `${a} ${b}`);
      for (let max = 0; max <= 6; max++) {
        const expected = a.length === 0 || b.length === 0 ? full : Math.min(full, max + 1);
        assert.equal(
          editDistance(a, b, max),
          Math.abs(a.length - b.length) > max ? max + 1 : expected,
          `${a} ${b} ${max}`,
        );
      }
    }
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

describe('closest against a large registry', () => {
  // The letter-set and letter-count bounds skip the edit distance for most names; never a real typo.
  test('finds exactly what a full edit-distance scan finds', () => {
    let seed = 7;
    const random = () => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed / 2 ** 31;
    };
    const word = (length: number) =>
      Array.from({ length }, () => 'abcdeklmnoprst-'[Math.floor(random() * 15)]).join('');
    const names = Array.from({ length: 400 }, () => word(3 + Math.floor(random() * 12)));
    const frozen = Object.freeze([...names]);
    const typo = (name: string) => {
      const i = Math.floor(random() * name.length);
      const edits = [
        name.slice(0, i) + name.slice(i + 1),
        `${name.slice(0, i)}x${name.slice(i)}`,
        `${name.slice(0, i)}${name[i + 1] ?? ''}${name[i] ?? ''}${name.slice(i + 2)}`,
        `${name.slice(0, i)}z${name.slice(i + 1)}`,
      ];
      return edits[Math.floor(random() * edits.length)]!;
    };
    for (let n = 0; n < 300; n++) {
      const needle = n % 3 === 0 ? word(3 + Math.floor(random() * 12)) : typo(typo(names[n]!));
      const max = typoBudget(needle.length);
      const expected = new Set(
        names.filter(
          (c) =>
            c === needle ||
            (needle.length >= 2 && c.startsWith(needle)) ||
            editDistance(needle, c, max) <= max,
        ),
      );
      // A frozen list (a registry's names) takes the prepared path; a plain one is read as given.
      for (const list of [names, frozen]) {
        const found = closest(needle, list, { limit: Number.POSITIVE_INFINITY });
        if (expected.has(needle)) assert.deepEqual(found, [needle]);
        else assert.deepEqual(new Set(found), expected, needle);
      }
    }
  });

  test('the indexed path gives the same list, in the same order, as a plain scan', () => {
    let seed = 11;
    const random = () => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed / 2 ** 31;
    };
    const word = (length: number) =>
      Array.from({ length }, () => 'abcdeDEklmnop-'[Math.floor(random() * 14)]).join('');
    // Case variants of one name, prefixes of others, every length from 1 to 16.
    const names = Array.from({ length: 300 }, () => word(1 + Math.floor(random() * 16)));
    names.push('Deploy', 'deploy', 'DEPLOY', 'deploy-api', 'deploy-api-eu', 'de', 'dep');
    const frozen = Object.freeze([...names]);
    const needles = [...names.slice(0, 100).map((n) => n.slice(0, 1 + Math.floor(random() * n.length)))];
    needles.push('deploy', 'DEPLOY', 'depl', 'dploy', 'deplyo-api', 'd', '');
    for (const needle of needles) {
      for (const options of [
        {},
        { limit: Number.POSITIVE_INFINITY },
        { prefix: false },
        { maxDistance: 0 },
      ]) {
        assert.deepEqual(closest(needle, frozen, options), closest(needle, names, options), needle);
      }
    }
    assert.deepEqual(closest('deploy', frozen), ['Deploy'], 'an exact match: the first case variant');
  });
});

describe('TypoProbe', () => {
  test('within max exactly when the edit distance is (its bounds never rule out a real typo)', () => {
    let seed = 17;
    const random = () => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed / 2 ** 31;
    };
    const word = () =>
      Array.from({ length: 1 + Math.floor(random() * 10) }, () => 'abcde-'[Math.floor(random() * 6)]).join(
        '',
      );
    for (let n = 0; n < 400; n++) {
      const w = word();
      const probe = new TypoProbe(w);
      for (let k = 0; k < 20; k++) {
        const candidate = k % 2 === 0 ? word() : w.slice(0, 2) + word().slice(0, 2) + w.slice(3);
        for (let max = 0; max <= 3; max++) {
          assert.equal(
            probe.within(candidate, letterSet(candidate), max),
            editDistance(w, candidate) <= max,
            `${w} ${candidate} ${max}`,
          );
        }
      }
    }
  });
});
