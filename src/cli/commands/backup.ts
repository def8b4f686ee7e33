import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { promisify } from 'node:util';
import type { Command } from 'commander';
import { childEnvironment } from '../../config/env.js';
import { CodedError, ConflictError, ErrorCode, ValidationError } from '../../core/errors.js';
import type { CliContext } from '../context.js';

const run = promisify(execFile);
/** The storage module, loaded when a backup runs (it brings the database drivers). */
type Storage = typeof import('../../storage/database.js');

function failure(message: string): CodedError {
  return new CodedError(ErrorCode.Unavailable, message);
}

async function backupSqlite(storage: Storage, source: string, target: string): Promise<string> {
  if (source === ':memory:') throw new ValidationError('an in-memory database cannot be backed up');
  if (!existsSync(source))
    throw new CodedError(ErrorCode.NotFound, `there is no Opsroom database at ${source}`);
  const database = storage.openSqlite(source);
  try {
    // SQLite's online backup API copies a consistent snapshot page by page while the server keeps writing.
    const result = await database.sqlite!.backup(target);
    return `Backed up ${source} to ${target} (${result.totalPages} pages)`;
  } finally {
    await database.close();
  }
}

async function backupPostgres(storage: Storage, url: string, target: string): Promise<string> {
  // An argv array, never a shell string; the password travels in PGPASSWORD, not in argv where `ps` shows it.
  const parsed = new URL(storage.withDefaultUser(url));
  const password = decodeURIComponent(parsed.password);
  parsed.password = '';
  const args = ['--format=custom', '--no-password', `--file=${target}`, `--dbname=${parsed.toString()}`];
  try {
    await run('pg_dump', args, {
      maxBuffer: 16 * 1024 * 1024,
      env: childEnvironment(password === '' ? {} : { PGPASSWORD: password }),
    });
  } catch (error) {
    const e = error as NodeJS.ErrnoException & { stderr?: string };
    if (e.code === 'ENOENT') {
      throw failure(
        'PostgreSQL databases are backed up with pg_dump, which is not on PATH: install the PostgreSQL ' +
          `client tools, or run: pg_dump --format=custom --file=${target} <database URL>`,
      );
    }
    const detail = storage.redactUrl(String(e.stderr ?? e.message)).trim();
    throw failure(`pg_dump failed: ${detail}`);
  }
  return `Backed up ${storage.redactUrl(url)} to ${target} with pg_dump (custom format; restore with pg_restore)`;
}

export function registerBackupCommand(program: Command, ctx: CliContext): void {
  program
    .command('backup')
    .description(
      'write an online backup of the database to a file (always local; works while the server runs)',
    )
    .argument('<file>', 'where to write it')
    .option('-f, --force', 'overwrite the file if it exists')
    .action(async (file: string, opts: { force?: boolean }) => {
      const target = resolve(file);
      if (existsSync(target) && !opts.force)
        throw new ConflictError(`${file} exists; pass --force to overwrite it`);
      const config = ctx.loadConfig();
      const url = config.storage.databaseUrl;
      const storage: Storage = await import('../../storage/database.js');
      const done = storage.isPostgresUrl(url)
        ? await backupPostgres(storage, url!, target)
        : await backupSqlite(storage, storage.sqliteFileFor(config.storage), target);
      if (ctx.json) return ctx.out.json({ file: target, message: done });
      ctx.out.line(done);
    });
}
