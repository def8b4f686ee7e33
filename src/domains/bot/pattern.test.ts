import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { compilePattern, fillPattern, formatPattern, isLastElement, PatternSyntaxError } from './pattern.js';
import { type MatchInput, type MatchResult, matchPattern } from './pattern-match.js';
import { tokenize } from './tokenizer.js';

function match(source: string, line: string, extra: Partial<MatchInput> = {}): MatchResult {
  const pattern = compilePattern(source);
  const tokens = tokenize(line);
  return matchPattern(pattern, {
    tokens: tokens.filter((t) => t.key === undefined),
    line,
    lineEnd: tokens.at(-1)?.end ?? 0,
    headWords: [pattern.head],
    skip: new Set(),
    greedy: new Set(),
    ...extra,
  });
}
function values(source: string, line: string, extra: Partial<MatchInput> = {}): Record<string, string> {
  const result = match(source, line, extra);
  assert.ok(result.ok, `'${line}' should match '${source}': ${JSON.stringify(result)}`);
  return Object.fromEntries(result.values);
}
function failure(source: string, line: string) {
  const result = match(source, line);
  assert.ok(!result.ok, `'${line}' should not match '${source}'`);
  return result;
}

const DEPLOY = 'deploy {{app}}[/{{ref=main}}] to {{env=staging}}';

describe('compilePattern', () => {
  test('literals, placeholders with defaults, and nested optional groups', () => {
    const pattern = compilePattern('who is on call [for {{service}} [at {{at}}]]');
    assert.equal(pattern.head, 'who');
    assert.deepEqual(pattern.placeholders, ['service', 'at']);
    assert.equal(formatPattern(pattern), 'who is on call [for <service> [at <at>]]');
  });

  test('a defaulted placeholder is optional together with the words leading into it', () => {
    const pattern = compilePattern(DEPLOY);
    assert.equal(formatPattern(pattern), 'deploy <app>[/<ref>] [to <env>]');
    assert.deepEqual(pattern.glueLiterals, ['/']);
    assert.equal(formatPattern(compilePattern('run {{cmd}} {{hosts=localhost}}')), 'run <cmd> [<hosts>]');
    assert.equal(formatPattern(compilePattern('go {{a=1}}')), 'go [<a>]');
    assert.equal(formatPattern(compilePattern('DEPLOY {{x}}'), 'ship'), 'ship <x>');
  });

  test('syntax errors name the problem and the column', () => {
    const cases: [string, RegExp][] = [
      ['deploy [{{app}}', /unclosed '\[' \(column 8\)/],
      ['deploy {{app}}]', /unmatched '\]' \(column 15\)/],
      ['deploy {{app', /'\{\{' without a closing '\}\}' \(column 8\)/],
      ['deploy {{1app}}', /'1app' is not a valid argument name/],
      ['deploy []', /empty '\[\]' group/],
      ['{{app}} deploy', /must start with the command word/],
      ['[deploy] x', /must start with the command word/],
      ['', /must start with the command word/],
      ['deploy {{a}} and {{a}}', /'\{\{a\}\}' appears twice/],
      ['deploy }}x', /stray braces/],
    ];
    for (const [source, message] of cases) {
      assert.throws(
        () => compilePattern(source),
        (e: unknown) => e instanceof PatternSyntaxError && message.test(e.message),
        source,
      );
    }
  });

  test('isLastElement finds where a greedy argument may sit', () => {
    assert.ok(isLastElement(compilePattern('say {{text}}').nodes, 'text'));
    assert.ok(isLastElement(compilePattern('x {{a}} [because {{why}}]').nodes, 'why'));
    assert.ok(!isLastElement(compilePattern('say {{text}} now').nodes, 'text'));
  });
});

describe('matchPattern', () => {
  test('the deploy example: defaults, glued ref, explicit env', () => {
    assert.deepEqual(values(DEPLOY, 'deploy api'), { app: 'api', ref: 'main', env: 'staging' });
    assert.deepEqual(values(DEPLOY, 'deploy api/feature-x to prod'), {
      app: 'api',
      ref: 'feature-x',
      env: 'prod',
    });
    assert.deepEqual(values(DEPLOY, 'deploy api to prod'), { app: 'api', ref: 'main', env: 'prod' });
    assert.deepEqual(values(DEPLOY, 'deploy api/v2'), { app: 'api', ref: 'v2', env: 'staging' });
  });

  test('reports which values came from pattern defaults', () => {
    const result = match(DEPLOY, 'deploy api to prod');
    assert.ok(result.ok);
    assert.deepEqual([...result.defaulted], ['ref']);
  });

  test('glued punctuation: split at the first glue, the rest stays in the last part', () => {
    assert.deepEqual(values(DEPLOY, 'deploy api/feature/x'), {
      app: 'api',
      ref: 'feature/x',
      env: 'staging',
    });
    assert.deepEqual(
      values(DEPLOY, 'deploy api /x'),
      { app: 'api', ref: 'x', env: 'staging' },
      'space optional',
    );
    assert.deepEqual(values('deploy[:{{task}}][!] {{app}}', 'deploy:migrate! api'), {
      task: 'migrate',
      app: 'api',
    });
    assert.deepEqual(values('deploy[:{{task}}][!] {{app}}', 'deploy! api'), { app: 'api' });
    assert.deepEqual(values('at {{h}}:{{m}}', 'at 14:30'), { h: '14', m: '30' });
  });

  test('a quoted token is one value: never split, never a keyword', () => {
    assert.deepEqual(values(DEPLOY, 'deploy "api/x"'), { app: 'api/x', ref: 'main', env: 'staging' });
    assert.deepEqual(values('say {{a}} {{b}}', 'say "to" x'), { a: 'to', b: 'x' });
    assert.equal(failure(DEPLOY, 'deploy api "to" prod').ok, false);
  });

  test('literals are case-insensitive, values keep their case', () => {
    assert.deepEqual(values(DEPLOY, 'DEPLOY Api TO Prod'), { app: 'Api', ref: 'main', env: 'Prod' });
  });

  test('head words: any of the given words (aliases), longest tried first', () => {
    const headWords = ['deploy', 'd'];
    assert.deepEqual(values('deploy[!] {{app}}', 'd api', { headWords }), { app: 'api' });
    assert.deepEqual(values('deploy[!] {{app}}', 'deploy! api', { headWords }), { app: 'api' });
    assert.deepEqual(values('deploy[!] {{app}}', 'd! api', { headWords }), { app: 'api' });
  });

  test('nested optional groups', () => {
    const source = 'who is on call [for {{service}} [at {{at}}]]';
    assert.deepEqual(values(source, 'who is on call'), {});
    assert.deepEqual(values(source, 'who is on call for checkout'), { service: 'checkout' });
    assert.deepEqual(values(source, 'who is on call for checkout at 14:00'), {
      service: 'checkout',
      at: '14:00',
    });
  });

  test('backtracks out of an optional group that cannot finish', () => {
    assert.deepEqual(values('x [{{a}} to] {{b}}', 'x foo'), { b: 'foo' });
    assert.deepEqual(values('x [{{a}} to] {{b}}', 'x foo to bar'), { a: 'foo', b: 'bar' });
  });

  test('placeholders named in skip (given as key=value) match nothing', () => {
    assert.deepEqual(values(DEPLOY, 'deploy to prod', { skip: new Set(['app']) }), {
      ref: 'main',
      env: 'prod',
    });
    assert.deepEqual(values(DEPLOY, 'deploy api', { skip: new Set(['env']) }), { app: 'api', ref: 'main' });
  });

  test('a greedy placeholder takes the rest of the line verbatim; one token gives its value', () => {
    const greedy = new Set(['msg']);
    assert.deepEqual(values('page {{who}} {{msg}}', 'page @bob the  site is "down"', { greedy }), {
      who: '@bob',
      msg: 'the  site is "down"',
    });
    assert.deepEqual(values('page {{who}} {{msg}}', 'page @bob "site down"', { greedy }), {
      who: '@bob',
      msg: 'site down',
    });
    const result = match('page {{who}} {{msg}}', 'page @bob hi x=1', { greedy });
    assert.ok(result.ok);
    assert.equal(result.values.get('msg'), 'hi x=1');
    assert.equal(result.greedyFrom, 10);
  });

  test('failures point at the furthest position with everything expected there', () => {
    const tooFar = failure(DEPLOY, 'deploy api too prod');
    assert.equal(tooFar.offset, 11);
    assert.equal(tooFar.got, 'too');
    assert.deepEqual(tooFar.expected, [
      { kind: 'literal', text: '/' },
      { kind: 'literal', text: 'to' },
      { kind: 'end' },
    ]);
    const missing = failure(DEPLOY, 'deploy');
    assert.equal(missing.got, undefined);
    assert.deepEqual(missing.expected, [{ kind: 'arg', name: 'app' }]);
    const glued = failure('deploy {{app}}', 'deployx api');
    assert.equal(glued.token, 0);
    assert.deepEqual(glued.expected, [{ kind: 'literal', text: 'deploy' }]);
    assert.deepEqual(failure('ping', 'ping extra').expected, [{ kind: 'end' }]);
  });

  test('adversarial input stays within the search budget (splits are bounded by the pattern)', () => {
    const source = 'x {{a}}[/{{b}}][/{{c}}][/{{d}}] [y {{e}}] [z {{f}}]';
    const result = match(source, `x ${'a/'.repeat(1500)}q w`);
    assert.ok(!result.ok);
    assert.equal(result.tooComplex, undefined);
    assert.equal(result.got, 'w');
  });
});

describe('fillPattern', () => {
  const quote = (_: string, v: string) => (v.includes(' ') ? `"${v}"` : v);
  test('includes optional parts only when they have a value, shows holes for required ones', () => {
    const pattern = compilePattern(DEPLOY);
    assert.equal(fillPattern(pattern, new Map([['app', 'api']]), quote), 'deploy api');
    assert.equal(
      fillPattern(
        pattern,
        new Map([
          ['app', 'api'],
          ['env', 'prod'],
        ]),
        quote,
      ),
      'deploy api to prod',
    );
    assert.equal(
      fillPattern(
        pattern,
        new Map([
          ['app', 'api'],
          ['ref', 'x'],
        ]),
        quote,
        'ship',
      ),
      'ship api/x',
    );
    assert.equal(fillPattern(pattern, new Map([['env', 'prod']]), quote), 'deploy <app> to prod');
    assert.equal(
      fillPattern(
        compilePattern('page {{who}} {{msg}}'),
        new Map([
          ['who', '@a'],
          ['msg', 'hi there'],
        ]),
        quote,
      ),
      'page @a "hi there"',
    );
  });
});
