import type { Command } from 'commander';
import { ROLES, type Role } from '../../core/actor.js';
import { ValidationError } from '../../core/errors.js';
import type { UserView } from '../client.js';
import type { CliContext } from '../context.js';
import { dateTime } from '../format.js';
import { readFirstLine, table } from '../io.js';

// Custom roles live in the server's opsroom.yaml, so the server (or the offline app) checks role names
// and names the valid ones; the CLI only passes them on.
const ROLE_HELP = `${ROLES.join(', ')}, or a role under policy.roles in opsroom.yaml`;

/** For a repeatable option or a variadic argument: commander passes what was collected so far. */
function collectRoles(value: string, previous: Role[] | undefined): Role[] {
  return [...(previous ?? []), value.trim().toLowerCase()];
}

function summary(user: UserView): string {
  return `@${user.username} (roles: ${user.roles.join(', ')})`;
}

export function registerUserCommands(program: Command, ctx: CliContext): void {
  const user = program.command('user').description('manage user accounts (admin)');

  user
    .command('add <username>')
    .description('add a user; they get the member role unless --role says otherwise')
    .option('-r, --role <role>', `a role (repeat for more): ${ROLE_HELP}`, collectRoles)
    .option('--display-name <name>', 'the name people see (default: the username)')
    .option('--password-stdin', 'read a password from the first line of stdin (never from the command line)')
    .action(
      async (username: string, opts: { role?: Role[]; displayName?: string; passwordStdin?: boolean }) => {
        let password: string | undefined;
        if (opts.passwordStdin) {
          password = await readFirstLine(ctx.io.stdin);
          if (password === '') throw new ValidationError('--password-stdin: no password on stdin');
        }
        const created = await ctx.withClient((client) =>
          client.addUser({
            username,
            ...(opts.role === undefined ? {} : { roles: opts.role }),
            ...(opts.displayName === undefined ? {} : { displayName: opts.displayName }),
            ...(password === undefined ? {} : { password }),
          }),
        );
        if (ctx.json) return ctx.out.json(created);
        ctx.out.line(`Added ${summary(created)}${created.hasPassword ? ' with a password' : ''}`);
      },
    );

  user
    .command('list')
    .description('list users')
    .action(async () => {
      const users = await ctx.withClient((client) => client.listUsers());
      if (ctx.json) return ctx.out.json(users);
      ctx.out.line(
        table(
          ['USERNAME', 'ROLES', 'PASSWORD', 'STATUS', 'CREATED', 'NAME'],
          users.map((u) => [
            u.username,
            u.roles.join(','),
            u.hasPassword ? 'yes' : 'no',
            u.disabled ? 'disabled' : 'active',
            dateTime(u.createdAt),
            u.displayName,
          ]),
        ),
      );
    });

  user
    .command('set-role')
    .description("replace a user's roles")
    .argument('<username>', 'whose roles')
    .argument('<roles...>', `one or more of: ${ROLE_HELP}`, collectRoles)
    .action(async (username: string, roles: Role[]) => {
      const updated = await ctx.withClient((client) => client.setRoles(username, roles));
      if (ctx.json) return ctx.out.json(updated);
      ctx.out.line(`Set ${summary(updated)}`);
    });
}
