import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { NOW, page, registryWithAll } from '../../../test/support/bot-commands.js';
import { defineCommand } from './command.js';
import {
  type ParsedCommand,
  type ParseFailure,
  type ParseOutcome,
  parseCommandLine,
  parseForCommand,
} from './parser.js';
import { CommandRegistry } from './registry.js';

const registry = registryWithAll();
const parse = (line: string, options = {}): ParseOutcome =>
  parseCommandLine(line, registry, { nowMs: NOW, ...options });

function ok(line: string): ParsedCommand {
  const outcome = parse(line);
  assert.equal(
    outcome.kind,
    'ok',
    `'${line}' should parse: ${JSON.stringify(outcome, (k, v) => (k === 'command' ? v.name : v))}`,
  );
  return outcome as ParsedCommand;
}
function usage(line: string): Extract<ParseFailure, { kind: 'usage' }> {
  const outcome = parse(line);
  assert.equal(outcome.kind, 'usage', `'${line}' should be a usage error, got ${outcome.kind}`);
  return outcome as Extract<ParseFailure, { kind: 'usage' }>;
}

describe('parseCommandLine', () => {
  test('the deploy pattern: optional parts with defaults, glued ref, explicit env', () => {
    assert.deepEqual(ok('deploy api').args, { app: 'api', ref: 'main', env: 'staging' });
    assert.deepEqual(ok('deploy api/feature-x to prod').args, { app: 'api', ref: 'feature-x', env: 'prod' });
    assert.deepEqual(ok('deploy api to PROD').args, { app: 'api', ref: 'main', env: 'prod' });
  });

  test('aliases and case: the command is found by its first word', () => {
    const parsed = ok('SHIP api to prod');
    assert.equal(parsed.command.name, 'deploy');
    assert.equal(parsed.patternIndex, 0);
  });

  test('enum typo: names the allowed values and suggests the closest', () => {
    const failure = usage('deploy api to prdo');
    assert.equal(failure.message, "env must be one of staging, prod (got 'prdo') — did you mean 'prod'?");
    assert.equal(failure.command.name, 'deploy');
    assert.deepEqual(failure.usage, ['deploy <app>[/<ref>] [to <env>]']);
  });

  test('structural mistakes say where and what was expected, with did-you-mean for keywords', () => {
    const failure = usage('deploy api too prod');
    assert.equal(failure.column, 12);
    assert.match(
      failure.message,
      /unexpected 'too' at column 12: expected '\/', 'to' or the end of the command — did you mean 'to'\?/,
    );
    assert.equal(usage('deploy').message, 'missing <app>');
    assert.match(usage('rollback api in').message, /missing <env>/);
    assert.match(usage('rollback api').message, /incomplete command: expected 'in'/);
    assert.match(usage('ping now').message, /unexpected 'now' at column 6: nothing more is expected there/);
  });

  test('key=value sets declared arguments, in place of or beside the positional form', () => {
    assert.deepEqual(ok('deploy api env=prod').args, { app: 'api', ref: 'main', env: 'prod' });
    assert.deepEqual(ok('deploy app=api ref=v2').args, { app: 'api', ref: 'v2', env: 'staging' });
    assert.deepEqual(ok('deploy to prod app="api"').args, { app: 'api', ref: 'main', env: 'prod' });
    assert.deepEqual(ok('deploy api ENV=prod').args.env, 'prod', 'keys are case-insensitive');
    assert.match(usage('deploy api env=prod env=staging').message, /env is given twice/);
    assert.match(usage('deploy api env=prdo').message, /did you mean 'prod'/);
  });

  test('an unknown key is refused with the closest declared name, unless extras are allowed', () => {
    assert.equal(
      usage('deploy api evn=prod').message,
      "unknown argument 'evn' — did you mean 'env'? (deploy takes app, ref, env)",
    );
    assert.match(
      usage('deploy api zzz=1').message,
      /unknown argument 'zzz' \(deploy takes app, ref, env\) — quote it as "zzz=1"/,
    );
    const parsed = ok('silence DiskFull for 2h team=infra ticket="OPS 1"');
    assert.deepEqual(parsed.extra, { team: 'infra', ticket: 'OPS 1' });
    assert.deepEqual(parsed.args, { matcher: 'DiskFull', duration: 7_200_000 });
    assert.match(usage('silence x team=a team=b').message, /team is given twice/);
  });

  test('every argument kind, with bad values', () => {
    assert.deepEqual(ok('scale api to 3 force=yes room=#Ops ratio=0.5').args, {
      service: 'api',
      replicas: 3,
      force: true,
      room: 'ops',
      ratio: 0.5,
    });
    assert.equal(ok('scale api to 0').args.force, false, 'boolean default');
    assert.match(usage('scale api to three').message, /replicas must be a whole number \(got 'three'\)/);
    assert.match(usage('scale api to 51').message, /replicas must be at most 50 \(got 51\)/);
    assert.match(usage('scale API to 1').message, /service must match/);
    assert.match(usage('scale api to 1 force=maybe').message, /force must be yes or no/);
    assert.match(usage('scale api to 1 room=#').message, /room must be a room such as #ops/);
    assert.match(usage('scale api to 1 ratio=lots').message, /ratio must be a number/);
    assert.match(
      usage('scale api to x force=maybe').message,
      /replicas .*; force must be/,
      'all problems at once',
    );

    assert.deepEqual(ok('page @Alice the site is down').args, { who: 'alice', message: 'the site is down' });
    assert.match(usage('page @@x hi').message, /who must be a username such as @alice/);

    assert.equal(ok('silence DiskFull for 90m').args.duration, 5_400_000);
    assert.equal(ok('silence DiskFull').args.duration, 3_600_000, 'pattern default');
    assert.match(usage('silence DiskFull for 5').message, /duration needs a unit/);
    assert.match(usage('silence DiskFull for 30s').message, /duration must be at least 1m \(got 30s\)/);

    const at = ok('who is on call for checkout at now-15m').args.at;
    assert.ok(at instanceof Date);
    assert.equal(at.toISOString(), '2026-03-10T11:45:00.000Z');
    assert.match(usage('who is on call at noonish').message, /at must be a time/);
  });

  test('greedy text keeps its spacing and quotes; pairs inside it are text', () => {
    assert.equal(ok('page @bob disk   at "95%" on db1').args.message, 'disk   at "95%" on db1');
    assert.equal(ok('page @bob "quoted alone"').args.message, 'quoted alone');
    assert.equal(ok('page @bob see key=value').args.message, 'see key=value');
    assert.equal(ok('silence DiskFull because "swap" x=1 later').args.reason, '"swap" x=1 later');
    assert.deepEqual(ok('silence DiskFull team=infra because swap').extra, { team: 'infra' });
  });

  test('several commands may start with the same word; the one that fits wins', () => {
    assert.equal(ok('who is on call for checkout').command.name, 'oncall');
    assert.equal(ok('who can deploy api to prod').command.name, 'who-can');
    assert.equal(ok('who can deploy api to prod').args.line, 'deploy api to prod');
    assert.equal(ok('oncall checkout').args.service, 'checkout');
    assert.match(usage('who is on').message, /expected 'call'/);
  });

  test('glued command suffixes: deploy! and deploy:task find the command by its leading word', () => {
    const registry2 = new CommandRegistry();
    registry2.register(
      defineCommand({
        name: 'deploy',
        summary: 'Deploy',
        usage: ['deploy[:{{task}}][!] {{app}}'],
        args: { task: { type: 'string' }, app: { type: 'string', required: true } },
        permission: 'deploy',
        run: () => undefined,
      }),
    );
    const parsed = parseCommandLine('deploy:migrate! api', registry2);
    assert.equal(parsed.kind, 'ok');
    assert.deepEqual((parsed as ParsedCommand).args, { task: 'migrate', app: 'api' });
  });

  test('unknown commands get up to three suggestions, typo or prefix, limited to visible ones', () => {
    assert.deepEqual(parse('depoly api'), {
      kind: 'unknown_command',
      word: 'depoly',
      suggestions: ['deploy'],
    });
    assert.deepEqual((parse('dep') as { suggestions: string[] }).suggestions, ['deploy']);
    assert.deepEqual((parse('shp') as { suggestions: string[] }).suggestions, ['ship']);
    assert.deepEqual((parse('xyzzy') as { suggestions: string[] }).suggestions, []);
    const hidden = parse('depoly', { visible: (c: { name: string }) => c.name !== 'deploy' });
    assert.deepEqual((hidden as { suggestions: string[] }).suggestions, []);
    assert.equal(parse('"deploy" api').kind, 'unknown_command', 'a quoted first word is not a command');
    assert.equal((parse('env=prod deploy') as { word: string }).word, 'env=prod');
  });

  test('empty lines and tokenizer errors come back as failures, never exceptions', () => {
    assert.deepEqual(parse('   '), { kind: 'empty' });
    const syntax = parse('page @bob "unterminated');
    assert.equal(syntax.kind, 'syntax');
    assert.equal((syntax as { column: number }).column, 11);
    const huge = parse(`deploy ${'x'.repeat(100_000)}`);
    assert.equal(huge.kind, 'syntax');
    assert.match((huge as { message: string }).message, /too long/);
  });

  test('a 100 KB line is refused fast', () => {
    const line = `deploy "${'a '.repeat(50_000)}`;
    const started = performance.now();
    for (let i = 0; i < 100; i++) parse(line);
    assert.ok(performance.now() - started < 50, '100 rejections in well under a millisecond each');
  });

  test('parseForCommand checks one command, as examples do', () => {
    assert.equal(parseForCommand(page, 'page @bob hi').kind, 'ok');
    assert.equal(parseForCommand(page, '').kind, 'empty');
    assert.equal(parseForCommand(page, 'page').kind, 'usage');
  });

  test('finds the right command among hundreds registered (speed is measured in bench/)', () => {
    const big = registryWithAll();
    for (let i = 0; i < 500; i++) {
      big.register(
        defineCommand({
          name: `cmd${i}`,
          summary: 's',
          usage: [`cmd${i} {{target}} [to {{env=staging}}]`],
          args: {
            target: { type: 'string', required: true },
            env: { type: 'enum', values: ['staging', 'prod'] },
          },
          permission: 'p',
          run: () => undefined,
        }),
      );
    }
    const parsed = parseCommandLine('cmd250 web to prod', big, { nowMs: NOW });
    assert.equal(parsed.kind, 'ok');
    assert.equal((parsed as ParsedCommand).command.name, 'cmd250');
    assert.deepEqual((parsed as ParsedCommand).args, { target: 'web', env: 'prod' });
    assert.equal(parseCommandLine('deploy api', big).kind, 'ok');
    const unknown = parseCommandLine('cmd2500 x', big) as { suggestions: string[] };
    assert.ok(unknown.suggestions.includes('cmd250'));
  });
});
