import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { MAX_BIT_WORD, OsaBits } from './osa-bits.js';
import { editDistance } from './suggest.js';

describe('OsaBits (bit-parallel optimal string alignment)', () => {
  test('the same distances as editDistance', () => {
    const cases: [string, string, number][] = [
      ['deploy', 'deploy', 0],
      ['deploy', 'depoly', 1],
      ['deploy', 'deplo', 1],
      ['deploy', 'deploys', 1],
      ['kitten', 'sitting', 3],
      ['ca', 'abc', 3],
      ['abc', '', 3],
      ['restart-vault', 'retsart-vault', 1],
    ];
    for (const [word, text, distance] of cases) {
      assert.equal(new OsaBits(word).distance(text), distance, `${word} → ${text}`);
    }
  });

  test('agrees with editDistance on random words, long ones and non-ASCII included', () => {
    let seed = 5;
    const random = () => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed / 2 ** 31;
    };
    const alphabet = ['a', 'b', 'c', 'd', '-', 'é', '😀'];
    const word = (max: number) => {
      let out = '';
      const length = Math.floor(random() * max);
      while (out.length < length) out += alphabet[Math.floor(random() * alphabet.length)];
      return out.slice(0, length);
    };
    for (let n = 0; n < 3000; n++) {
      const a = word(MAX_BIT_WORD + 1) || 'a';
      const b = n % 2 === 0 ? word(40) : a.slice(0, 3) + word(4) + a.slice(5);
      assert.equal(new OsaBits(a).distance(b), editDistance(a, b), `${a} → ${b}`);
    }
  });

  test('takes words of 1 to 32 characters', () => {
    assert.throws(() => new OsaBits(''), RangeError);
    assert.throws(() => new OsaBits('x'.repeat(MAX_BIT_WORD + 1)), RangeError);
    assert.equal(new OsaBits('x'.repeat(MAX_BIT_WORD)).distance('x'.repeat(MAX_BIT_WORD - 1)), 1);
  });
});
