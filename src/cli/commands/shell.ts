import { homedir } from 'node:os';
import { join } from 'node:path';
import type { Command } from 'commander';
import type { CliContext } from '../context.js';
import { useColour } from '../repl/colour.js';
import { runShell } from '../repl/shell-session.js';

/** `opsroom shell`: talk to the bot from a terminal, over the API or `--offline`. */
export function registerShellCommand(program: Command, ctx: CliContext): void {
  program
    .command('shell')
    .description(
      'talk to the bot interactively: each line runs as with `opsroom run` (history, Tab completion, colour)',
    )
    .option('-r, --room <room>', 'the room commands run in (change it with `.room <name>`)')
    .option('--no-history', 'keep no history file (default: $OPSROOM_HISTORY_FILE or ~/.opsroom_history)')
    .addHelpText(
      'after',
      '\nInside: .room <name>, .help, .exit (or Ctrl-D). With --as USER (admin token), every line runs as USER.\n' +
        'Examples:\n  opsroom shell\n  opsroom --as alice shell --room ops\n  opsroom --offline shell',
    )
    .action(async (opts: { room?: string; history: boolean }) => {
      const { offline, as } = ctx.options;
      const stdin = ctx.io.stdin as { isTTY?: boolean };
      await ctx.withClient(
        (client) =>
          runShell({
            client,
            input: ctx.io.stdin,
            output: ctx.io.stdout,
            // Offline, --as already made the client act as that user.
            ...(as === undefined || offline ? {} : { as }),
            ...(opts.room === undefined ? {} : { room: opts.room }),
            colour: useColour(ctx.io.stdout as { isTTY?: boolean }, ctx.env.noColor),
            interactive: stdin.isTTY === true,
            ...(opts.history
              ? { historyFile: ctx.env.historyFile ?? join(homedir(), '.opsroom_history') }
              : {}),
            ...(ctx.io.signal ? { signal: ctx.io.signal } : {}),
            notice: (text) => ctx.notice(text),
          }),
        { asOverApi: true },
      );
    });
}
