import type { Command } from 'commander';
import { TOKEN_SCOPES, type TokenScope } from '../../core/actor.js';
import type { CreateTokenOptions, TokenView } from '../client.js';
import type { CliContext } from '../context.js';
import { dateTime, oneOf, wholeNumber } from '../format.js';
import { table } from '../io.js';

const parseScope = oneOf('scope', TOKEN_SCOPES);

function parseScopes(value: string, previous: TokenScope[] | undefined): TokenScope[] {
  const parsed = value
    .split(',')
    .filter((s) => s.trim() !== '')
    .map((s) => parseScope(s.trim()));
  return [...new Set([...(previous ?? []), ...parsed])];
}

function state(token: TokenView): string {
  if (token.revokedAt !== null) return 'revoked';
  if (token.expiresAt !== null && Date.parse(token.expiresAt) <= Date.now()) return 'expired';
  return 'active';
}

export function registerTokenCommands(program: Command, ctx: CliContext): void {
  const token = program.command('token').description('manage API tokens');

  token
    .command('create')
    .description('create an API token; the token itself is printed alone on the last line, once')
    .addHelpText(
      'after',
      `
Scopes are a ladder: read reads; write also posts and runs bot commands; admin also does what only
admins may (users, roles, other people's tokens, secrets, integrations, the audit log, every
permission only the admin role grants). A token never does more than its user's roles allow, and an
admin's token without the admin scope acts as an operator. For admin work from the CLI:
  opsroom token create --scopes read,write,admin`,
    )
    .option('-u, --user <username>', "whose token (default: yours; someone else's needs admin)")
    .option('-n, --name <name>', 'what the token is for', 'cli')
    .option(
      '-s, --scopes <list>',
      `comma-separated: ${TOKEN_SCOPES.join(', ')} (default: read,write; admin work needs admin)`,
      parseScopes,
    )
    .option('--expires-in-days <days>', 'expire after this many days', wholeNumber(1, 3650))
    .action(async (opts: { user?: string; name: string; scopes?: TokenScope[]; expiresInDays?: number }) => {
      const request: CreateTokenOptions = { name: opts.name };
      if (opts.user !== undefined) request.username = opts.user;
      if (opts.scopes !== undefined) request.scopes = opts.scopes;
      if (opts.expiresInDays !== undefined) request.expiresInDays = opts.expiresInDays;
      const { created, ownerIsAdmin } = await ctx.withClient(async (client) => {
        const made = await client.createToken(request);
        // An admin's token without the admin scope acts as an operator: say so, since that surprises.
        const owner = made.scopes.includes('admin')
          ? undefined
          : (await client.listUsers()).find((u) => u.username === made.username);
        return { created: made, ownerIsAdmin: owner?.roles.includes('admin') === true };
      });
      if (ownerIsAdmin) {
        ctx.notice(
          `@${created.username} is an admin, but this token has no admin scope: it acts as an operator ` +
            '(no users, roles, secrets, integrations or audit log); for admin work create one with --scopes read,write,admin',
        );
      }
      if (ctx.json) return ctx.out.line(JSON.stringify(created));
      const expiry = created.expiresAt === null ? '' : `, expires ${dateTime(created.expiresAt)}`;
      ctx.out.line(
        `Created token ${created.id} '${created.name}' for @${created.username} ` +
          `(scopes: ${created.scopes.join(', ')}${expiry}). It is shown only now; keep it secret:`,
      );
      // Alone on the last line, so `opsroom token create … | tail -n 1` captures exactly the token.
      ctx.out.line(created.token);
    });

  token
    .command('list')
    .description('list your tokens (admins: --all for everyone’s); never shows the secrets')
    .option('-a, --all', "everyone's tokens (admin)")
    .action(async (opts: { all?: boolean }) => {
      const tokens = await ctx.withClient((client) => client.listTokens(opts.all === true));
      if (ctx.json) return ctx.out.json(tokens);
      ctx.out.line(
        table(
          ['ID', 'USER', 'NAME', 'SCOPES', 'STATE', 'CREATED', 'LAST USED'],
          tokens.map((t) => [
            t.id,
            t.username,
            t.name,
            t.scopes.join(','),
            state(t),
            dateTime(t.createdAt),
            t.lastUsedAt === null ? '-' : dateTime(t.lastUsedAt),
          ]),
        ),
      );
    });

  token
    .command('revoke')
    .description('revoke a token by its id (see `opsroom token list`)')
    .argument('<id>', 'the token id, t_…')
    .action(async (id: string) => {
      const revoked = await ctx.withClient((client) => client.revokeToken(id));
      if (ctx.json) return ctx.out.json(revoked);
      ctx.out.line(`Revoked token ${revoked.id} '${revoked.name}' of @${revoked.username}`);
    });
}
