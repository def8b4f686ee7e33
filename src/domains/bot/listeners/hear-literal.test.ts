import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { HearListeners } from './hear.js';
import { LiteralScan, requiredLiteral } from './hear-literal.js';

const literalOf = (regex: RegExp) => requiredLiteral(regex)?.text;

describe('requiredLiteral: the literal every match of a hear regex contains', () => {
  test('the longest run of plain characters at the top level', () => {
    assert.deepEqual(requiredLiteral(/\bAPI-(\d+)\b/), { text: 'API-', folded: false });
    assert.equal(literalOf(/\bis (\S+) down\b/i), ' down');
    assert.equal(literalOf(/https:\/\/grafana\.example\.com\/d\/(\w+)/), 'https://grafana.example.com/d/');
    assert.equal(literalOf(/coffee/), 'coffee');
  });

  test('a top-level alternation gives none; one inside a group is skipped over', () => {
    assert.equal(requiredLiteral(/deploy|rollback/), undefined);
    assert.equal(requiredLiteral(/a(b|c)|d/), undefined);
    assert.equal(literalOf(/\b(?:thanks|thank you|thx|ty),? opsbot\b/i), ' opsbot');
  });

  test('case-insensitive: lower-cased and marked folded; non-ASCII ends the run', () => {
    assert.deepEqual(requiredLiteral(/Code Freeze/i), { text: 'code freeze', folded: true });
    assert.equal(literalOf(/caf\u00e9 ok/i), 'caf');
    // With `u`, `ſ` folds to `s` and the Kelvin sign to `k`: those letters are not required as typed.
    assert.equal(literalOf(/ask ops/iu), ' op');
    assert.equal(literalOf(/ask ops/u), 'ask ops');
  });

  test('a group that must match is read on its own; optional groups and lookarounds are not', () => {
    assert.equal(literalOf(/\b(CVE-\d{4}-\d{4,})\b/), 'CVE-');
    assert.equal(literalOf(/x(?:abc)+/), 'abc');
    assert.equal(literalOf(/x(?<name>abc)/), 'abc');
    assert.equal(literalOf(/x(a(bcd)e)/), 'bcd');
    assert.equal(literalOf(/x(?:abc)?/), 'x');
    assert.equal(literalOf(/x(?:abc){0,2}/), 'x');
    assert.equal(literalOf(/x(?:abc|abd)/), 'x');
    assert.equal(literalOf(/x(?=abc)/), 'x');
    assert.equal(literalOf(/x(?<=abc)/), 'x');
    assert.equal(literalOf(/x(?!abc)/), 'x');
    assert.equal(literalOf(/x(?<!abc)/), 'x');
  });

  test('optional and repeated characters', () => {
    assert.equal(literalOf(/ship ?it/), 'ship');
    assert.equal(literalOf(/colou?r scheme/), 'r scheme');
    assert.equal(literalOf(/go+al/), 'go');
    assert.equal(literalOf(/xy*z/), 'x');
    assert.equal(literalOf(/ab{0,2}cd/), 'cd');
    assert.equal(literalOf(/abc{2,}?d/), 'abc');
    assert.equal(literalOf(/no{,2}pe/), 'no{,2}pe');
  });

  test('escapes: syntax characters are literal, classes and codes are not', () => {
    assert.equal(literalOf(/a\.b\*c/), 'a.b*c');
    assert.equal(literalOf(/x\d+yz/), 'yz');
    assert.equal(literalOf(/\x41BC/), 'BC');
    assert.equal(literalOf(/\u0041BC/), 'BC');
    assert.equal(literalOf(/\u{1F600}ok/u), 'ok');
    assert.equal(literalOf(/\p{L}+ab/u), 'ab');
    assert.equal(literalOf(/(?<w>ab)\k<w>xyz/), 'xyz');
    assert.equal(literalOf(/(a)\1bc/), 'bc');
    assert.equal(literalOf(/tab\there/), 'tab\there');
  });

  test('classes, groups, dots and anchors end the run; nothing plain gives none', () => {
    assert.equal(literalOf(/ab[cd]ef/), 'ab');
    assert.equal(literalOf(/a[\]x]bcd/), 'bcd');
    assert.equal(literalOf(/a(cde(f)g)h/), 'cde');
    assert.equal(literalOf(/a.bc/), 'bc');
    assert.equal(literalOf(/^start/), 'start');
    assert.equal(requiredLiteral(/\d+/), undefined);
    assert.equal(requiredLiteral(/[a-z]+/), undefined);
    assert.equal(requiredLiteral(/(?:x)?/), undefined);
    // Built at run time: the `v` flag is newer than the TypeScript target.
    const setNotation = 'v';
    assert.equal(requiredLiteral(new RegExp('[a-z]--[aeiou]', setNotation)), undefined);
  });

  test('never rules out a text the regex matches (generated regexes and texts)', () => {
    const pieces = [
      '(ab)',
      '(?:a-)',
      '(?=b)',
      '(?!a)',
      '(a(?:bk)?)',
      '(?<n>as)',
      'a',
      'b',
      'B',
      'k',
      's',
      '-',
      ' ',
      '.',
      '\\.',
      '\\d',
      '\\b',
      '[ab]',
      '(a|b)',
      '(?:k)',
      '?',
      '*',
      '+',
      '{2}',
      '{0,1}',
      '{',
      '}',
      '^',
      '$',
      'é',
      '\\x61',
      '\\u0062',
    ];
    const alphabet = [
      'a',
      'b',
      'A',
      'B',
      'k',
      'K',
      's',
      'S',
      'ſ',
      '\u212a',
      '-',
      ' ',
      '.',
      '1',
      'é',
      'É',
      '{',
      '}',
    ];
    let seed = 42;
    const random = () => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed / 2 ** 31;
    };
    const pick = <T>(items: readonly T[]) => items[Math.floor(random() * items.length)]!;
    let checked = 0;
    for (let r = 0; r < 3000; r++) {
      const source = Array.from({ length: 1 + Math.floor(random() * 6) }, () => pick(pieces)).join('');
      const flags = pick(['', 'i', 'u', 'iu', 'is', 'im']);
      let regex: RegExp;
      try {
        regex = new RegExp(source, flags);
      } catch {
        continue;
      }
      const literal = requiredLiteral(regex);
      if (literal === undefined) continue;
      for (let t = 0; t < 40; t++) {
        const text = Array.from({ length: Math.floor(random() * 8) }, () => pick(alphabet)).join('');
        if (!regex.test(text)) continue;
        checked++;
        const haystack = literal.folded ? text.toLowerCase() : text;
        assert.ok(haystack.includes(literal.text), `/${source}/${flags} matches ${JSON.stringify(text)}`);
      }
    }
    assert.ok(checked > 100, `only ${checked} matching texts were generated`);
  });
});

describe('LiteralScan', () => {
  test('finds each literal the text contains, as includes would', () => {
    const literals = [
      { text: 'API-', folded: false },
      { text: 'APIOPS-', folded: false },
      { text: 'code freeze', folded: true },
      { text: 'api-', folded: true },
      { text: '5', folded: true },
      { text: 'k', folded: false },
      { text: 'aa', folded: false },
    ];
    const scan = new LiteralScan(literals);
    const found = (text: string) =>
      literals.filter((_, id) => scan.present(text)[id] === 1).map((l) => l.text);
    assert.deepEqual(found('see APIOPS-12'), ['APIOPS-']);
    assert.deepEqual(found('see APIOPS-12 and API-3'), ['API-', 'APIOPS-', 'api-']);
    assert.deepEqual(found('Code FREEZE on 5th'), ['code freeze', '5']);
    assert.deepEqual(found('aaa API'), ['aa']);
    assert.deepEqual(found('é€ api-9 k'), ['api-', 'k']);
    assert.deepEqual(found(''), []);
    assert.deepEqual(found('A'), []);
    // Against includes, on generated texts.
    let seed = 9;
    const random = () => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed / 2 ** 31;
    };
    const alphabet = ['A', 'P', 'I', 'O', 'S', '-', 'a', 'p', 'i', '5', 'k', 'K', ' ', 'é', 'İ'];
    for (let n = 0; n < 2000; n++) {
      const text = Array.from(
        { length: Math.floor(random() * 12) },
        () => alphabet[Math.floor(random() * alphabet.length)],
      ).join('');
      const expected = literals
        .filter((l) => (l.folded ? text.toLowerCase() : text).includes(l.text))
        .map((l) => l.text);
      assert.deepEqual(found(text), expected, text);
    }
  });
});

describe('HearListeners with literals', () => {
  test('matches exactly as the regexes do, case-insensitive ones included', () => {
    const hear = new HearListeners();
    hear.add(/\bOPS-(\d+)\b/, () => {}, { id: 'ticket' });
    hear.add(/code freeze/i, () => {}, { id: 'freeze' });
    hear.add(/ab|cd/, () => {}, { id: 'either' });
    const ids = (text: string) => hear.match(text).map((m) => m.listener.id);
    assert.deepEqual(ids('see OPS-12'), ['ticket']);
    assert.deepEqual(ids('see ops-12'), []);
    assert.deepEqual(ids('CODE FREEZE friday'), ['freeze']);
    assert.deepEqual(ids('Code Freeze, OPS-1 and cd'), ['ticket', 'freeze', 'either']);
    assert.deepEqual(ids('code  freeze'), []);
  });

  test('listeners sharing a literal, and one removed, keep their order', () => {
    const hear = new HearListeners();
    hear.add(/OPS-(\d+)/, () => {}, { id: 'a' });
    const remove = hear.add(/\bOPS-1\b/, () => {}, { id: 'b' });
    hear.add(/\d+/, () => {}, { id: 'c' });
    hear.add(/OPS-\d/, () => {}, { id: 'd' });
    const ids = (text: string) => hear.match(text).map((m) => m.listener.id);
    assert.deepEqual(ids('OPS-1'), ['a', 'b', 'c', 'd']);
    remove();
    assert.deepEqual(ids('OPS-1'), ['a', 'c', 'd']);
    assert.deepEqual(ids('ops 7'), ['c']);
  });
});
