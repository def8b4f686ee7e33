import { Command, CommanderError } from 'commander';
import { ConfigError, checkConfigFile, formatProblems, loadConfig } from '../config/index.js';
import { exitCodeOf, isCodedError } from '../core/errors.js';
import { serve } from '../main.js';
import { openDatabase } from '../storage/database.js';
import { migrateToLatest } from '../storage/migrate.js';
import { VERSION } from '../version.js';

/** Exit codes: 0 ok, 1 failure, 2 usage error, 3 permission denied. */
export async function runCli(argv: string[]): Promise<number> {
  const program = new Command('opsroom')
    .description('Opsroom: self-hosted ChatOps — chat, a bot, alerts, on-call and incidents')
    .version(VERSION)
    .option('-c, --config <file>', 'opsroom.yaml to use (default: $OPSROOM_CONFIG or ./opsroom.yaml)')
    .exitOverride()
    .showHelpAfterError()
    .showSuggestionAfterError(true);

  program
    .command('serve')
    .description('run the server (what `npm start` runs)')
    .action(async () => {
      await serve(loadConfig(configFileOption(program)));
    });

  program
    .command('migrate')
    .description('apply database migrations and exit')
    .action(async () => {
      const config = loadConfig(configFileOption(program));
      const database = openDatabase({
        dataDir: config.storage.dataDir,
        databaseUrl: config.storage.databaseUrl,
      });
      try {
        const result = await migrateToLatest(database);
        const applied =
          result.results?.filter((r) => r.status === 'Success').map((r) => r.migrationName) ?? [];
        console.log(applied.length === 0 ? 'Database is up to date.' : `Applied: ${applied.join(', ')}`);
      } finally {
        await database.close();
      }
    });

  const config = program.command('config').description('configuration tools');
  config
    .command('check [file]')
    .description('validate opsroom.yaml; prints every problem with its path and line')
    .action((file: string | undefined) => {
      const target = file ?? configFileOption(program).file ?? 'opsroom.yaml';
      const problems = checkConfigFile(target);
      if (problems.length > 0) {
        console.error(formatProblems(problems));
        throw new CliExit(1);
      }
      console.log(`${target}: OK`);
    });

  try {
    await program.parseAsync(argv);
    return 0;
  } catch (error) {
    return reportError(error);
  }
}

export class CliExit extends Error {
  constructor(readonly code: number) {
    super(`exit ${code}`);
  }
}

function configFileOption(program: Command): { file?: string } {
  const file = program.opts<{ config?: string }>().config;
  return file === undefined ? {} : { file };
}

function reportError(error: unknown): number {
  if (error instanceof CliExit) return error.code;
  if (error instanceof CommanderError) {
    if (
      error.code === 'commander.helpDisplayed' ||
      error.code === 'commander.version' ||
      error.code === 'commander.help'
    )
      return 0;
    return 2;
  }
  if (error instanceof ConfigError) {
    console.error(`opsroom: configuration problems:\n${error.message}`);
    return 2;
  }
  if (isCodedError(error)) {
    console.error(`opsroom: ${error.code}: ${error.message}`);
    return exitCodeOf(error.code);
  }
  console.error(`opsroom: ${(error as Error).message ?? String(error)}`);
  return 1;
}
