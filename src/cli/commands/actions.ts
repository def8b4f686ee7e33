import { relative, resolve } from 'node:path';
import type { Command } from 'commander';
import { childEnvironment } from '../../config/env.js';
import { formatProblems } from '../../config/load.js';
import { SystemClock } from '../../core/clock.js';
import { usageLines } from '../../domains/bot/help.js';
import { checkActions } from '../../plugins/actions/check.js';
import { CliExit } from '../cli-exit.js';
import type { CliContext } from '../context.js';
import { table } from '../io.js';

/**
 * The bot's built-in command words (issue 3's list). The server checks against its live registry when
 * it loads actions; this list lets `check` catch the common clash without starting a server.
 */
const BUILT_IN_WORDS = [
  'help',
  'whoami',
  'ping',
  'echo',
  'version',
  'jobs',
  'job',
  'cancel',
  'confirm',
  'approve',
  'deny',
  'who',
  'audit',
  'explain',
];

export function registerActionsCommands(program: Command, ctx: CliContext): void {
  const actions = program
    .command('actions')
    .description('script and HTTP actions (actions/<name>/action.yaml)');

  actions
    .command('check [dir]')
    .description(
      'validate every action manifest (and that its program exists and is executable); ' +
        'prints each problem with file:line and exits 1 when there are any',
    )
    .addHelpText('after', '\nExamples:\n  opsroom actions check\n  opsroom actions check examples/actions')
    .action((dir: string | undefined) => {
      const target = dir === undefined ? ctx.loadConfig().actions.dir : resolve(dir);
      // Paths as the person wrote them: `examples/actions/disk/action.yaml:3:10`.
      const shown = (path: string) =>
        dir === undefined
          ? relative(resolve(target, '..'), path)
          : `${dir.replace(/\/$/, '')}/${relative(target, path)}`.replace(/\/$/, '');
      const result = checkActions(target, {
        clock: new SystemClock(),
        serverEnv: childEnvironment({}),
        builtIn: (word) => (BUILT_IN_WORDS.includes(word) ? word : undefined),
      });
      const problems = result.problems.map((p) => ({ ...p, source: shown(p.source) }));
      if (ctx.json) {
        ctx.out.json({
          ok: problems.length === 0,
          actions: result.actions.map((a) => ({
            name: a.name,
            kind: a.kind,
            file: shown(a.file),
            summary: a.command.summary,
            usage: a.command.usage,
          })),
          problems,
        });
      } else {
        if (result.actions.length > 0) {
          ctx.out.line(
            table(
              ['COMMAND', 'KIND', 'FILE', 'SUMMARY'],
              result.actions.map((a) => [
                usageLines(a.command)[0] ?? a.name,
                a.kind,
                shown(a.file),
                a.command.summary,
              ]),
            ),
          );
        }
        for (const folder of result.skipped) ctx.notice(`skipped ${shown(folder)}/: no action.yaml`);
        if (problems.length > 0) ctx.err.line(formatProblems(problems));
        const count = `${result.actions.length} action${result.actions.length === 1 ? '' : 's'}`;
        ctx.out.line(
          problems.length === 0
            ? `${count} OK`
            : `${count} OK, ${problems.length} problem${problems.length === 1 ? '' : 's'}`,
        );
      }
      if (problems.length > 0) throw new CliExit(1);
    });
}
