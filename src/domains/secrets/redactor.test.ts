import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { formsOf, Redactor, StreamRedactor } from './redactor.js';

const SECRETS = [
  { name: 'DB_PASSWORD', value: 'p@ss w0rd/+=&?' },
  { name: 'API_TOKEN', value: 'tok_abcdef123456' },
  { name: 'SHORT', value: 'abc' },
];

describe('Redactor', () => {
  const redactor = new Redactor(SECRETS);

  test('cuts plain values wherever they appear, and leaves other text alone', () => {
    assert.equal(
      redactor.redact('login with p@ss w0rd/+=&? and tok_abcdef123456, twice: tok_abcdef123456'),
      'login with [redacted:DB_PASSWORD] and [redacted:API_TOKEN], twice: [redacted:API_TOKEN]',
    );
    assert.equal(
      redactor.redact('nothing here, abc is too short to redact'),
      'nothing here, abc is too short to redact',
    );
    assert.equal(Redactor.EMPTY.redact('tok_abcdef123456'), 'tok_abcdef123456');
  });

  test('cuts URL-encoded, form-encoded and JSON-escaped forms', () => {
    const url = `https://x.test/?p=${encodeURIComponent('p@ss w0rd/+=&?')}&q=1`;
    assert.equal(redactor.redact(url), 'https://x.test/?p=[redacted:DB_PASSWORD]&q=1');
    const form = new URLSearchParams({ password: 'p@ss w0rd/+=&?' }).toString();
    assert.equal(redactor.redact(form), 'password=[redacted:DB_PASSWORD]');
    const quoted = new Redactor([{ name: 'Q', value: 'say "hi"\\now' }]);
    assert.equal(quoted.redact(JSON.stringify({ msg: 'say "hi"\\now' })), '{"msg":"[redacted:Q]"}');
  });

  test('cuts base64 of the value, alone, with a newline, and inside a longer encoded string', () => {
    const b64 = (s: string) => Buffer.from(s).toString('base64');
    assert.equal(redactor.redact(b64('tok_abcdef123456')), '[redacted:API_TOKEN]');
    assert.equal(redactor.redact(b64('tok_abcdef123456\n')), '[redacted:API_TOKEN]');
    assert.equal(
      redactor.redact(Buffer.from('tok_abcdef123456').toString('base64url')),
      '[redacted:API_TOKEN]',
    );
    // HTTP Basic auth: the value sits at some byte offset inside what was encoded.
    for (const user of ['u', 'us', 'usr', 'user']) {
      const header = `Authorization: Basic ${b64(`${user}:tok_abcdef123456`)}`;
      const out = redactor.redact(header);
      assert.match(out, /\[redacted:API_TOKEN\]/, `offset of ${user}`);
      // What is left of the encoding carries at most the bits shared with neighbouring bytes.
      assert.ok(!Buffer.from(out.split(' ').pop()!, 'base64').toString('latin1').includes('abcdef'));
    }
  });

  test('a value containing another is cut whole (longest first)', () => {
    const nested = new Redactor([
      { name: 'INNER', value: 'secret' },
      { name: 'OUTER', value: 'my-secret-value' },
    ]);
    assert.equal(nested.redact('x my-secret-value y secret'), 'x [redacted:OUTER] y [redacted:INNER]');
  });

  test('regular-expression characters in values are literal', () => {
    const tricky = new Redactor([{ name: 'RE', value: '.*(a|b)+[x]\\d$^' }]);
    assert.equal(tricky.redact('anything at all'), 'anything at all');
    assert.equal(tricky.redact('v=.*(a|b)+[x]\\d$^;'), 'v=[redacted:RE];');
  });

  test('redactValue walks objects and arrays', () => {
    const value = { argv: ['--token', 'tok_abcdef123456'], env: { PW: 'p@ss w0rd/+=&?' }, n: 3, ok: true };
    assert.deepEqual(redactor.redactValue(value), {
      argv: ['--token', '[redacted:API_TOKEN]'],
      env: { PW: '[redacted:DB_PASSWORD]' },
      n: 3,
      ok: true,
    });
    assert.equal(value.argv[1], 'tok_abcdef123456', 'the input is not modified');
  });

  test('forms skip anything shorter than 4 characters', () => {
    for (const form of formsOf('abcd')) assert.ok(form.length >= 4, form);
  });

  test('many secrets: one pass, every one found', () => {
    const many = Array.from({ length: 2000 }, (_, i) => ({
      name: `S${i}`,
      value: `value-${i}-${'z'.repeat(i % 7)}x`,
    }));
    const big = new Redactor(many);
    const text = many
      .map((s) => `line ${s.value} end`)
      .join('\n')
      .repeat(5);
    const started = performance.now();
    const out = big.redact(text);
    const ms = performance.now() - started;
    assert.ok(!/value-\d/.test(out));
    assert.match(out, /line \[redacted:S1999\] end/);
    assert.ok(ms < 5000, `took ${ms} ms`);
  });
});

describe('StreamRedactor', () => {
  const redactor = new Redactor(SECRETS);
  const run = (chunks: string[], current: () => Redactor = () => redactor) => {
    const stream = new StreamRedactor(current);
    return chunks.map((c) => stream.push(c)).join('') + stream.end();
  };

  test('a secret split across chunks is still cut, at every split point', () => {
    const text = 'start tok_abcdef123456 middle p@ss w0rd/+=&? end';
    const expected = redactor.redact(text);
    for (let i = 0; i <= text.length; i++) {
      assert.equal(run([text.slice(0, i), text.slice(i)]), expected, `split at ${i}`);
    }
    assert.equal(run([...text]), expected, 'one character at a time');
  });

  test('never emits a prefix that could still become a longer secret', () => {
    const nested = new Redactor([
      { name: 'INNER', value: 'secret' },
      { name: 'OUTER', value: 'secret-and-more' },
    ]);
    const stream = new StreamRedactor(() => nested);
    const first = stream.push('log: secret');
    assert.ok(!first.includes('secret'), first);
    const rest = stream.push('-and-more done') + stream.end();
    assert.equal(first + rest, 'log: [redacted:OUTER] done');
  });

  test('holds back only what could still become a secret, so live output is not cut mid-word', () => {
    const stream = new StreamRedactor(() => redactor);
    assert.equal(stream.push('step 1 done\nstep 2 done\n'), 'step 1 done\nstep 2 done\n');
    const held = stream.push('token tok_abc');
    assert.equal(held, 'token ', 'the start of a secret waits for the next chunk');
    assert.equal(stream.push('def123456 ok') + stream.end(), `${redactor.redact('tok_abcdef123456')} ok`);
  });

  test('a whole short secret followed by text within the held-back window is still cut (regression)', () => {
    const nested = new Redactor([
      { name: 'SHORT', value: 'hunter2' },
      { name: 'LONG', value: 'a-much-longer-secret-value' },
    ]);
    for (const chunks of [['pw hunter2 and'], ['pw hunter2 and', ' more'], ['pw hunt', 'er2 x']]) {
      const stream = new StreamRedactor(() => nested);
      const out = chunks.map((c) => stream.push(c)).join('') + stream.end();
      assert.ok(!out.includes('hunter2'), `${chunks.join('|')} → ${out}`);
    }
  });

  test('holds back at most maxLength - 1 characters and passes text through with no secrets', () => {
    const stream = new StreamRedactor(() => redactor);
    const out = stream.push('x'.repeat(1000));
    assert.ok(out.length >= 1000 - (redactor.maxLength - 1));
    assert.equal(
      run(['plain ', 'text'], () => Redactor.EMPTY),
      'plain text',
    );
  });

  test('a secret set mid-stream is cut from then on', () => {
    let current = Redactor.EMPTY;
    const stream = new StreamRedactor(() => current);
    const before = stream.push('early tok_abcdef123456 ');
    current = redactor;
    const after = stream.push('late tok_abcdef') + stream.push('123456') + stream.end();
    assert.equal(before, 'early tok_abcdef123456 ');
    assert.equal(after, 'late [redacted:API_TOKEN]');
  });
});
