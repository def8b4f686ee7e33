import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  deploy,
  NOW,
  page,
  registryWithAll,
  rollback,
  scale,
  silence,
} from '../../../test/support/bot-commands.js';
import type { Command } from './command.js';
import { renderCommandHelp, renderCommandList, renderHelp, renderParseFailure, usageLines } from './help.js';
import { parseCommandLine } from './parser.js';

const registry = registryWithAll();
const everything = () => true;
/** A member who may use the bot and page people, nothing else: what policy would answer. */
const member = (command: Command) => ['bot:use', 'oncall:page'].includes(command.permission ?? '');

describe('help', () => {
  test('lists only the commands the asker may run, grouped, one line each', () => {
    const text = renderHelp(registry, undefined, member);
    assert.equal(
      text,
      [
        '**Commands you can run**',
        '',
        '*On-call*',
        '• `page` — Page a person with a message',
        '',
        '*Other*',
        '• `ping` — Check the bot is alive',
        '• `who-can` — Who may run a command line',
        '',
        'Type `help <command>` for usage and examples.',
      ].join('\n'),
    );
    assert.ok(!text.includes('deploy'));
  });

  test('shows aliases, sorts groups with "Other" last, and uses the prefix', () => {
    const text = renderHelp(registry, '', everything, { prefix: '!' });
    assert.match(text, /• `!deploy` \(ship\) — Deploy an app to an environment/);
    const groups = [...text.matchAll(/^\*([^*].*[^*])\*$/gm)].map((m) => m[1]);
    assert.deepEqual(groups, ['Alerts', 'Deploys', 'On-call', 'Other']);
    assert.match(text, /Type `!help <command>`/);
  });

  test('one group needs no heading; nothing runnable says so', () => {
    assert.doesNotMatch(renderCommandList([deploy, rollback]), /\*Deploys\*/);
    assert.match(renderCommandList([]), /no commands you can run here/);
  });

  test('help <cmd>: usage, arguments with types and defaults, permission, risk, timeout, examples', () => {
    const text = renderHelp(registry, 'ship', everything);
    assert.equal(
      text,
      [
        '**deploy** (aliases: ship) — Deploy an app to an environment',
        '',
        '**Usage**',
        '`deploy <app>[/<ref>] [to <env>]`',
        '',
        '**Arguments**',
        '• `app` — string, required — App to deploy',
        '• `ref` — string, default `main` — Branch, tag or SHA',
        '• `env` — one of staging, prod, default `staging`',
        '',
        '**Permission:** depends on the arguments',
        '**Risk:** asks you to confirm with a one-time code before it runs',
        '**Timeout:** 15m',
        '',
        '**Examples**',
        '`deploy api`',
        '`deploy api/feature-x to prod`',
      ].join('\n'),
    );
  });

  test('help <cmd> covers ranges, key=value-only arguments, extras, approval and templates', () => {
    const scaleHelp = renderCommandHelp(scale);
    assert.match(scaleHelp, /• `replicas` — integer, required, 0–50/);
    assert.match(scaleHelp, /• `force` — boolean, default `false`, given as `force=…`/);
    assert.match(scaleHelp, /• `room` — #room, given as `room=…`/);
    assert.match(renderCommandHelp(silence), /• `duration` — duration \(90s, 15m, 2h, 1d\), default `1h`/);
    assert.match(renderCommandHelp(silence), /other `key=value` pairs are passed through/);
    assert.match(renderCommandHelp(page), /• `who` — @user, required/);
    assert.match(renderCommandHelp(page), /• `message` — text \(rest of the line\), required/);
    const rollbackHelp = renderCommandHelp(rollback);
    assert.match(rollbackHelp, /\*\*Permission:\*\* `deploy:\{\{env\}\}`/);
    assert.match(rollbackHelp, /needs approval from another person/);
  });

  test('help <cmd> looks at the first word, also through pattern words like "who"', () => {
    assert.match(renderHelp(registry, 'deploy api to prod', everything), /^\*\*deploy\*\*/);
    assert.match(renderHelp(registry, 'who is on call', everything), /^\*\*oncall\*\*/);
    assert.match(renderHelp(registry, '  /PING ', everything), /^\*\*ping\*\*/);
  });

  test('help <cmd> for a command the asker may not run says so', () => {
    assert.match(renderHelp(registry, 'deploy', member), /_You do not have permission to run this command._/);
    assert.doesNotMatch(renderHelp(registry, 'page', member), /do not have permission/);
  });

  test('help <unknown> suggests close commands the asker may run', () => {
    assert.equal(
      renderHelp(registry, 'depoly', everything),
      'There is no command `depoly`. Did you mean `deploy`? Type `help` to see the commands you can run.',
    );
    assert.equal(
      renderHelp(registry, 'depoly', member),
      'There is no command `depoly`. Type `help` to see the commands you can run.',
    );
    assert.match(renderHelp(registry, '!pign', everything), /Did you mean `ping`\?/);
  });

  test('usageLines shows patterns in their normalised form', () => {
    assert.deepEqual(usageLines(registry.lookup('oncall')!), [
      'who is on call [for <service>] [at <at>]',
      'oncall [<service>]',
    ]);
  });
});

describe('renderParseFailure', () => {
  const reply = (line: string, prefix = '') =>
    renderParseFailure(parseCommandLine(line, registry, { nowMs: NOW }) as never, { prefix });

  test('usage errors: what is wrong, the usage, where to read more', () => {
    assert.equal(
      reply('deploy api to prdo', '!'),
      [
        "`!deploy`: env must be one of staging, prod (got 'prdo') — did you mean 'prod'?",
        'Usage: `!deploy <app>[/<ref>] [to <env>]`',
        'Type `!help deploy` for details and examples.',
      ].join('\n'),
    );
    assert.match(
      reply('oncall a b'),
      /Usage: `who is on call \[for <service>\] \[at <at>\]` or `oncall \[<service>\]`/,
    );
  });

  test('unknown commands, syntax errors and empty lines', () => {
    assert.equal(
      reply('depoly api'),
      "I don't know the command `depoly`. Did you mean `deploy`? Type `help` to see the commands you can run.",
    );
    assert.equal(
      reply('frobnicate'),
      "I don't know the command `frobnicate`. Type `help` to see the commands you can run.",
    );
    assert.match(reply('page @a "oops'), /Unclosed quote: the " at column 9/);
    assert.equal(reply(''), 'Type `help` to see the commands you can run.');
  });
});
