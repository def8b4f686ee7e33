import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ALL, NOW } from '../../../test/support/bot-commands.js';
import { defineCommand } from './command.js';
import { suggestFromText } from './natural-language.js';
import { parseForCommand } from './parser.js';

const lines = (text: string) => suggestFromText(text, ALL, { nowMs: NOW }).map((s) => s.line);

describe('suggestFromText', () => {
  test('the issue example: a polite request becomes the exact command', () => {
    const [best] = suggestFromText('could you deploy the api to staging please', ALL, { nowMs: NOW });
    assert.ok(best);
    assert.equal(best.line, 'deploy api to staging');
    assert.equal(best.command.name, 'deploy');
    assert.equal(best.complete, true);
    assert.equal(
      parseForCommand(best.command, best.line, { nowMs: NOW }).kind,
      'ok',
      'the suggestion parses',
    );
  });

  test('fills enum, user, duration and free-text arguments from the words', () => {
    assert.deepEqual(lines('can you roll back the checkout in prod?'), ['rollback checkout in prod']);
    assert.deepEqual(lines('please page @bob the site is down'), ['page @bob the site is down']);
    assert.deepEqual(lines('hey team, deploy web please'), ['deploy web']);
    assert.deepEqual(lines('the deployment of api to prod'), ['deploy api to prod']);
    assert.equal(lines('silence DiskFull for 2h please')[0], 'silence DiskFull for 2h');
    assert.equal(lines('scale the api to 5')[0], 'scale api to 5');
    assert.equal(lines('silence DiskFull because disk swap')[0], 'silence DiskFull because disk swap');
    assert.equal(lines('who can deploy api to prod?')[0], 'who can deploy api to prod');
  });

  test('tolerates a typo in the command word and in an enum value', () => {
    assert.equal(lines('pls depoly api to prdo')[0], 'deploy api to prod');
  });

  test('finds commands written as two words ("on call", "roll back")', () => {
    const [best] = suggestFromText('who is on call for checkout', ALL);
    assert.equal(best?.command.name, 'oncall');
  });

  test('leaves holes when a required value is missing, and says the line is incomplete', () => {
    const [best] = suggestFromText('please rollback prod', ALL);
    assert.equal(best?.line, 'rollback <app> in prod');
    assert.equal(best?.complete, false);
  });

  test('ordinary chat suggests nothing', () => {
    for (const text of ['hello there', 'thanks!', 'what a day', '', '   ', 'lunch at noon?']) {
      assert.deepEqual(lines(text), [], text);
    }
  });

  test('returns at most the limit, best first', () => {
    const many = Array.from({ length: 6 }, (_, i) =>
      defineCommand({
        name: `restart${i}`,
        aliases: [`restart-${i}`],
        summary: 'Restart',
        usage: [`restart${i} {{svc}}`],
        args: { svc: { type: 'string', required: true } },
        permission: 'p',
        run: () => undefined,
      }),
    );
    assert.ok(suggestFromText('restart1 web', many).length <= 3);
    assert.equal(suggestFromText('restart1 web', many, { limit: 1 })[0]?.line, 'restart1 web');
    assert.equal(suggestFromText('deploy api', ALL, { limit: 0 }).length, 0);
  });

  test('long text is cut to its first 2,000 characters', () => {
    const [best] = suggestFromText(`deploy api ${'word '.repeat(20_000)} to prod`, ALL);
    assert.equal(best?.line, 'deploy api');
  });
});

describe('suggestFromText among many commands', () => {
  // Commands that share nothing with the text are skipped before scoring; these check the ones that
  // must not be: a command reached only through its argument words, and one only through a typo.
  const filler = Array.from({ length: 200 }, (_, i) =>
    defineCommand({
      name: `noise${i}`,
      summary: 'Unrelated',
      usage: [`noise${i} {{thing}}`],
      args: { thing: { type: 'string', required: true } },
      permission: 'p',
      run: () => undefined,
    }),
  );
  const promote = defineCommand({
    name: 'promote',
    summary: 'Promote a build',
    usage: ['promote {{build}} from {{from}} to {{to}}'],
    args: {
      build: { type: 'string', required: true },
      from: { type: 'enum', values: ['canary', 'staging'], required: true },
      to: { type: 'enum', values: ['production', 'eu-prod'], required: true },
    },
    permission: 'p',
    run: () => undefined,
  });

  test('a command named by none of the words is still found by its argument values', () => {
    const [best] = suggestFromText('move build 42 from canary into production', [...filler, promote]);
    assert.equal(best?.command.name, 'promote');
  });

  test('a typo of the command word is found among hundreds of commands', () => {
    const [best] = suggestFromText('please prmote 42 from staging to eu-prod', [...filler, promote]);
    assert.equal(best?.line, 'promote 42 from staging to eu-prod');
  });
});
