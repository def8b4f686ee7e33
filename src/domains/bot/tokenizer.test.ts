import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ErrorCode, ValidationError } from '../../core/errors.js';
import { CommandSyntaxError, MAX_COMMAND_LINE, quoteToken, type Token, tokenize } from './tokenizer.js';

const values = (line: string) => tokenize(line).map((t) => t.value);

function refuses(line: string, message: RegExp, column?: number): void {
  assert.throws(
    () => tokenize(line),
    (error: unknown) =>
      error instanceof CommandSyntaxError &&
      error instanceof ValidationError &&
      error.code === ErrorCode.Validation &&
      message.test(error.message) &&
      (column === undefined || error.column === column),
    `expected ${JSON.stringify(line)} to be refused with ${message}`,
  );
}

describe('tokenize', () => {
  test('splits on any whitespace, including tabs, newlines and no-break spaces', () => {
    assert.deepEqual(values('  deploy\tapi \n to\u00a0prod  '), ['deploy', 'api', 'to', 'prod']);
    assert.deepEqual(tokenize(''), []);
    assert.deepEqual(tokenize('   '), []);
  });

  test('keeps offsets so errors and greedy arguments can point into the line', () => {
    const [a, b] = tokenize('echo  "hi there"');
    assert.deepEqual(a, { value: 'echo', start: 0, end: 4, quoted: false });
    assert.deepEqual(b, { value: 'hi there', start: 6, end: 16, quoted: true });
  });

  test('double and single quotes group words; adjacent text joins the token', () => {
    assert.deepEqual(values(`say "hello  world" 'it is' "a"b ""`), [
      'say',
      'hello  world',
      'it is',
      'ab',
      '',
    ]);
  });

  test('backslash escapes inside double quotes: quote, backslash, \\n and \\t; others stay as typed', () => {
    assert.deepEqual(values(String.raw`echo "say \"hi\"" "a\\b" "x\ny\tz" "\d+"`), [
      'echo',
      'say "hi"',
      'a\\b',
      'x\ny\tz',
      '\\d+',
    ]);
  });

  test("single quotes are literal apart from \\' and \\\\", () => {
    assert.deepEqual(values(String.raw`echo 'it\'s' 'a\nb' 'c\\d'`), ['echo', "it's", 'a\\nb', 'c\\d']);
  });

  test('outside quotes a backslash escapes spaces and quotes only, so regexes survive', () => {
    assert.deepEqual(values(String.raw`grep a\ b \"x \d+ C:\temp`), [
      'grep',
      'a b',
      '"x',
      '\\d+',
      'C:\\temp',
    ]);
    assert.equal(tokenize(String.raw`a\ b`)[0]?.quoted, true, 'an escaped token is never split');
  });

  test('a quote inside a word is an apostrophe, not the start of a string', () => {
    assert.deepEqual(values(`echo don't panic, it's 5'10"`), ['echo', "don't", 'panic,', "it's", `5'10"`]);
  });

  test('typographic quotes inserted by chat clients count as quotes', () => {
    assert.deepEqual(values('say “hello world” ‘one two’'), ['say', 'hello world', 'one two']);
    assert.deepEqual(values('say “mixed close"'), ['say', 'mixed close']);
    assert.deepEqual(values('say ”low nine” x'), ['say', 'low nine', 'x']);
    assert.deepEqual(values("say ’not a quote’ x"), ['say', '’not', 'a', 'quote’', 'x']);
    assert.deepEqual(values('a\\“b c'), ['a“b', 'c'], 'a backslash escapes a typographic quote too');
  });

  test('key=value and key="quoted value" become pair tokens', () => {
    const tokens = tokenize(`deploy api env=prod reason="hot fix" note='a=b' empty= x.y-z=1`);
    const pairs = tokens.filter((t): t is Token & { key: string } => t.key !== undefined);
    assert.deepEqual(
      pairs.map((t) => [t.key, t.value]),
      [
        ['env', 'prod'],
        ['reason', 'hot fix'],
        ['note', 'a=b'],
        ['empty', ''],
        ['x.y-z', '1'],
      ],
    );
    assert.equal(tokens[0]?.key, undefined);
  });

  test('things that only look like pairs stay plain words', () => {
    for (const word of ['"a=b"', '=x', '1a=b', 'http://x?a=b', '--opt=1']) {
      assert.equal(tokenize(word)[0]?.key, undefined, word);
    }
  });

  test('unbalanced quotes are a coded validation error naming the column and what is expected', () => {
    refuses('deploy "api to prod', /Unclosed quote: the " at column 8 has no closing "/, 8);
    refuses("echo 'abc", /the ' at column 6 has no closing '/, 6);
    refuses('note reason="oops', /column 13/, 13);
    refuses('say “hello', /no closing ”/, 5);
    refuses(String.raw`echo "trailing\"`, /Unclosed quote/);
  });

  test('control characters are refused with their code and column (PostgreSQL cannot store NUL)', () => {
    refuses('echo a\u0000b', /control character \(U\+0000\) at column 7: remove it/, 7);
    refuses('echo \u001b[2J', /U\+001B\) at column 6/, 6);
    refuses('\u007f', /U\+007F/, 1);
    assert.deepEqual(values('echo a\tb\r\nc'), ['echo', 'a', 'b', 'c'], 'tab and line ends are whitespace');
  });

  test('an over-long line is refused up front, and a 100 KB line fails fast', () => {
    refuses('x'.repeat(MAX_COMMAND_LINE + 1), /too long: 4097 characters, at most 4096/);
    const huge = `deploy ${'"'.repeat(50_000)}${' a'.repeat(25_000)}`;
    const started = performance.now();
    refuses(huge, /too long/);
    assert.ok(performance.now() - started < 50, 'rejecting 100 KB must not scan it');
    assert.equal(tokenize('a'.repeat(MAX_COMMAND_LINE)).length, 1);
    assert.equal(tokenize('x y', { maxLength: 3 }).length, 2);
  });

  test('a line of nothing but quotes and escapes at the cap gives a clean answer', () => {
    // `"\" "\" ` is one token: a quoted `" ` and then an escaped quote, so 500 tokens in all.
    const line = '"\\" '.repeat(1000);
    assert.equal(line.length, MAX_COMMAND_LINE - 96);
    const tokens = tokenize(line);
    assert.equal(tokens.length, 500);
    assert.deepEqual(new Set(tokens.map((t) => t.value)), new Set(['" "']));
    refuses(`"${'a'.repeat(MAX_COMMAND_LINE - 1)}`, /Unclosed quote: the " at column 1/);
  });

  test('quoteToken writes values that tokenize reads back unchanged', () => {
    for (const value of [
      'plain',
      'two words',
      'say "hi"',
      'back\\slash',
      '',
      "it's",
      'a=b',
      'tab\there',
      '“x”',
    ]) {
      const tokens = tokenize(`cmd ${quoteToken(value)}`);
      assert.equal(tokens.length, 2, value);
      assert.equal(tokens[1]?.value, value);
      assert.equal(tokens[1]?.key, undefined);
    }
    assert.equal(quoteToken('api'), 'api');
  });
});
