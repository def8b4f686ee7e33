import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openDatabase } from '../../../src/storage/database.js';
import { migrateToLatest } from '../../../src/storage/migrate.js';
import { cli } from '../../support/cli.js';
import { offlineAdminToken } from '../../support/offline-admin.js';
import { freePort, type ServerProcess, startServerProcess } from '../../support/server-process.js';
import { ROOT } from './web-build.js';

export const PASSWORD = 'correct horse battery staple';

export interface E2eServer {
  url: string;
  /** Calls the REST API as the admin (token). */
  api<T = unknown>(method: string, path: string, body?: unknown): Promise<T>;
  /** Stops the server (SIGTERM) and starts it again on the same port and data. */
  restart(): Promise<void>;
  /** Stops the server without starting it again. */
  stop(): Promise<void>;
  start(): Promise<void>;
  /** Posts as `username` straight into the database (`opsroom --offline say`): works while stopped. */
  postOffline(username: string, room: string, text: string): Promise<void>;
  output(): string;
  dispose(): Promise<void>;
}

/**
 * A real `opsroom serve` in its own process on a free port (SQLite in a temporary folder), with the
 * e2e plugin's commands, fast job-card updates and no bot rate limit, and users with passwords.
 */
export async function startE2eServer(users: string[]): Promise<E2eServer> {
  const dataDir = mkdtempSync(join(tmpdir(), 'opsroom-e2e-'));
  const database = openDatabase({ dataDir });
  await migrateToLatest(database);
  const token = await offlineAdminToken(database, 'e2e');
  await database.close();
  const configFile = join(dataDir, 'opsroom.yaml');
  writeFileSync(
    configFile,
    [
      'jobs:',
      '  cardIntervalMs: 200',
      'bot:',
      '  rateLimitPerMinute: 0',
      'plugins:',
      `  dir: ${JSON.stringify(join(ROOT, 'test/e2e/fixtures/plugins'))}`,
      'actions:',
      `  dir: ${JSON.stringify(join(dataDir, 'actions'))}`,
      '  watch: false',
      '',
    ].join('\n'),
  );
  const port = await freePort();
  let server: ServerProcess | undefined;
  const start = async () => {
    server = await startServerProcess({ dataDir, port, configFile, readyTimeoutMs: 60_000 });
  };
  await start();
  const url = `http://127.0.0.1:${port}`;
  const api = async <T>(method: string, path: string, body?: unknown): Promise<T> => {
    const res = await fetch(`${url}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${token}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await res.text();
    if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${text}`);
    return (text === '' ? undefined : JSON.parse(text)) as T;
  };
  for (const username of users)
    await api('POST', '/api/users', { username, password: PASSWORD, roles: ['operator'] });
  return {
    url,
    api,
    start,
    async stop() {
      await server?.stop('SIGTERM');
    },
    async restart() {
      await server?.stop('SIGTERM');
      await start();
    },
    async postOffline(username, room, text) {
      const run = await cli(['--offline', '--as', username, 'say', '--room', room, text], {
        env: { dataDir },
      });
      if (run.code !== 0) throw new Error(`opsroom --offline say failed: ${run.stderr}`);
    },
    output: () => server?.output() ?? '',
    async dispose() {
      await server?.stop('SIGTERM');
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
