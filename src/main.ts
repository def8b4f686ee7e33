import { buildApp } from './app.js';
import type { OpsroomConfig } from './config/index.js';

/**
 * `opsroom serve`: builds the app, prints the first-run setup link when one is needed, listens, and
 * drains cleanly on SIGTERM or SIGINT.
 */
export async function serve(config: OpsroomConfig, out: (line: string) => void = console.log): Promise<void> {
  const startedAt = performance.now();
  const app = await buildApp(config);
  const setupToken = await app.bootstrap.prepare();
  const url = await app.start();
  app.logger.info(
    {
      url,
      database: app.database.dialect,
      location: app.database.location,
      startupMs: Math.round(performance.now() - startedAt),
    },
    'Opsroom is ready',
  );
  out(`Opsroom is running at ${url} (${app.database.dialect}: ${app.database.location})`);
  if (setupToken !== undefined) {
    const base = config.server.publicUrl ?? url;
    out('');
    out('  First run: finish setting up the admin account by opening');
    out(`    ${base.replace(/\/$/, '')}/setup?token=${setupToken}`);
    out(`  or:  curl -X POST ${base.replace(/\/$/, '')}/api/setup -H 'content-type: application/json' \\`);
    out(`         -d '{"token":"${setupToken}","password":"<choose one>"}'`);
    out('  The token works once; restarting Opsroom before setup prints a new one.');
    out('');
  }

  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    app.logger.info({ signal }, 'shutting down');
    const force = setTimeout(() => {
      app.logger.error('shutdown took too long; exiting');
      process.exit(1);
    }, config.server.shutdownGraceMs);
    force.unref();
    app.close().then(
      () => process.exit(0),
      (error: unknown) => {
        app.logger.error({ err: error }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.once('SIGTERM', () => stop('SIGTERM'));
  process.once('SIGINT', () => stop('SIGINT'));
}
