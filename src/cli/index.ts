import { Command, CommanderError } from 'commander';
import { ConfigError, checkConfigFile, formatProblems, readEnvironment } from '../config/index.js';
import { exitCodeOf, type FieldIssue, isCodedError } from '../core/errors.js';
import { VERSION } from '../version.js';
import { CliExit } from './cli-exit.js';
import { registerActionsCommands } from './commands/actions.js';
import { registerAlertCommands } from './commands/alerts.js';
import { registerAuditCommands } from './commands/audit.js';
import { registerBackupCommand } from './commands/backup.js';
import { registerIntegrationCommands } from './commands/integrations.js';
import { registerMessageCommands } from './commands/messages.js';
import { registerRoomCommands } from './commands/rooms.js';
import { registerRunCommand } from './commands/run.js';
import { registerSecretCommands } from './commands/secrets.js';
import { registerShellCommand } from './commands/shell.js';
import { registerTokenCommands } from './commands/tokens.js';
import { registerUserCommands } from './commands/users.js';
import { CliContext } from './context.js';
import type { CliIo } from './io.js';

export type { CliIo } from './io.js';

/** An API token anywhere in a message (a mistyped command line can echo one back): never printed. */
const TOKEN_PATTERN = /opr_[A-Za-z0-9_-]{6,}/g;
export function redactTokens(text: string): string {
  return text.replace(TOKEN_PATTERN, 'opr_…');
}

function processIo(): CliIo {
  return { stdout: process.stdout, stderr: process.stderr, stdin: process.stdin };
}

/**
 * Runs the `opsroom` command line and resolves with its exit code:
 * 0 ok, 1 failure, 2 usage error, 3 permission denied (or not authenticated).
 */
export async function runCli(argv: string[], io: CliIo = processIo()): Promise<number> {
  const program = new Command('opsroom');
  const ctx = new CliContext(program, io, io.env ?? readEnvironment());
  // Settings first: subcommands copy them when they are created.
  program
    .description('Opsroom: self-hosted ChatOps — chat, a bot, alerts, on-call and incidents')
    .version(VERSION)
    .configureOutput({
      writeOut: (text) => io.stdout.write(text),
      writeErr: (text) => io.stderr.write(redactTokens(text)),
    })
    .configureHelp({ showGlobalOptions: true })
    .exitOverride()
    .showHelpAfterError('(add --help for usage)')
    .showSuggestionAfterError(true)
    .option('-c, --config <file>', 'opsroom.yaml to use (default: $OPSROOM_CONFIG or ./opsroom.yaml)')
    .option(
      '--url <url>',
      'the server (default: $OPSROOM_URL, else this machine’s config, else http://127.0.0.1:8080)',
    )
    .option(
      '--token <token>',
      'API token (default: $OPSROOM_TOKEN); prefer the variable, argv is visible to ps',
    )
    .option(
      '--offline',
      'work on the database directly (the server may be down); actions are still checked and recorded',
    )
    .option(
      '--as <username>',
      "act as this user: with --offline for any command (default: the local 'admin'); " +
        'over the API for `run` and `shell` (admin token)',
    )
    .option('--json', 'machine-readable output');
  program.addHelpText(
    'after',
    '\nExit codes: 0 ok, 1 failure, 2 usage error, 3 permission denied or not signed in.\n' +
      'Run `opsroom <command> --help` for a command’s options.',
  );

  program
    .command('serve')
    .description('run the server (what `npm start` runs)')
    .action(async () => {
      // The server and database modules load only for the commands that need them, so commands that
      // talk to a server over HTTP start quickly.
      const { serve } = await import('../main.js');
      await serve(ctx.loadConfig(), (line) => ctx.out.line(line));
    });

  program
    .command('migrate')
    .description('apply database migrations and exit')
    .action(async () => {
      const config = ctx.loadConfig();
      const { openDatabase } = await import('../storage/database.js');
      const { migrateToLatest } = await import('../storage/migrate.js');
      const database = openDatabase({
        dataDir: config.storage.dataDir,
        databaseUrl: config.storage.databaseUrl,
      });
      try {
        const result = await migrateToLatest(database);
        const applied =
          result.results?.filter((r) => r.status === 'Success').map((r) => r.migrationName) ?? [];
        ctx.out.line(applied.length === 0 ? 'Database is up to date.' : `Applied: ${applied.join(', ')}`);
      } finally {
        await database.close();
      }
    });

  const config = program.command('config').description('configuration tools');
  config
    .command('check [file]')
    .description('validate opsroom.yaml; prints every problem with its path and line')
    .action((file: string | undefined) => {
      const target = file ?? ctx.options.config ?? ctx.env.configFile ?? 'opsroom.yaml';
      const problems = checkConfigFile(target);
      if (problems.length > 0) {
        ctx.err.line(formatProblems(problems));
        throw new CliExit(1);
      }
      ctx.out.line(`${target}: OK`);
    });

  registerUserCommands(program, ctx);
  registerTokenCommands(program, ctx);
  registerRoomCommands(program, ctx);
  registerMessageCommands(program, ctx);
  registerBackupCommand(program, ctx);
  registerSecretCommands(program, ctx);
  registerIntegrationCommands(program, ctx);
  registerAlertCommands(program, ctx);
  registerAuditCommands(program, ctx);
  registerRunCommand(program, ctx);
  registerActionsCommands(program, ctx);
  registerShellCommand(program, ctx);

  try {
    await program.parseAsync(argv);
    return 0;
  } catch (error) {
    return reportError(error, (line) => ctx.err.line(redactTokens(line)));
  }
}

export { CliExit };

function reportError(error: unknown, print: (line: string) => void): number {
  if (error instanceof CliExit) return error.code;
  if (error instanceof CommanderError) {
    // Commander has already printed its message (and the suggestion). --help and --version are
    // successes; help shown because a subcommand was missing is a usage error.
    return error.exitCode === 0 ? 0 : 2;
  }
  if (error instanceof ConfigError) {
    print(`opsroom: configuration problems:\n${error.message}`);
    return 2;
  }
  if (isCodedError(error)) {
    print(`opsroom: ${error.message} [${error.code}]`);
    const issues = (error.details?.issues ?? []) as FieldIssue[];
    for (const issue of issues) print(`  ${issue.path === '' ? '(body)' : issue.path}: ${issue.message}`);
    if (typeof error.details?.errorId === 'string')
      print(`  (error id ${error.details.errorId}: the server log has the details)`);
    return exitCodeOf(error.code);
  }
  print(`opsroom: ${error instanceof Error ? error.message : String(error)}`);
  return 1;
}
