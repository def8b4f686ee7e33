import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { deploy, NOW, scale } from '../../../test/support/bot-commands.js';
import type { Actor } from '../../core/actor.js';
import {
  type CommandContext,
  CommandDefinitionError,
  defineCommand,
  describeArgs,
  isCommand,
} from './command.js';

const run = () => undefined;

function problems(definition: unknown): string {
  try {
    defineCommand(definition as Parameters<typeof defineCommand>[0]);
  } catch (error) {
    assert.ok(error instanceof CommandDefinitionError, String(error));
    return error.message;
  }
  assert.fail('expected defineCommand to throw');
}

describe('defineCommand', () => {
  test('normalises the definition and freezes it', () => {
    assert.deepEqual(deploy.aliases, ['ship']);
    assert.equal(deploy.risk, 'confirm');
    assert.equal(deploy.allowExtra, false);
    assert.equal(deploy.permission, undefined, 'a function permission is not shown as a string');
    assert.equal(deploy.patterns.length, 1);
    assert.ok(Object.isFrozen(deploy));
    assert.ok(isCommand(deploy));
    assert.ok(!isCommand({ ...deploy }));
  });

  test('generates a usage pattern from the arguments when none is given', () => {
    const cmd = defineCommand({
      name: 'echo',
      summary: 'Say it back',
      args: {
        times: { type: 'integer' },
        user: { type: 'user', required: true },
        text: { type: 'string', rest: true },
      },
      permission: 'bot:use',
      examples: ['echo 2 @bob hello there', 'echo @bob'],
      run,
    });
    assert.deepEqual(cmd.usage, ['echo [{{times}}] {{user}} [{{text}}]']);
    const bare = defineCommand({ name: 'ping', summary: 'Ping', permission: 'bot:use', run });
    assert.deepEqual(bare.usage, ['ping']);
    assert.deepEqual(bare.args, {});
  });

  test('permission and lock templates are filled from the arguments', () => {
    assert.equal(deploy.permissionFor({ app: 'api', env: 'prod' }), 'deploy:prod');
    assert.deepEqual(deploy.locksFor({ app: 'api', env: 'prod' }), ['deploy:api:prod']);
    const templated = defineCommand({
      name: 'restart',
      summary: 'Restart',
      args: { svc: { type: 'string', required: true }, at: { type: 'time' } },
      permission: 'svc:{{svc}}:restart',
      locks: ['svc:{{svc}}', 'at:{{at}}'],
      run,
    });
    assert.equal(templated.permission, 'svc:{{svc}}:restart');
    assert.equal(templated.permissionFor({ svc: 'web' }), 'svc:web:restart');
    assert.deepEqual(templated.locksFor({ svc: 'web', at: new Date(NOW) }), [
      'svc:web',
      'at:2026-03-10T12%3A00%3A00.000Z',
    ]);
    assert.deepEqual(templated.locksFor({ svc: 'web' }), ['svc:web', 'at:']);
    // A user's value cannot widen a permission or add a segment.
    assert.equal(templated.permissionFor({ svc: '*' }), 'svc:%2A:restart');
    assert.equal(templated.permissionFor({ svc: 'a:b c' }), 'svc:a%3Ab%20c:restart');
  });

  test('describeArgs writes key=value pairs, durations as typed', () => {
    const silenceLike = defineCommand({
      name: 'mute',
      summary: 'Mute',
      args: { for: { type: 'duration', default: 3_600_000 }, why: { type: 'string' } },
      permission: 'alerts:silence',
      run,
    });
    assert.equal(
      describeArgs(silenceLike, { for: 5_400_000, why: 'disk swap' }),
      'for=1h30m why="disk swap"',
    );
  });

  test('names, aliases and summaries are checked', () => {
    assert.match(
      problems({ name: 'Deploy', summary: 's', permission: 'p', run }),
      /name 'Deploy' must be a lower-case word/,
    );
    assert.match(problems({ name: 'a b', summary: 's', permission: 'p', run }), /name 'a b'/);
    assert.match(
      problems({ name: 'deploy', aliases: ['deploy', 'd', 'd', 'D!'], summary: 's', permission: 'p', run }),
      /alias 'deploy' repeats the name; alias 'd' is listed twice; alias 'D!' must be a lower-case word/,
    );
    assert.match(
      problems({ name: 'x', summary: '', permission: 'p', run }),
      /summary must be one non-empty line/,
    );
    assert.match(problems({ name: 'x', summary: 'a\nb', permission: 'p', run }), /summary must be one/);
    assert.match(problems({ name: 'x', summary: 's', permission: 'p' }), /run must be a function/);
  });

  test('permission, risk, timeout, rooms and locks are checked', () => {
    assert.match(problems({ name: 'x', summary: 's', run }), /permission is required/);
    assert.match(
      problems({ name: 'x', summary: 's', permission: 'a b', run }),
      /permission must be a non-empty string/,
    );
    assert.match(
      problems({ name: 'x', summary: 's', permission: 'x:{{nope}}', run }),
      /permission 'x:\{\{nope\}\}' uses '\{\{nope\}\}', which is not a declared argument/,
    );
    assert.match(
      problems({ name: 'x', summary: 's', permission: 'p', risk: 'high', run }),
      /risk 'high' must be none, confirm or approval/,
    );
    assert.match(
      problems({ name: 'x', summary: 's', permission: 'p', timeoutMs: 0, run }),
      /timeoutMs must be a positive/,
    );
    assert.match(
      problems({ name: 'x', summary: 's', permission: 'p', rooms: ['#ok', 'bad room'], run }),
      /room 'bad room' is not a valid room name/,
    );
    assert.match(
      problems({ name: 'x', summary: 's', permission: 'p', locks: ['l:{{app}}'], run }),
      /lock 'l:\{\{app\}\}' uses '\{\{app\}\}'/,
    );
    const roomed = defineCommand({
      name: 'x',
      summary: 's',
      permission: 'p',
      rooms: ['#Ops', 'deploys'],
      run,
    });
    assert.deepEqual(roomed.rooms, ['ops', 'deploys']);
  });

  test('argument specs: names, kinds, enums, ranges, rest and defaults', () => {
    const message = problems({
      name: 'x',
      summary: 's',
      permission: 'p',
      args: {
        'bad-name': { type: 'string' },
        env: { type: 'enum', values: [] },
        Env: { type: 'string' },
        color: { type: 'enum', values: ['red', 'RED'] },
        n: { type: 'integer', min: 5, max: 1 },
        both: { type: 'string', required: true, default: 'x' },
        odd: { type: 'wat' },
        a: { type: 'string', rest: true },
        b: { type: 'string', rest: true },
        c: { type: 'integer', rest: true },
        d: { type: 'integer', default: 1.5 },
        e: { type: 'enum', values: ['x', 'y'], default: 'z' },
        f: { type: 'duration', default: '15m' },
        g: { type: 'user', default: 'not a user' },
        h: { type: 'time', default: 'whenever' },
        i: { type: 'integer', default: 10, max: 5 },
      },
      run,
    });
    for (const expected of [
      "argument name 'bad-name' must be letters",
      "enum argument 'env' needs a non-empty values list",
      "arguments 'env' and 'Env' differ only in case",
      "enum argument 'color' repeats a value",
      "argument 'n' has min greater than max",
      "argument 'both' cannot be both required and have a default",
      "argument 'odd' needs a type",
      'only one argument may be `rest: true`',
      "argument 'c': only string arguments can be rest",
      "argument 'd' has an invalid default: d must be a whole number",
      "argument 'e' has an invalid default: e must be one of x, y (got 'z')",
      "argument 'f' has an invalid default: expected a duration",
      "argument 'g' has an invalid default",
      "argument 'h' has an invalid default",
      "argument 'i' has an invalid default: i must be at most 5",
    ]) {
      assert.ok(message.includes(expected), `missing "${expected}" in: ${message}`);
    }
  });

  test('usage patterns: syntax, unknown placeholders, rest placement, bad defaults', () => {
    const args = {
      app: { type: 'string' },
      env: { type: 'enum', values: ['a', 'b'] },
      text: { type: 'string', rest: true },
    };
    const base = { name: 'x', summary: 's', permission: 'p', args, run };
    assert.match(
      problems({ ...base, usage: ['x [{{app}}'] }),
      /usage pattern 'x \[\{\{app\}\}': unclosed '\['/,
    );
    assert.match(
      problems({ ...base, usage: ['x {{ap}}'] }),
      /usage pattern 'x \{\{ap\}\}' uses '\{\{ap\}\}', which is not a declared argument/,
    );
    assert.match(
      problems({ ...base, usage: ['x {{text}} {{app}}'] }),
      /rest argument '\{\{text\}\}' must come last/,
    );
    assert.match(
      problems({ ...base, usage: ['x {{env=c}}'] }),
      /default env must be one of a, b \(got 'c'\)/,
    );
    assert.match(problems({ ...base, usage: ['x/y {{app}}'] }), /must start with a command word, not 'x\/y'/);
  });

  test('every example must parse, and the error says why', () => {
    assert.match(
      problems({
        name: 'deploy',
        summary: 's',
        permission: 'p',
        usage: ['deploy {{app}} to {{env}}'],
        args: {
          app: { type: 'string', required: true },
          env: { type: 'enum', values: ['staging', 'prod'], required: true },
        },
        examples: ['deploy api to prod', 'deploy api to prdo', 'deploy'],
        run,
      }),
      /example 'deploy api to prdo' does not parse: env must be one of staging, prod \(got 'prdo'\) — did you mean 'prod'\?; example 'deploy' does not parse: missing <app>/,
    );
  });

  test('handler arguments are typed from the specs', async () => {
    const typed = defineCommand({
      name: 'typed',
      summary: 's',
      permission: (args) => `t:${args.env}`,
      args: {
        env: { type: 'enum', values: ['staging', 'prod'], default: 'staging' },
        count: { type: 'integer', required: true },
        note: { type: 'string' },
        at: { type: 'time' },
        quiet: { type: 'boolean', default: false },
      },
      async run({ args }) {
        const env: 'staging' | 'prod' = args.env;
        const count: number = args.count;
        const note: string | undefined = args.note;
        const at: Date | undefined = args.at;
        const quiet: boolean = args.quiet;
        // @ts-expect-error: not a declared argument
        void args.nope;
        return `${env} ${count} ${note ?? ''} ${at?.toISOString() ?? ''} ${quiet}`;
      },
    });
    const actor: Actor = { userId: 'u1', username: 'alice', roles: ['member'], channel: 'web' };
    const ctx: CommandContext<Parameters<typeof typed.run>[0]['args']> = {
      args: { env: 'prod', count: 2, quiet: true },
      extra: {},
      actor,
      roomId: 'r1',
      jobId: 'j1',
      line: 'typed 2',
      signal: new AbortController().signal,
      reply: async () => {},
      progress: () => {},
    };
    assert.equal(await typed.run(ctx), 'prod 2   true');
    assert.equal(typed.permissionFor({ env: 'prod', count: 1, quiet: false }), 't:prod');
    assert.equal(scale.examples.length, 2);
  });
});
