import type { Readable } from 'node:stream';
import type { Command } from 'commander';
import { ValidationError } from '../../core/errors.js';
import { SECRET_NAME } from '../../domains/secrets/schema.js';
import type { CliContext } from '../context.js';
import { dateTime } from '../format.js';
import { table } from '../io.js';

/** Refused before stdin is read, so a typo does not cost the person their pasted value. */
function checkName(name: string): string {
  if (!SECRET_NAME.test(name)) {
    throw new ValidationError(
      `'${name}' is not a secret name: use A-Z, 0-9 and _, starting with a letter (e.g. DB_PASSWORD)`,
    );
  }
  return name;
}

/**
 * All of stdin, minus one trailing newline: `echo "$TOKEN" | opsroom secret set X` stores the token
 * itself, and a multi-line value (a PEM key) keeps its inner newlines.
 */
async function readValue(stdin: Readable): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of stdin) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : chunk);
  return Buffer.concat(chunks)
    .toString('utf8')
    .replace(/\r?\n$/, '');
}

export function registerSecretCommands(program: Command, ctx: CliContext): void {
  const secret = program
    .command('secret')
    .description('manage secrets that actions use as {{ secret.NAME }} (admin); values are never shown');

  secret
    .command('set')
    .description('create or replace a secret; the value is read from stdin (one trailing newline dropped)')
    .argument('<name>', 'A-Z, 0-9 and _, starting with a letter')
    .option('--value-stdin', 'read the value from stdin (the default)')
    .option('--value <value>', 'take the value from the command line (visible to ps and shell history)')
    .addHelpText('after', '\nExample:\n  printf %s "$DB_PASSWORD" | opsroom secret set DB_PASSWORD')
    .action(async (name: string, opts: { valueStdin?: boolean; value?: string }) => {
      checkName(name);
      let value: string;
      if (opts.value !== undefined) {
        if (opts.valueStdin) throw new ValidationError('use --value or --value-stdin, not both');
        ctx.notice(
          'warning: --value puts the secret on the command line, where ps and shell history can read it; ' +
            'pipe it to stdin instead',
        );
        value = opts.value;
      } else {
        if ((ctx.io.stdin as { isTTY?: boolean }).isTTY) {
          ctx.notice(`reading the value of ${name} from stdin; end it with Ctrl-D`);
        }
        value = await readValue(ctx.io.stdin);
        if (value === '') {
          throw new ValidationError(`no value on stdin: printf %s "$VALUE" | opsroom secret set ${name}`);
        }
      }
      await ctx.withClient((client) => client.setSecret(name, value));
      if (ctx.json) return ctx.out.json({ name, set: true });
      ctx.out.line(`Set secret ${name}; actions use it as {{ secret.${name} }}`);
    });

  secret
    .command('list')
    .description('list secret names and when they changed; never values')
    .action(async () => {
      const secrets = await ctx.withClient((client) => client.listSecrets());
      if (ctx.json) return ctx.out.json(secrets);
      if (secrets.length === 0) return ctx.out.line('No secrets. Add one with `opsroom secret set NAME`.');
      ctx.out.line(
        table(
          ['NAME', 'UPDATED', 'BY', 'CREATED'],
          secrets.map((s) => [s.name, dateTime(s.updatedAt), s.updatedBy, dateTime(s.createdAt)]),
        ),
      );
    });

  secret
    .command('rm')
    .alias('remove')
    .description('remove a secret; actions that use it fail until it is set again')
    .argument('<name>', 'the secret')
    .action(async (name: string) => {
      checkName(name);
      await ctx.withClient((client) => client.removeSecret(name));
      if (ctx.json) return ctx.out.json({ name, removed: true });
      ctx.out.line(`Removed secret ${name}`);
    });
}
